/**
 * Writes ingest's jobs to the webhooks' BullMQ queues (`wh.<id>` under redis.prefix), one job per
 * message (job id = message key, so BullMQ itself refuses a redelivered message). For a webhook
 * that batches (webhook.batchSize > 1, no rateLimit) messages go out as batch jobs of up to
 * batchSize; those are deduplicated by DedupMemory: one round trip asking which messages the
 * webhook already has, then the new jobs and their dedup record. Each webhook's write is one
 * MULTI sent in one socket write on the shared connection. Resolves only when Redis has every job;
 * rejects otherwise, and ingest then sends no PUBACK for the batch.
 */
import { randomUUID } from 'node:crypto';
import { Job, Queue, type JobsOptions } from 'bullmq';
import type { Config, WebhookConfig } from '../config/index.js';
import {
  BATCH_JOB_NAME,
  isBatch,
  type BatchItem,
  type BatchJobData,
  type DeliveryJobData,
  type JobEntry,
  type JobSink,
} from './job.js';
import { batchJobOptions, batchesFor } from './options.js';
import type { Logger } from '../core/index.js';
import { inOneWrite, type RedisClient } from '../redis/index.js';
import { openWebhookQueue } from './queues.js';
import { DedupMemory, type StoredJob } from './dedup.js';

export type JobOptionsFn = (webhook: WebhookConfig) => JobsOptions;

export interface QueueJobWriterOptions {
  config: Config;
  /** A non-blocking connection, shared by every queue (AppDeps.redis). */
  redis: RedisClient;
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
  /** The shared connection; the queues use it too (so MULTI and their adds share one socket). */
  readonly #redis: RedisClient;
  readonly #batchOptions: JobsOptions;
  /** Messages (webhook + key) whose write is under way: a second copy waits for the first. */
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(options: QueueJobWriterOptions) {
    const { config } = options;
    const jobOptions = options.jobOptions ?? defaultJobOptions(config);
    const log = (this.#log = options.logger.child({ module: 'job-writer' }));
    this.#redis = options.redis;
    for (const webhook of config.webhooks) {
      const queue = openWebhookQueue<DeliveryJobData | BatchJobData>(
        options.redis,
        config.redis.prefix,
        webhook.id,
      );
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
    await settleAll([
      ...[...plain].map(([webhookId, list]) => this.#writeJobs(this.#targets.get(webhookId)!, list)),
      this.#writeRemembered(batched),
    ]);
  }

  /** Writes messages of batching webhooks that the dedup memory does not know, with their record. */
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
    let settle!: () => void;
    const writing = new Promise<void>((resolve) => (settle = resolve));
    const mine = entries.map(inFlightKey);
    for (const key of mine) this.#inFlight.set(key, writing);
    try {
      const seen = await this.#dedup.seen(
        new Map([...byWebhook].map(([webhookId, list]) => [webhookId, list.map((e) => e.jobId)])),
      );
      await settleAll(
        [...byWebhook].map(([webhookId, list]) =>
          this.#writeJobs(this.#targets.get(webhookId)!, fresh(list, seen.get(webhookId))),
        ),
      );
    } finally {
      settle();
      for (const key of mine) if (this.#inFlight.get(key) === writing) this.#inFlight.delete(key);
    }
  }

  /**
   * One MULTI per webhook: the jobs and, for a batching webhook, the dedup record of the messages
   * in the jobs that Redis holds. Stored together or not at all, so a crash at any point cannot
   * leave stored messages unrecorded (they would be stored again when the broker redelivers them).
   * Sent as plain commands between MULTI and EXEC in one corked write on the shared connection
   * (nothing else can be sent in between): an ioredis pipeline or transaction object (queue.addBulk
   * builds one) copies all of BullMQ's scripts, ~80 µs and ~10 KB of garbage per write, the
   * largest source of promoted garbage at 500 msg/s in the sampling heap profile.
   */
  async #writeJobs(target: Target, entries: JobEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { queue, webhook } = target;
    const client = await queue.client;
    const redis = this.#redis;
    const jobs = this.#jobs(target, entries);
    const stored: StoredJob[] = [];
    const ignore = () => undefined; // each command answers QUEUED or fails with the EXEC
    // From MULTI to EXEC, no await: the commands go out in one write, in this order.
    const executed = inOneWrite(redis, () => {
      redis.multi({ pipeline: false }).catch(ignore);
      for (const job of jobs) {
        const jobId = job.opts?.jobId ?? `batch-${randomUUID()}`;
        // addJob sends its command before its first await; test/routing/job-writer.test.ts would
        // see it otherwise (the record, which counts only existing jobs, would miss it).
        new Job(queue, job.name, job.data, job.opts, jobId).addJob(client).catch(ignore);
        stored.push({
          jobKey: queue.toKey(jobId),
          messageKeys: isBatch(job.data) ? job.data.batch.map((item) => item.jobId) : [jobId],
        });
      }
      // One job per message needs no record: BullMQ refuses a job id it already has.
      if (batchesFor(webhook)) this.#dedup.recordStored(webhook.id, stored).catch(ignore);
      return redis.exec();
    });
    const results = await executed;
    if (!results) throw new Error(`write to queue ${queue.name} was discarded by Redis`);
    for (const [err, result] of results.slice(0, stored.length)) {
      if (err) throw err;
      // BullMQ's add script answers a negative code instead of an id when it refuses the job.
      if (typeof result === 'number' && result < 0)
        throw new Error(`queue ${queue.name} refused a job (BullMQ code ${result})`);
    }
    const [recordErr] = results[stored.length] ?? [null];
    if (recordErr)
      this.#log.warn(
        { err: recordErr, webhook: webhook.id },
        'could not record stored messages for dedup: a redelivery of them would be delivered twice',
      );
  }

  #jobs(target: Target, entries: JobEntry[]): BulkJob[] {
    const single = (entry: JobEntry): BulkJob => ({
      name: entry.data.event.type,
      data: entry.data,
      opts: { ...target.options, jobId: entry.jobId },
    });
    if (!batchesFor(target.webhook)) return entries.map(single);
    const jobs: BulkJob[] = [];
    let batch: JobEntry[] = [];
    const flush = () => {
      if (batch.length === 1) jobs.push(single(batch[0]!));
      else if (batch.length > 1) {
        const items: BatchItem[] = batch.map(({ jobId, data }) => ({ jobId, data }));
        jobs.push({ name: BATCH_JOB_NAME, data: { batch: items }, opts: this.#batchOptions });
      }
      batch = [];
    };
    for (const entry of entries) {
      // A rejected message goes to its own job, which dead-letters it with the reason.
      if (entry.data.reject) {
        jobs.push(single(entry));
        continue;
      }
      batch.push(entry);
      if (batch.length >= target.webhook.batchSize) flush();
    }
    flush();
    return jobs;
  }

  /** Closes the queues; the shared connection stays open (its owner closes it). */
  async close(): Promise<void> {
    await Promise.all([...this.#targets.values()].map(({ queue }) => queue.close()));
  }
}

/** The entries not in `seen`, each key once (a DUP redelivery can sit in the same batch). */
function fresh(list: JobEntry[], seen: Set<string> | undefined): JobEntry[] {
  const keys = new Set<string>();
  return list.filter((entry) => {
    if (seen?.has(entry.jobId) || keys.has(entry.jobId)) return false;
    keys.add(entry.jobId);
    return true;
  });
}

/** Waits for every write (no rejection left unobserved), then rethrows the first failure. */
async function settleAll(writes: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function inFlightKey(entry: JobEntry): string {
  return `${entry.webhookId}\0${entry.jobId}`;
}
