/**
 * The flight timeline in Redis: every notification of a flight and every delivery attempt per
 * webhook, kept `retentionMs` and capped per flight and per message. Each write is one pipelined
 * round trip (notification: one script on the flight's slot + locator + recent list; attempts:
 * RPUSH/LTRIM/PEXPIRE, those of one event-loop turn together), with no read-modify-write in JS.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/index.js';
import type { Clock } from '../core/index.js';
import {
  commandBatch,
  flightBucket,
  loadScript,
  messageBucket,
  RedisKeys,
  type TimelineKeys,
} from '../redis/index.js';
import { messageFlight } from '../subscriptions/index.js';
import { AttemptWriter } from './attempt-writer.js';
import { buildTimeline, type AttemptFields, type StoredNotification } from './read.js';
import type {
  AttemptInput,
  MessageRecord,
  NotificationInput,
  NotificationTimeline,
  RecentMessage,
} from './types.js';

export interface TimelineStoreOptions {
  redis: RedisClient;
  prefix: string;
  clock: Clock;
  /** How long a flight's records are kept after its last write; 3 days. */
  retentionMs?: number;
  /** Notifications kept per flight (the oldest go first); 500. */
  maxNotificationsPerFlight?: number;
  /** Attempts kept per message, all webhooks together (the oldest go first); 100. */
  maxAttemptsPerMessage?: number;
  /** How far back recentMessages can look; 1 h. */
  recentWindowMs?: number;
  /** Recent messages kept at most, whatever the window; 100,000. */
  maxRecent?: number;
}

const ADD_NOTIFICATION = loadScript('timeline-add-notification');
/** Sent with EVALSHA inside the write pipeline (LuaScript.run cannot join a pipeline). */
const ADD_NOTIFICATION_SHA = createHash('sha1').update(ADD_NOTIFICATION.source).digest('hex');

export class TimelineStore {
  readonly keys: TimelineKeys;
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #maxNotifications: number;
  readonly #maxAttempts: number;
  readonly #recentWindowMs: number;
  readonly #maxRecent: number;
  readonly #attempts: AttemptWriter;

