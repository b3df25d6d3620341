/**
 * Redis connections. BullMQ wants `maxRetriesPerRequest: null` on worker connections (blocking
 * commands); ingest and tools use a connection that fails fast so a Redis outage surfaces as an
 * error instead of an ever-growing offline queue.
 */
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { backoffCeiling } from '../core/index.js';

export type { Redis } from 'ioredis';

export interface RedisConnectOptions {
  /** For BullMQ workers and queue event listeners. */
  blocking?: boolean;
  name?: string;
}

/**
 * Reconnect forever with a capped delay: Redis outages and failovers are expected and survived.
 * No jitter: ioredis retries one socket per process, and the delay stays short (at most 2 s).
 */
export function reconnectDelay(times: number): number {
  return backoffCeiling(100, times, 2000);
}

export function connectRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const base: RedisOptions = {
    connectionName: options.name ? `flup:${options.name}` : undefined,
    lazyConnect: false,
    enableReadyCheck: true,
    retryStrategy: reconnectDelay,
  };
  return new Redis(url, {
    ...base,
    ...(options.blocking
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: true }),
  });
}

/**
 * Runs `send` (which must issue its commands synchronously) with the connection's socket corked,
 * so all of them leave in one write: one syscall instead of one per command (each costs 20-80 µs
 * on a busy VM), and a MULTI ... EXEC cannot be cut in half by the process dying between writes.
 */
export function inOneWrite<T>(redis: Redis, send: () => T): T {
  const socket = redis.stream as Redis['stream'] | undefined;
  socket?.cork();
  try {
    return send();
  } finally {
    socket?.uncork();
  }
}

/** Deletes every key that starts with `prefix` (SCAN, not KEYS: safe on a busy server). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * A Lua script run with EVALSHA, falling back to EVAL when Redis does not have it (first use,
 * restart, SCRIPT FLUSH): hot paths do not send and hash the whole script every time. Not
 * redis.defineCommand: every script defined on a connection is copied onto each pipeline built
 * from it, and BullMQ builds those on the shared connection.
 */
export class LuaScript {
  readonly #sha: string;

  constructor(readonly source: string) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** The SHA1 Redis knows the script by (EVALSHA). */
  get sha(): string {
    return this.#sha;
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
