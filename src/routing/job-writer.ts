/**
 * Writes ingest's jobs to the webhooks' BullMQ queues (`wh.<id>` under redis.prefix), one job per
 * message (job id = message key, so BullMQ itself refuses a redelivered message). For a webhook
 * that batches (webhook.batchSize > 1, no rateLimit) messages go out as batch jobs of up to
 * batchSize; those are deduplicated by DedupMemory: one round trip asking which messages the
 * webhook already has, the writes, then a record of the new messages (off the PUBACK path).
 * Every queue's write is issued in the same tick on one shared connection. Resolves only when
 * Redis has every job; rejects otherwise, and ingest then sends no PUBACK for the batch.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Config, WebhookConfig } from '../config/index.js';
import {
  BATCH_JOB_NAME,
  queueName,
  type BatchItem,
  type BatchJobData,
  type DeliveryJobData,
  type JobEntry,
  type JobSink,
} from '../delivery/job.js';
import { batchJobOptions, batchesFor } from '../delivery/options.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { DedupMemory } from './dedup.js';

export type JobOptionsFn = (webhook: WebhookConfig) => JobsOptions;

export interface QueueJobWriterOptions {
  config: Config;
  /** A non-blocking connection, shared by every queue (AppDeps.redis). */
  redis: Redis;
  logger: Logger;
  /** Retention, attempts and backoff per webhook; delivery's jobOptionsFor in production. */
  jobOptions?: JobOptionsFn;
}

/** Retention that keeps dedup working for ingest.dedupWindow; dead letters are kept. */
export function defaultJobOptions(config: Config): JobOptionsFn {
  return () => ({
    removeOnComplete: {
      age: Math.ceil(config.ingest.dedupWindow / 1000),
      count: config.delivery.completedMaxCount,
    },
    removeOnFail: false,
  });
}

interface Target {
  webhook: WebhookConfig;
  queue: Queue<DeliveryJobData | BatchJobData>;
  options: JobsOptions;
}

type BulkJob = Parameters<Target['queue']['addBulk']>[0][number];

export class QueueJobWriter implements JobSink {
  readonly #targets = new Map<string, Target>();
  readonly #dedup: DedupMemory;
  readonly #log: Logger;
  /** Dedup records still being written; close() waits for them. */
  readonly #remembering = new Set<Promise<void>>();
  readonly #batchOptions: JobsOptions;
  /** Messages (webhook + key) whose write is under way: a second copy waits for the first. */
  readonly #inFlight = new Map<string, Promise<boolean>>();

