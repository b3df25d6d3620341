/**
 * Which messages a webhook's queue already has, for ingest.dedupWindow: a QoS 1 redelivery (after
 * a reconnect or a crash before PUBACK) must not be delivered twice. One sorted set per webhook,
 * member = the message key, score = when it was stored; trimmed by age and by count, so Redis stays
 * bounded however long the window. Written only after the jobs are stored: a crash in between
 * means a duplicate later, never a message skipped.
 */
import type { Redis } from '../redis.js';

export interface DedupMemoryOptions {
  redis: Redis;
  prefix: string;
  windowMs: number;
  maxCount: number;
  now?: () => number;
}

/** 128 bits of the 256-bit key are plenty to tell messages apart and halve the memory. */
const MEMBER_CHARS = 32;

export class DedupMemory {
  readonly #o: Required<DedupMemoryOptions>;

  constructor(options: DedupMemoryOptions) {
    this.#o = { now: Date.now, ...options };
  }

  /** The keys of each webhook that were stored within the window (one round trip). */
  async seen(keysByWebhook: Map<string, string[]>): Promise<Map<string, Set<string>>> {
    const result = new Map<string, Set<string>>();
    const webhooks = [...keysByWebhook].filter(([, keys]) => keys.length > 0);
    if (webhooks.length === 0) return result;
    const pipeline = this.#o.redis.pipeline();
    for (const [webhookId, keys] of webhooks) pipeline.zmscore(this.#key(webhookId), ...keys.map(member));
    const replies = (await pipeline.exec()) ?? [];
    const oldest = this.#o.now() - this.#o.windowMs;
    webhooks.forEach(([webhookId, keys], i) => {
      const [err, scores] = replies[i] ?? [new Error('no reply')];
      if (err) throw err;
      const found = new Set<string>();
      (scores as Array<string | null>).forEach((score, j) => {
        if (score !== null && Number(score) >= oldest) found.add(keys[j]!);
      });
      result.set(webhookId, found);
    });
    return result;
  }

  /** Records the keys as stored now, and forgets what left the window or exceeds the count. */
  async remember(keysByWebhook: Map<string, string[]>): Promise<void> {
    const now = this.#o.now();
    const pipeline = this.#o.redis.pipeline();
    let commands = 0;
    for (const [webhookId, keys] of keysByWebhook) {
      if (keys.length === 0) continue;
      const key = this.#key(webhookId);
      const args: Array<string | number> = [];
      for (const k of keys) args.push(now, member(k));
      pipeline.zadd(key, ...args);
      pipeline.zremrangebyscore(key, '-inf', `(${now - this.#o.windowMs}`);
      pipeline.zremrangebyrank(key, 0, -(this.#o.maxCount + 1));
      commands += 3;
    }
    if (commands === 0) return;
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }

  #key(webhookId: string): string {
    return `${this.#o.prefix}:dedup:${webhookId}`;
  }
}

function member(key: string): string {
  return key.slice(0, MEMBER_CHARS);
}
