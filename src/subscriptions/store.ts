/**
 * Subscriptions in Redis, shared by every replica and kept across restarts: create (idempotent),
 * get, list, remove, and a direct matcher (one HMGET per call; the ingest hot path uses
 * SubscriptionMatcher's in-process copy of the index instead).
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/index.js';
import type { Clock } from '../core/index.js';
import { loadScript, RedisKeys, type SubscriptionKeys } from '../redis/index.js';
import {
  decodeEntries,
  encodeEntry,
  entryMatches,
  indexKeyOf,
  isLive,
  type IndexEntry,
  type ListInterner,
} from './index-entry.js';
import {
  expiryOf,
  messageIndexKeys,
  subscriptionId,
  type MatchableMessage,
  type Subscription,
  type SubscriptionRule,
} from './rule.js';

export interface SubscriptionStoreOptions {
  redis: RedisClient;
  prefix: string;
  clock: Clock;
  /** How long after the end of its date (UTC) a flight+date subscription still matches; 12 h. */
  flightGraceMs?: number;
  /** How long an Idempotency-Key keeps naming its subscription; 24 h. */
  idempotencyTtlMs?: number;
  /** Changes kept for replicas' caches to catch up; one further behind reloads the index. */
  changeLogCap?: number;
}

export interface CreateResult {
  subscription: Subscription;
  /** false when the same rule (or Idempotency-Key) already had a live subscription. */
  created: boolean;
}

export interface SubscriptionPage {
  subscriptions: Subscription[];
  /** Pass it back for the next page; absent on the last. */
  nextCursor?: string;
}

/** The Idempotency-Key was first used for another rule. */
export class IdempotencyConflictError extends Error {
  constructor(
    readonly key: string,
    readonly existingId: string,
  ) {
    super(`Idempotency-Key "${key}" was already used for subscription ${existingId} with a different rule`);
    this.name = 'IdempotencyConflictError';
  }
}

export const DEFAULT_FLIGHT_GRACE_MS = 12 * 3_600_000;

export class SubscriptionStore {
  readonly keys: SubscriptionKeys;
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #idempotencyTtlMs: number;
  readonly #changeLogCap: number;

  constructor(options: SubscriptionStoreOptions) {
    this.keys = new RedisKeys(options.prefix).subscriptions();
    this.#redis = options.redis;
    this.#clock = options.clock;
    this.#graceMs = options.flightGraceMs ?? DEFAULT_FLIGHT_GRACE_MS;
    this.#idempotencyTtlMs = options.idempotencyTtlMs ?? 86_400_000;
    this.#changeLogCap = options.changeLogCap ?? 10_000;
  }

  get redis(): RedisClient {
    return this.#redis;
  }