  constructor(options: QueueJobWriterOptions) {
    const { config } = options;
    const jobOptions = options.jobOptions ?? defaultJobOptions(config);
    const log = (this.#log = options.logger.child({ module: 'job-writer' }));
    for (const webhook of config.webhooks) {
      const queue = new Queue<DeliveryJobData | BatchJobData>(queueName(webhook.id), {
        connection: options.redis,
        prefix: config.redis.prefix,
      });
      // Connection errors surface as rejected writes; ingest reports those.
      queue.on('error', (err) => log.debug({ err, webhook: webhook.id }, 'queue error'));
      this.#targets.set(webhook.id, { webhook, queue, options: jobOptions(webhook) });
    }
    this.#dedup = new DedupMemory({
      redis: options.redis,
      prefix: config.redis.prefix,
      windowMs: config.ingest.dedupWindow,
      maxCount: config.delivery.completedMaxCount,
    });
    this.#batchOptions = batchJobOptions(config);
  }

  async addBulk(entries: JobEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byWebhook = new Map<string, JobEntry[]>();
    for (const entry of entries) {
      if (!this.#targets.has(entry.webhookId))
        throw new Error(`no queue for webhook "${entry.webhookId}": it is not in the configuration`);
      const list = byWebhook.get(entry.webhookId);
      if (list) list.push(entry);
      else byWebhook.set(entry.webhookId, [entry]);
    }

    // One job per message: BullMQ refuses a job id it already has, atomically, so nothing else is
    // checked. Batch jobs have no per-message id: those messages go through the dedup memory.
    const plain = new Map<string, JobEntry[]>();
    const batched = new Map<string, JobEntry[]>();
    for (const [webhookId, list] of byWebhook)
      (batchesFor(this.#targets.get(webhookId)!.webhook) ? batched : plain).set(webhookId, list);
    // allSettled, so no write is left with an unobserved rejection; the first failure is reported.
    const results = await Promise.allSettled([this.#write(plain, new Map()), this.#writeRemembered(batched)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Writes messages of batching webhooks that the dedup memory does not know, then records them. */
  async #writeRemembered(byWebhook: Map<string, JobEntry[]>): Promise<void> {
    if (byWebhook.size === 0) return;
    const entries = [...byWebhook.values()].flat();
    // A redelivery can race its first copy (two sessions during a login switch, a DUP before our
    // PUBACK): wait for a write in flight holding the same message, then ask Redis. Registration
    // follows the last check synchronously, so two writes never both miss each other.
    for (;;) {
      const waits = entries.flatMap((e) => this.#inFlight.get(inFlightKey(e)) ?? []);
      if (waits.length === 0) break;
      await Promise.all(waits);
    }
    let settle!: (stored: boolean) => void;
    const writing = new Promise<boolean>((resolve) => (settle = resolve));
    const mine = entries.map(inFlightKey);
    for (const key of mine) this.#inFlight.set(key, writing);
    const release = (stored: boolean) => {
      settle(stored);
      for (const key of mine) if (this.#inFlight.get(key) === writing) this.#inFlight.delete(key);
    };
    let stored: Map<string, string[]>;
    try {
      const keys = new Map<string, string[]>();
      for (const [webhookId, list] of byWebhook)
        keys.set(
          webhookId,
          list.map((e) => e.jobId),
        );
      stored = await this.#write(byWebhook, await this.#dedup.seen(keys));
    } catch (err) {
      release(false);
      throw err;
    }
    // Remembering does not hold the PUBACKs: if it never lands, a later redelivery is stored twice
    // (a duplicate, never a loss). The in-flight entries stay until it lands, so a racing copy waits.
    const remembering = this.#dedup.remember(stored).then(
      () => release(true),
      (err: unknown) => {
        this.#log.warn(
          { err },
          'could not record stored messages for dedup: a redelivery of them would be delivered twice',
        );
        release(true);
      },
    );
    this.#remembering.add(remembering);
    void remembering.finally(() => this.#remembering.delete(remembering));
  }

  /** Writes the jobs of messages not in `seen`; returns the keys written per webhook. */
  async #write(
    byWebhook: Map<string, JobEntry[]>,
    seen: Map<string, Set<string>>,
  ): Promise<Map<string, string[]>> {
    const writes: Array<Promise<unknown>> = [];
    const stored = new Map<string, string[]>();
    for (const [webhookId, list] of byWebhook) {
      const target = this.#targets.get(webhookId)!;
      const known = seen.get(webhookId);
      const fresh: JobEntry[] = [];
      const keysNow = new Set<string>();
      for (const entry of list) {
        // Already stored earlier, or twice in this batch (a DUP redelivery before our PUBACK).
        if (known?.has(entry.jobId) || keysNow.has(entry.jobId)) continue;
        keysNow.add(entry.jobId);
        fresh.push(entry);
      }
      if (fresh.length === 0) continue;
      stored.set(webhookId, [...keysNow]);
      const jobs = this.#jobs(target, fresh);
      // One job: add() is a single script call; addBulk builds an ioredis pipeline, which copies
      // every BullMQ script onto it (~100 µs of CPU per write at low rates, seen in the profile).
      writes.push(
        jobs.length === 1
          ? target.queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts)
          : target.queue.addBulk(jobs),
      );
    }
    // allSettled, so no write is left with an unobserved rejection; the first failure is reported.
    const results = await Promise.allSettled(writes);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return stored;
  }

  #jobs(target: Target, entries: JobEntry[]): BulkJob[] {
    const single = (entry: JobEntry): BulkJob => ({
      name: entry.data.event.type,
      data: entry.data,
      opts: { ...target.options, jobId: entry.jobId },
    });
    if (!batchesFor(target.webhook)) return entries.map(single);
    const jobs: BulkJob[] = [];
    let batch: BatchItem[] = [];
    const flush = () => {
      if (batch.length === 1) jobs.push(single({ webhookId: target.webhook.id, ...batch[0]! }));
      else if (batch.length > 1)
        jobs.push({ name: BATCH_JOB_NAME, data: { batch }, opts: this.#batchOptions });
      batch = [];
    };
    for (const entry of entries) {
      // A rejected message goes to its own job, which dead-letters it with the reason.
      if (entry.data.reject) {
        jobs.push(single(entry));
        continue;
      }
      batch.push({ jobId: entry.jobId, data: entry.data });
      if (batch.length >= target.webhook.batchSize) flush();
    }
    flush();
    return jobs;
  }

  /** Closes the queues; the shared connection stays open (its owner closes it). */
  async close(): Promise<void> {
    await Promise.all(this.#remembering);
    await Promise.all([...this.#targets.values()].map(({ queue }) => queue.close()));
  }
}

function inFlightKey(entry: JobEntry): string {
  return `${entry.webhookId}\0${entry.jobId}`;
}
