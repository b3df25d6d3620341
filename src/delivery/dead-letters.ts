/**
 * DeadLetterAdmin over BullMQ's failed sets (one per webhook queue): list with filters, replay
 * (the job keeps its id, so the receiver sees the same webhook-id), purge.
 */
import { Job, Queue } from 'bullmq';
import type { Config } from '../config/index.js';
import type { RedisClient } from '../redis/index.js';
import type { Logger } from '../core/index.js';
import type { DeadLetter, DeadLetterAdmin, DeadLetterMessage, DeadLetterQuery } from '../admin/index.js';
import { openWebhookQueue } from '../queue/index.js';
import type { StoredJobData } from './failure.js';

export interface DeadLettersOptions {
  config: Config;
  redis: RedisClient;
  logger?: Logger;
}

const PAGE = 500;

export class DeadLetters implements DeadLetterAdmin {
  readonly #options: DeadLettersOptions;
  readonly #queues = new Map<string, Queue<StoredJobData>>();

  constructor(options: DeadLettersOptions) {
    this.#options = options;
  }

  #queue(id: string): Queue<StoredJobData> {
    let queue = this.#queues.get(id);
    if (!queue) {
      queue = openWebhookQueue<StoredJobData>(this.#options.redis, this.#options.config.redis.prefix, id);
      this.#queues.set(id, queue);
    }
    return queue;
  }

  #webhookIds(webhookId?: string): string[] {
    const ids = this.#options.config.webhooks.map((w) => w.id);
    if (webhookId === undefined) return ids;
    if (!ids.includes(webhookId)) {
      throw new Error(`unknown webhook "${webhookId}" (known: ${ids.join(', ') || 'none configured'})`);
    }
    return [webhookId];
  }

  /** Failed jobs newest first, failed at or after `since`. */
  async #failedJobs(query: DeadLetterQuery): Promise<Array<{ webhookId: string; job: Job<StoredJobData> }>> {
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const min = query.since ? String(query.since.getTime()) : '-inf';
    const out: Array<{ webhookId: string; job: Job<StoredJobData> }> = [];
    for (const webhookId of this.#webhookIds(query.webhookId)) {
      const queue = this.#queue(webhookId);
      // The failed set is scored by finishedOn, so `since` is a range query.
      for (let offset = 0; out.length < limit; offset += PAGE) {
        const ids = await this.#options.redis.zrevrangebyscore(
          queue.toKey('failed'),
          '+inf',
          min,
          'LIMIT',
          offset,
          PAGE,
        );
        for (const id of ids) {
          const job = await Job.fromId<StoredJobData>(queue, id);
          if (job) out.push({ webhookId, job });
          if (out.length >= limit) break;
        }
        if (ids.length < PAGE) break;
      }
    }
    return out;
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const jobs = await this.#failedJobs(query);
    return jobs.map(({ webhookId, job }) => toDeadLetter(webhookId, job));
  }

  async message(webhookId: string, id: string): Promise<DeadLetterMessage | undefined> {
    const [known] = this.#webhookIds(webhookId);
    const job = await Job.fromId<StoredJobData>(this.#queue(known!), id);
    if (!job || !(await job.isFailed())) return undefined;
    return { ...toDeadLetter(known!, job), event: job.data.event };
  }

  /** `onProgress(done, total)` after each dead letter looked at (replayed or skipped). */
  async replay(
    query: DeadLetterQuery & { id?: string } = {},
    onProgress?: (done: number, total: number) => void,
  ): Promise<number> {
    let targets: Array<{ webhookId: string; job: Job<StoredJobData> }>;
    if (query.id !== undefined) {
      if (query.webhookId === undefined)
        throw new Error('replaying one dead letter needs its webhook (--webhook)');
      const [webhookId] = this.#webhookIds(query.webhookId);
      const job = await Job.fromId<StoredJobData>(this.#queue(webhookId!), query.id);
      if (!job || !(await job.isFailed())) {
        throw new Error(
          `no dead letter "${query.id}" on webhook "${webhookId}" (see: flup-bridge dlq list --webhook ${webhookId})`,
        );
      }
      targets = [{ webhookId: webhookId!, job }];
    } else {
      targets = await this.#failedJobs(query);
    }
    let replayed = 0;
    let done = 0;
    for (const { webhookId, job } of targets) {
      done += 1;
      // Messages refused at ingest (oversized, invalid) would only fail again.
      if (job.data.reject) {
        onProgress?.(done, targets.length);
        continue;
      }
      const data: StoredJobData = {
        ...job.data,
        replayedAt: new Date().toISOString(),
        replays: (job.data.replays ?? 0) + 1,
      };
      delete data.failure;
      await job.updateData(data);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      this.#options.logger?.info({ webhook: webhookId, jobId: job.id }, 'dead letter replayed');
      replayed += 1;
      onProgress?.(done, targets.length);
    }
    return replayed;
  }

  async purge(query: DeadLetterQuery = {}): Promise<number> {
    const targets = await this.#failedJobs(query);
    let purged = 0;
    for (const { job } of targets) {
      await job.remove();
      purged += 1;
    }
    return purged;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}

function iso(ms: number | undefined): string {
  return ms ? new Date(ms).toISOString() : '';
}

export function toDeadLetter(webhookId: string, job: Job<StoredJobData>): DeadLetter {
  const { event } = job.data;
  // A failure recorded while still retrying means BullMQ failed the job itself (e.g. stalled too often).
  const final = job.data.failure?.reason === 'retrying' ? undefined : job.data.failure;
  const failure = final ?? job.data.failure;
  const letter: DeadLetter = {
    id: job.id!,
    webhookId,
    reason: final?.reason ?? 'exhausted',
    attempts: failure?.attempts ?? job.attemptsMade,
    eventType: event.type,
    topic: event.topic,
    receivedAt: event.receivedAt,
    failedAt: iso(job.finishedOn) || (failure?.at ?? ''),
  };
  const detail = final?.detail ?? job.failedReason ?? failure?.detail;
  if (detail) letter.detail = detail;
  if (failure?.status !== undefined) letter.lastStatus = failure.status;
  if (failure?.body) letter.lastBody = failure.body;
  return letter;
}