  constructor(options: TimelineStoreOptions) {
    this.keys = new RedisKeys(options.prefix).timeline();
    this.#redis = options.redis;
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs ?? 3 * 86_400_000;
    this.#maxNotifications = options.maxNotificationsPerFlight ?? 500;
    this.#maxAttempts = options.maxAttemptsPerMessage ?? 100;
    this.#recentWindowMs = options.recentWindowMs ?? 3_600_000;
    this.#maxRecent = options.maxRecent ?? 100_000;
    this.#attempts = new AttemptWriter({
      redis: this.#redis,
      maxPerList: this.#maxAttempts,
      retentionMs: this.#retentionMs,
    });
  }

  /** Records a notification (call it once per message, at ingest). */
  recordNotification(input: NotificationInput): Promise<void> {
    return this.recordNotifications([input]);
  }

  /**
   * Records the notifications of an ingest batch in one pipelined round trip (a lost script is
   * sent whole once more for the notifications it missed).
   */
  async recordNotifications(inputs: readonly NotificationInput[]): Promise<void> {
    if (inputs.length === 0) return;
    // One pipeline on one server; on a Cluster the flights' slots spread over the nodes.
    const pipeline = commandBatch(this.#redis);
    const scripts: Array<{ index: number; keys: string[]; args: Array<string | number> }> = [];
    let commands = 0;
    let anyFlight = false;
    for (const input of inputs) {
      const { keys, args, bucket } = this.#notificationScript(input);
      scripts.push({ index: commands, keys, args });
      pipeline.evalsha(ADD_NOTIFICATION_SHA, 2, ...keys, ...args);
      pipeline.set(this.keys.locator(input.id), bucket, 'PX', this.#retentionMs);
      commands += 2;
      if (input.flight) {
        pipeline.zadd(this.keys.recent, input.at, JSON.stringify(recentFields(input, input.flight)));
        commands += 1;
        anyFlight = true;
      }
    }
    if (anyFlight) {
      pipeline.zremrangebyscore(this.keys.recent, '-inf', `(${this.#clock.now() - this.#recentWindowMs}`);
      pipeline.zremrangebyrank(this.keys.recent, 0, -(this.#maxRecent + 1));
    }
    const results = (await pipeline.exec()) ?? [];
    const scriptIndexes = new Set(scripts.map((s) => s.index));
    for (const script of scripts) {
      const err = results[script.index]?.[0];
      // Redis lost the script (first use, restart, SCRIPT FLUSH): send it whole for this one.
      if (err && String(err.message).startsWith('NOSCRIPT'))
        await ADD_NOTIFICATION.run(this.#redis, script.keys, script.args);
      else if (err) throw err;
    }
    const failed = results.find(([err], i) => err && !scriptIndexes.has(i));
    if (failed) throw failed[0];
  }

  #notificationScript(input: NotificationInput): {
    keys: string[];
    args: Array<string | number>;
    bucket: string;
  } {
    const flight = input.flight && messageFlight(input.flight.carrier, input.flight.flightNumber);
    const bucket = flight ? flightBucket(flight, input.flight!.date) : messageBucket(input.id);
    const record: StoredNotification = {
      id: input.id,
      at: input.at,
      eventType: input.eventType,
      topic: input.topic,
      ...(input.code === undefined ? {} : { code: input.code }),
      ...(flight ? { flight, date: input.flight!.date } : {}),
      ...(input.replay === undefined ? {} : { replay: input.replay }),
    };
    const k = this.keys;
    return {
      keys: [k.notifications(bucket), k.messages(bucket)],
      args: [input.id, input.at, JSON.stringify(record), this.#maxNotifications, this.#retentionMs],
      bucket,
    };
  }

  /** Records one delivery attempt of a message to a webhook (written with the others of this turn). */
  async recordAttempt(input: AttemptInput): Promise<void> {
    const flight = input.flight && messageFlight(input.flight.carrier, input.flight.flightNumber);
    const bucket = flight ? flightBucket(flight, input.flight!.date) : messageBucket(input.messageId);
    const key = this.keys.attempts(bucket, input.messageId);
    const attempt: AttemptFields = [
      input.webhookId,
      input.attempt,
      input.at,
      input.status ?? null,
      input.error ?? null,
      Math.round(input.durationMs),
      input.outcome,
    ];
    await this.#attempts.add(key, JSON.stringify(attempt));
  }

  /** Every notification of a flight (LH400 + 2026-12-01), oldest first, with their deliveries. */
  async flight(flight: string, date: string): Promise<NotificationTimeline[]> {
    const bucket = flightBucket(flight, date);
    const ids = await this.#redis.zrange(this.keys.notifications(bucket), 0, -1);
    if (ids.length === 0) return [];
    const records = await this.#read(bucket, ids);
    return records.filter((r) => r !== undefined).map(({ replay: _replay, ...timeline }) => timeline);
  }

  /** One message with its deliveries and replay data, or undefined when unknown or expired. */
  async message(id: string): Promise<MessageRecord | undefined> {
    const bucket = await this.#redis.get(this.keys.locator(id));
    return bucket ? (await this.#read(bucket, [id]))[0] : undefined;
  }

  /** Messages with a flight received since `sinceMs` (at most recentWindowMs back), oldest first. */
  async recentMessages(sinceMs: number): Promise<RecentMessage[]> {
    const from = Math.max(sinceMs, this.#clock.now() - this.#recentWindowMs);
    const flat = await this.#redis.zrangebyscore(this.keys.recent, from, '+inf', 'WITHSCORES');
    const messages: RecentMessage[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const [id, topic, eventType, carrier, flightNumber, date, dep, arr] = JSON.parse(
        flat[i]!,
      ) as RecentFields;
      messages.push({
        id,
        at: new Date(Number(flat[i + 1])).toISOString(),
        topic,
        eventType,
        carrier,
        flightNumber,
        date,
        ...(dep === null ? {} : { departureAirport: dep }),
        ...(arr === null ? {} : { arrivalAirport: arr }),
      });
    }
    return messages;
  }

  /** Records and attempt lists of some messages of one bucket: one pipelined round trip. */
  async #read(bucket: string, ids: string[]): Promise<Array<MessageRecord | undefined>> {
    const pipeline = this.#redis.pipeline().hmget(this.keys.messages(bucket), ...ids);
    for (const id of ids) pipeline.lrange(this.keys.attempts(bucket, id), 0, -1);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    const records = results[0]![1] as Array<string | null>;
    return ids.map((_, i) =>
      records[i] ? buildTimeline(records[i], results[i + 1]![1] as string[]) : undefined,
    );
  }
}

/** A recent message as stored: [id, topic, eventType, carrier, flightNumber, date, dep, arr]. */
type RecentFields = [string, string, string, string, string, string, string | null, string | null];

function recentFields(
  input: NotificationInput,
  flight: NonNullable<NotificationInput['flight']>,
): RecentFields {
  return [
    input.id,
    input.topic,
    input.eventType,
    flight.carrier,
    flight.flightNumber,
    flight.date,
    input.departureAirport ?? null,
    input.arrivalAirport ?? null,
  ];
}
