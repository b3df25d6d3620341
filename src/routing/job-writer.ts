/**
 * Writes ingest's jobs to the webhooks' BullMQ queues (`wh.<id>` under redis.prefix). One batch
 * touches many queues; every queue's addBulk is issued in the same tick on one shared connection,
 * so the whole batch goes out as one round of pipelined commands. Resolves only when Redis has
 * every job; rejects otherwise, and ingest then sends no PUBACK for the batch.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Config, WebhookConfig } from '../config/index.js';
import { queueName, type JobEntry, type JobSink } from '../delivery/job.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';

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

export class QueueJobWriter implements JobSink {
  readonly #queues = new Map<string, { queue: Queue; options: JobsOptions }>();

  constructor(options: QueueJobWriterOptions) {
    const jobOptions = options.jobOptions ?? defaultJobOptions(options.config);
    const log = options.logger.child({ module: 'job-writer' });
    for (const webhook of options.config.webhooks) {
      const queue = new Queue(queueName(webhook.id), {
        connection: options.redis,
        prefix: options.config.redis.prefix,
      });
      // Connection errors surface as rejected writes; ingest reports those.
      queue.on('error', (err) => log.debug({ err, webhook: webhook.id }, 'queue error'));
      this.#queues.set(webhook.id, { queue, options: jobOptions(webhook) });
    }
  }

  async addBulk(entries: JobEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byWebhook = new Map<string, JobEntry[]>();
    for (const entry of entries) {
      const list = byWebhook.get(entry.webhookId);
      if (list) list.push(entry);
      else byWebhook.set(entry.webhookId, [entry]);
    }
    const writes: Array<Promise<unknown>> = [];
    for (const [webhookId, list] of byWebhook) {
      const target = this.#queues.get(webhookId);
      if (!target) throw new Error(`no queue for webhook "${webhookId}": it is not in the configuration`);
      writes.push(
        target.queue.addBulk(
          list.map((entry) => ({
            name: entry.data.event.type,
            data: entry.data,
            opts: { ...target.options, jobId: entry.jobId },
          })),
        ),
      );
    }
    // allSettled, so no write is left with an unobserved rejection; the first failure is reported.
    const results = await Promise.allSettled(writes);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Closes the queues; the shared connection stays open (its owner closes it). */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map(({ queue }) => queue.close()));
  }
}
