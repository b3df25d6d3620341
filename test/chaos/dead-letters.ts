/**
 * Reads the bridge's dead letters and queue backlog straight from Redis (BullMQ's failed set and
 * job counts of the webhook's queue under the prefix), so the count does not depend on the CLI.
 */
import { Queue } from 'bullmq';
import { createRedisClient, RedisKeys, type RedisClient, type RedisTarget } from '../../src/redis/index.js';
import { seqFromTopic } from './payloads.js';

export interface DeadLetterRecord {
  seq: number | undefined;
  jobId: string;
  reason: string;
  topic: string;
  attemptsMade: number;
  /** BullMQ's stack trace of the last failure, first lines (to find where it came from). */
  stack: string;
}

interface StoredEvent {
  event?: { topic?: string; data?: unknown; dataEncoding?: string };
  reject?: string;
  failure?: { reason?: string; detail?: string };
}

export class QueueInspector {
  readonly #redis: RedisClient;
  readonly #queue: Queue;

  /** `target`: a redis:// URL, or a Sentinel / Cluster target (the queue name follows its layout). */
  constructor(target: string | RedisTarget, prefix: string, webhookId: string) {
    // Not a blocking user: one connection, failing fast while Redis is being restarted.
    const redisTarget: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
    this.#redis = createRedisClient(redisTarget, { name: 'chaos-inspector' });
    this.#redis.on('error', () => undefined);
    const keys = RedisKeys.for(this.#redis, prefix);
    this.#queue = new Queue(keys.queueName(webhookId), { connection: this.#redis, prefix });
    this.#queue.on('error', () => undefined);
  }

  /** Jobs not finished yet (waiting, active, delayed, prioritized), or undefined when Redis is down. */
  async backlog(): Promise<number | undefined> {
    try {
      const counts = await this.#queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'paused',
        'wait',
      );
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } catch {
      return undefined;
    }
  }

  async failedCount(): Promise<number | undefined> {
    try {
      return await this.#queue.getFailedCount();
    } catch {
      return undefined;
    }
  }

  async deadLetters(): Promise<DeadLetterRecord[]> {
    const out: DeadLetterRecord[] = [];
    const total = await this.#queue.getFailedCount();
    for (let start = 0; start < total; start += 500) {
      const jobs = await this.#queue.getFailed(start, start + 499);
      for (const job of jobs) {
        if (!job) continue;
        const data = job.data as StoredEvent;
        const topic = data.event?.topic ?? '';
        const payload = data.event?.data as { seq?: unknown } | undefined;
        const seq =
          data.event?.dataEncoding === 'json' && typeof payload?.seq === 'number'
            ? payload.seq
            : seqFromTopic(topic);
        const reason = data.failure?.reason ?? data.reject ?? job.failedReason ?? '';
        const stack = (job.stacktrace ?? []).at(-1)?.split('\n').slice(0, 6).join(' | ') ?? '';
        out.push({
          seq,
          jobId: job.id ?? '',
          reason: String(reason),
          topic,
          attemptsMade: job.attemptsMade,
          stack,
        });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#queue.close().catch(() => undefined);
    this.#redis.disconnect();
  }
}