  /** Stores a validated rule; the same rule for the same webhook always gets the same id. */
  async create(rule: SubscriptionRule, options: { idempotencyKey?: string } = {}): Promise<CreateResult> {
    const now = this.#clock.now();
    const expiresAt = expiryOf(rule, this.#graceMs);
    const subscription: Subscription = {
      ...rule,
      id: subscriptionId(rule),
      ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt).toISOString() }),
      createdAt: new Date(now).toISOString(),
    };
    const k = this.keys;
    const keys = [
      k.records,
      k.byWebhook(rule.webhookId),
      k.index(rule.webhookId),
      k.version,
      k.changes,
      k.webhooks,
      k.epoch,
    ];
    if (options.idempotencyKey !== undefined) keys.push(k.idempotency(options.idempotencyKey));
    const [status, record] = (await loadScript('subscription-create').run(this.#redis, keys, [
      subscription.id,
      JSON.stringify(subscription),
      indexKeyOf(subscription),
      encodeEntry(subscription),
      now,
      rule.webhookId,
      this.#idempotencyTtlMs,
      this.#changeLogCap,
      randomUUID(),
    ])) as [string, string];
    if (status === 'conflict') throw new IdempotencyConflictError(options.idempotencyKey!, record);
    return { subscription: JSON.parse(record) as Subscription, created: status === 'created' };
  }

  /** A live subscription, or undefined (absent or expired). */
  async get(id: string): Promise<Subscription | undefined> {
    const record = await this.#redis.hget(this.keys.records, id);
    const sub = record ? (JSON.parse(record) as Subscription) : undefined;
    return sub && this.#live(sub) ? sub : undefined;
  }

  /** Live subscriptions, of one webhook or of all, oldest first. */
  async list(webhookId?: string): Promise<Subscription[]> {
    let records: Array<string | null>;
    if (webhookId === undefined) {
      records = Object.values(await this.#redis.hgetall(this.keys.records));
    } else {
      const ids = await this.#redis.smembers(this.keys.byWebhook(webhookId));
      records = ids.length > 0 ? await this.#redis.hmget(this.keys.records, ...ids) : [];
    }
    return records
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as Subscription)
      .filter((sub) => this.#live(sub))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * One page of live subscriptions (for an admin API over 100,000 of them): SSCAN / HSCAN, so
   * pages are unordered, may hold fewer than `count`, and end when nextCursor is undefined.
   */
  async listPage(
    options: { webhookId?: string; cursor?: string; count?: number } = {},
  ): Promise<SubscriptionPage> {
    const cursor = options.cursor ?? '0';
    const count = options.count ?? 100;
    let records: Array<string | null>;
    let next: string;
    if (options.webhookId === undefined) {
      const [nextCursor, flat] = await this.#redis.hscan(this.keys.records, cursor, 'COUNT', count);
      next = nextCursor;
      records = flat.filter((_, i) => i % 2 === 1);
    } else {
      const [nextCursor, ids] = await this.#redis.sscan(
        this.keys.byWebhook(options.webhookId),
        cursor,
        'COUNT',
        count,
      );
      next = nextCursor;
      records = ids.length > 0 ? await this.#redis.hmget(this.keys.records, ...ids) : [];
    }
    const subscriptions = records
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as Subscription)
      .filter((sub) => this.#live(sub));
    return { subscriptions, ...(next === '0' ? {} : { nextCursor: next }) };
  }

  /** true when it existed. */
  async remove(id: string): Promise<boolean> {
    return this.#remove(id, '');
  }

  /** Removes it only if it has expired by `now` (a re-created one with a new expiry stays). */
  async removeIfExpired(id: string, now = this.#clock.now()): Promise<boolean> {
    return this.#remove(id, String(now));
  }

  /** Whether a message matches one of the webhook's live subscriptions: one HMGET of ≤ 5 fields. */
  async matches(webhookId: string, msg: MatchableMessage): Promise<boolean> {
    const messageKeys = messageIndexKeys(msg);
    const found = await this.indexFields(webhookId, messageKeys);
    const now = this.#clock.now();
    let matched = false;
    for (const entries of found.values()) {
      for (const entry of entries) {
        if (!isLive(entry, now)) void this.removeIfExpired(entry.id, now).catch(() => undefined);
        else if (entryMatches(entry, messageKeys, msg.eventType)) matched = true;
      }
    }
    return matched;
  }

  /** The index entries under some keys of one webhook (keys without entries are absent). */
  async indexFields(
    webhookId: string,
    indexKeys: string[],
    lists?: ListInterner,
  ): Promise<Map<string, IndexEntry[]>> {
    const values = await this.#redis.hmget(this.keys.index(webhookId), ...indexKeys);
    const found = new Map<string, IndexEntry[]>();
    values.forEach((lines, i) => {
      if (lines) found.set(indexKeys[i]!, decodeEntries(webhookId, lines, lists));
    });
    return found;
  }

  async #remove(id: string, onlyIfExpiredAt: string): Promise<boolean> {
    const record = await this.#redis.hget(this.keys.records, id);
    if (!record) return false;
    const sub = JSON.parse(record) as Subscription;
    const k = this.keys;
    const removed = await loadScript('subscription-remove').run(
      this.#redis,
      [k.records, k.byWebhook(sub.webhookId), k.index(sub.webhookId), k.version, k.changes],
      [id, indexKeyOf(sub), sub.webhookId, this.#changeLogCap, onlyIfExpiredAt],
    );
    return removed === 1;
  }

  #live(sub: Subscription): boolean {
    return sub.expiresAt === undefined || Date.parse(sub.expiresAt) > this.#clock.now();
  }
}
