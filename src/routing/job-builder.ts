/**
 * Turns received MQTT messages into delivery jobs: the payload is parsed once, the envelope built
 * once, the router picks the webhooks, and each webhook gets one job whose id is the message key.
 * Bad input never throws: an oversized payload, or an unreadable one under invalidPayload:
 * deadletter, becomes a job with `reject` on every webhook whose topics match, so delivery
 * dead-letters it with the reason.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { Metrics } from '../core/index.js';
import type { TraceCarrier } from '../telemetry/index.js';
import { subscriptionFor } from '../sources/index.js';
import { Router, type SubscriptionFilter } from './router.js';
import type { NotificationInput } from '../timeline/index.js';
import {
  type JobEntry,
  type DeliveryJobData,
  type EventEnvelope,
  type ParsedPayload,
  envelopeId,
  messageKeyFn,
  type MessageKeyFn,
} from '../queue/index.js';
import { buildEnvelope, parsePayload, type EnvelopeOptions } from './envelope.js';

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  /** Set by ingest with tracing on; copied into every job of the message. */
  trace?: TraceCarrier;
}

export type RejectReason = 'oversized' | 'invalid-payload';

/** Where each batch's notifications go (TimelineStore): one round trip per batch. */
export interface NotificationRecorder {
  recordNotifications(inputs: readonly NotificationInput[]): Promise<void>;
}

export interface JobBuilderOptions {
  /** Run-time subscriptions of webhooks with `subscriptions: true`. */
  subscriptions?: SubscriptionFilter;
  /** The flight timeline; without it nothing is recorded. */
  timeline?: NotificationRecorder;
}

const UNREADABLE: ParsedPayload = { json: undefined, isJson: false };
const EMPTY = Buffer.alloc(0);

export class JobBuilder {
  readonly #router: Router;
  readonly #key: MessageKeyFn;
  readonly #envelope: EnvelopeOptions;
  readonly #maxPayloadBytes: number;
  readonly #deadletterInvalid: boolean;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #rejectsLogged = new Set<RejectReason>();
  readonly #timeline?: NotificationRecorder;

  constructor(config: Config, metrics: Metrics, logger: Logger, options: JobBuilderOptions = {}) {
    this.#router = new Router(config.webhooks, options.subscriptions);
    this.#timeline = options.timeline;
    this.#key = messageKeyFn(config.ingest.dedupKey);
    this.#envelope = {
      source: subscriptionFor(config).kind,
      typeRules: config.events.types,
      defaultType: config.events.defaultType,
    };
    this.#maxPayloadBytes = config.ingest.maxPayloadBytes;
    this.#deadletterInvalid = config.ingest.invalidPayload === 'deadletter';
    this.#metrics = metrics;
    this.#log = logger;
  }

  build(messages: readonly ReceivedMessage[]): JobEntry[] {
    const entries: JobEntry[] = [];
    const notifications: NotificationInput[] | undefined = this.#timeline ? [] : undefined;
    let routed = 0;
    for (const message of messages) {
      const before = entries.length;
      try {
        this.#buildOne(message, entries, notifications);
      } catch (err) {
        // Not expected (parsing and building do not throw); never let one message stop ingest.
        entries.length = before;
        this.#log.error(
          { err, topic: message.topic },
          'could not build jobs for a message; it is acked unrouted',
        );
      }
      if (entries.length > before) routed++;
    }
    // Counted once per batch: a counter update per message showed in the burst profile.
    if (routed > 0) this.#metrics.messagesRouted.inc(routed);
    if (routed < messages.length) this.#metrics.messagesUnrouted.inc(messages.length - routed);
    if (notifications && notifications.length > 0) this.#record(notifications);
    return entries;
  }

  /**
   * Sent now, so it shares the socket write with the batch's jobs (the ack pipeline writes them in
   * the same tick); the timeline is a log, not a delivery: a failed write is logged, never retried.
   */
  #record(notifications: NotificationInput[]): void {
    this.#timeline!.recordNotifications(notifications).catch((err: unknown) =>
      this.#log.warn(
        { err, messages: notifications.length },
        'could not record notifications in the timeline',
      ),
    );
  }

  #buildOne(message: ReceivedMessage, out: JobEntry[], notifications?: NotificationInput[]): void {
    const { topic, payload } = message;
    if (payload.length > this.#maxPayloadBytes) {
      this.#reject(
        message,
        'oversized',
        `${payload.length} bytes > ingest.maxPayloadBytes ${this.#maxPayloadBytes}`,
        UNREADABLE,
        out,
      );
      return;
    }
    const parsed = parsePayload(payload);
    if (!parsed.isJson && this.#deadletterInvalid) {
      const why = parsed.error ?? 'not JSON or not UTF-8';
      this.#reject(message, 'invalid-payload', `${why} (ingest.invalidPayload: deadletter)`, parsed, out);
      return;
    }
    const key = this.#key(topic, payload, parsed);
    const event = buildEnvelope(
      { id: envelopeId(key), topic, payload, parsed, receivedAt: message.receivedAt },
      this.#envelope,
    );
    // The timeline is per flight: a message without one (a generic MQTT source) is not recorded,
    // which keeps such sources at their burst rate (one timeline write per message costs ~4x).
    if (event.flight) notifications?.push(notificationOf(event, message.receivedAt));
    let raw: string | undefined;
    for (const webhook of this.#router.route(event, parsed)) {
      const data: DeliveryJobData = { event };
      if (webhook.body === 'raw') data.raw = raw ??= payload.toString('base64');
      if (message.trace) data.trace = message.trace;
      out.push({ webhookId: webhook.id, jobId: key, data });
    }
  }

  #reject(
    message: ReceivedMessage,
    reason: RejectReason,
    detail: string,
    parsed: ParsedPayload,
    out: JobEntry[],
  ): void {
    const webhooks = this.#router.routeByTopic(message.topic);
    if (webhooks.length === 0) return;
    const key = this.#key(message.topic, message.payload, undefined);
    // An oversized payload is not copied into Redis; an unreadable one is kept (base64) for inspection.
    const payload = reason === 'oversized' ? EMPTY : message.payload;
    const event = buildEnvelope(
      { id: envelopeId(key), topic: message.topic, payload, parsed, receivedAt: message.receivedAt },
      this.#envelope,
    );
    for (const webhook of webhooks) {
      const data: DeliveryJobData = { event, reject: reason };
      if (message.trace) data.trace = message.trace;
      out.push({ webhookId: webhook.id, jobId: key, data });
    }
    this.#metrics.messagesRejected.inc({ reason });
    const first = !this.#rejectsLogged.has(reason);
    this.#rejectsLogged.add(reason);
    this.#log[first ? 'warn' : 'debug'](
      { topic: message.topic, reason, detail, webhooks: webhooks.map((w) => w.id) },
      `message dead-lettered at ingest: ${detail}${first ? ' (further ones are logged at debug)' : ''}`,
    );
  }
}

/** A notification for the timeline; the envelope itself is kept to re-send it (replay by flight). */
function notificationOf(event: EventEnvelope, receivedAt: number): NotificationInput {
  return {
    id: event.id,
    at: receivedAt,
    eventType: event.type,
    topic: event.topic,
    ...(event.code === undefined ? {} : { code: event.code }),
    ...(event.flight ? { flight: event.flight } : {}),
    replay: event,
  };
}
