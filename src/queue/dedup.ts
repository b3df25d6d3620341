/**
 * Which messages a webhook's queue already has, for ingest.dedupWindow: a QoS 1 redelivery (after
 * a reconnect or a crash before PUBACK) must not be delivered twice. One sorted set per webhook,
 * member = the message key, score = when it was stored; trimmed by age and by count, so Redis stays
 * bounded however long the window. Recorded in the same MULTI as the jobs' adds, and only for jobs
 * that Redis then holds: a crash cannot separate them (no duplicates) and a failed add records
 * nothing (no message skipped).
 */
import { loadScript, type RedisClient, RedisKeys } from '../redis/index.js';

export interface DedupMemoryOptions {
  redis: RedisClient;
  prefix: string;
  windowMs: number;
  maxCount: number;
  now?: () => number;
}

/**
 * KEYS[1] = the set, KEYS[2..] = job keys; ARGV = now, oldest, maxCount, then for each job the
 * number of its messages followed by their members. A job's members are added at `now` only when
 * the job exists (a failed add records nothing); then the set is trimmed by age and by count.
 * Sent as EVAL: inside a MULTI an EVALSHA miss could not be retried. Redis caches the script.
 */
const RECORD_STORED = loadScript('dedup-record-stored');

/** A job just sent and the message keys it holds. */
export interface StoredJob {
  /** The job's hash key (queue.toKey(jobId)). */
  jobKey: string;
  messageKeys: string[];
}

/** 128 bits of the 256-bit key are plenty to tell messages apart and halve the memory. */
const MEMBER_CHARS = 32;

export class DedupMemory {
  readonly #options: Required<DedupMemoryOptions>;

  constructor(options: DedupMemoryOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** The keys of each webhook that were stored within the window (one round trip). */
  async seen(keysByWebhook: Map<string, string[]>): Promise<Map<string, Set<string>>> {
    const oldest = this.#options.now() - this.#options.windowMs;
    // Plain commands issued in one tick, not redis.pipeline(): on a connection carrying BullMQ's
    // scripts, building a pipeline copies every script onto it (~100 µs, seen in the profile).
    const lookups = [...keysByWebhook]
      .filter(([, keys]) => keys.length > 0)
      .map(async ([webhookId, keys]) => {
        const scores = await this.#options.redis.zmscore(this.#key(webhookId), ...keys.map(member));
        const found = new Set<string>();
        scores.forEach((score, i) => {
          if (score !== null && Number(score) >= oldest) found.add(keys[i]!);
        });
        return [webhookId, found] as const;
      });
    return new Map(await Promise.all(lookups));
  }

  /**
   * Records the messages of `jobs` as stored now (only for jobs that exist when it runs), and
   * forgets what left the window or exceeds the count. The command is sent before this returns,
   * so it can be part of a MULTI opened on the same connection.
   */
  recordStored(webhookId: string, jobs: StoredJob[]): Promise<unknown> {
    const now = this.#options.now();
    const keys = [this.#key(webhookId), ...jobs.map((j) => j.jobKey)];
    const args: Array<string | number> = [now, now - this.#options.windowMs, this.#options.maxCount];
    for (const job of jobs) args.push(job.messageKeys.length, ...job.messageKeys.map(member));
    return this.#options.redis.eval(RECORD_STORED.source, keys.length, ...keys, ...args);
  }

  #key(webhookId: string): string {
    return RedisKeys.for(this.#options.redis, this.#options.prefix).dedup(webhookId);
  }
}

function member(key: string): string {
  return key.slice(0, MEMBER_CHARS);
}
