/**
 * The contract between ingest/routing (producers) and delivery (consumers): what a job holds and
 * how jobs are written. One BullMQ queue per webhook, named `wh.<webhookId>` under redis.prefix.
 */
import type { EventEnvelope } from './envelope.js';
import type { TelemetrySpan, TraceCarrier } from '../telemetry/index.js';

export interface DeliveryJobData {
  event: EventEnvelope;
  /** base64 of the payload as received; only for webhooks with body: raw. */
  raw?: string;
  /** Set at ingest when the message must not be delivered (oversized, invalid payload policy):
   * the worker dead-letters it at once with this reason. */
  reject?: string;
  /** The message's trace (W3C traceparent of its ingest span), only with tracing on: each attempt
   * span joins it, also on a retry hours later. */
  trace?: TraceCarrier;
}

export interface JobEntry {
  webhookId: string;
  /** Stable per (message, webhook): a redelivered message adds nothing while the first is retained. */
  jobId: string;
  data: DeliveryJobData;
}

/**
 * One job carrying many messages for one webhook: each gets its first attempt inside it, and a
 * message not delivered at once is handed off as a job of its own (jobId = its key). Saves the
 * per-job Redis work (add, fetch, finish, events) on the common path where the first try succeeds.
 */
export interface BatchJobData {
  batch: BatchItem[];
}

export interface BatchItem {
  jobId: string;
  data: DeliveryJobData;
}

export const BATCH_JOB_NAME = 'flup.batch';

export function isBatch(data: DeliveryJobData | BatchJobData): data is BatchJobData {
  return Array.isArray((data as BatchJobData).batch);
}

/** Ingest writes through this; resolving means Redis has every job of the batch. */
export interface JobSink {
  addBulk(entries: JobEntry[]): Promise<void>;
}

/** Where extra commands are queued: the writer's connection (open MULTI) or a Cluster transaction. */
export interface CommandQueue {
  eval(script: string, numKeys: number, ...args: Array<string | number>): unknown;
}

/**
 * Queues extra commands (synchronously, no await) inside a webhook's open MULTI, after its jobs
 * and their dedup record, so they are stored with the jobs or not at all; returns their count.
 * Their keys must share the webhook's slot (`{wh.<id>}`) on a Cluster.
 */
export type ExtraCommandsFn = (
  webhookId: string,
  entries: readonly JobEntry[],
  redis: CommandQueue,
) => number;

/**
 * Thrown by an enricher (or anything before the HTTP call) when the delivery must wait and try
 * again later WITHOUT spending one of its attempts (rate limit, upstream outage).
 */
export class DeferDelivery extends Error {
  constructor(
    readonly delayMs: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'DeferDelivery';
  }
}

/** Adds data to an event before delivery (e.g. the Flight Status resource). */
export interface Enricher {
  /**
   * Returns the enriched event; throws DeferDelivery to wait without using an attempt.
   * `parent`: the attempt span, with tracing on (an upstream call is traced as its child).
   */
  enrich(
    event: DeliveryJobData['event'],
    webhook: import('../config/index.js').WebhookConfig,
    firstTriedAt: number,
    parent?: TelemetrySpan,
  ): Promise<DeliveryJobData['event']>;
}
