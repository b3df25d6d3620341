/**
 * Which messages a webhook's queue already has, for ingest.dedupWindow: a QoS 1 redelivery (after
 * a reconnect or a crash before PUBACK) must not be delivered twice. One sorted set per webhook,
 * member = the message key, score = when it was stored; trimmed by age and by count, so Redis stays
 * bounded however long the window. Written only after the jobs are stored: a crash in between
 * means a duplicate later, never a message skipped.
 */
import { LuaScript, type Redis } from '../redis.js';

export interface DedupMemoryOptions {
  redis: Redis;
  prefix: string;
  windowMs: number;
  maxCount: number;
  now?: () => number;
}

/** ZADD the members at `now`, then trim by age and by count: one command, one socket write. */
const REMEMBER = new LuaScript(`
local now, oldest, maxCount = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 4, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = now
    args[#args + 1] = ARGV[j]
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. oldest)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(maxCount + 1))
return 0
`);

/** 128 bits of the 256-bit key are plenty to tell messages apart and halve the memory. */
const MEMBER_CHARS = 32;

export class DedupMemory {
  readonly #o: Required<DedupMemoryOptions>;

  constructor(options: DedupMemoryOptions) {
    this.#o = { now: Date.now, ...options };
  }

  /** The keys of each webhook that were stored within the window (one round trip). */
  async seen(keysByWebhook: Map<string, string[]>): Promise<Map<string, Set<string>>> {
    const oldest = this.#o.now() - this.#o.windowMs;
    // Plain commands issued in one tick, not redis.pipeline(): on a connection carrying BullMQ's
    // scripts, building a pipeline copies every script onto it (~100 µs, seen in the profile).
    const lookups = [...keysByWebhook]
      .filter(([, keys]) => keys.length > 0)
      .map(async ([webhookId, keys]) => {
        const scores = await this.#o.redis.zmscore(this.#key(webhookId), ...keys.map(member));
        const found = new Set<string>();
        scores.forEach((score, i) => {
          if (score !== null && Number(score) >= oldest) found.add(keys[i]!);
        });
        return [webhookId, found] as const;
      });
    return new Map(await Promise.all(lookups));
  }

  /** Records the keys as stored now, and forgets what left the window or exceeds the count. */
  async remember(keysByWebhook: Map<string, string[]>): Promise<void> {
    const now = this.#o.now();
    const { redis, windowMs, maxCount } = this.#o;
    const writes: Array<Promise<unknown>> = [];
    for (const [webhookId, keys] of keysByWebhook) {
      if (keys.length === 0) continue;
      writes.push(
        REMEMBER.run(redis, [this.#key(webhookId)], [now, now - windowMs, maxCount, ...keys.map(member)]),
      );
    }
    await Promise.all(writes);
  }

  #key(webhookId: string): string {
    return `${this.#o.prefix}:dedup:${webhookId}`;
  }
}

function member(key: string): string {
  return key.slice(0, MEMBER_CHARS);
}
