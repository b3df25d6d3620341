/**
 * Redis connections. BullMQ wants `maxRetriesPerRequest: null` on worker connections (blocking
 * commands); ingest and tools use a connection that fails fast so a Redis outage surfaces as an
 * error instead of an ever-growing offline queue.
 */
import { createHash } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { createRedisClient, type RedisClient } from './factory.js';

export type { Redis, Cluster } from 'ioredis';
export type { RedisClient } from './factory.js';

export interface RedisConnectOptions {
  /** For BullMQ workers and queue event listeners. */
  blocking?: boolean;
  name?: string;
}

/** A client for one redis:// URL (tests, tools); the app builds clients from redisTarget(config). */
export function connectRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const target = { kind: 'single', url } as const;
  // A single-server target always yields a Redis (not a Cluster).
  return createRedisClient(target, { name: options.name ?? 'client', blocking: options.blocking }) as Redis;
}

/**
 * Runs `send` (which must issue its commands synchronously) with the connection's socket corked,
 * so all of them leave in one write: one syscall instead of one per command (each costs 20-80 µs
 * on a busy VM), and a MULTI ... EXEC cannot be cut in half by the process dying between writes.
 */
export function inOneWrite<T>(redis: RedisClient, send: () => T): T {
  // A Cluster has one socket per node and no `stream`: there each write goes as ioredis sends it.
  const socket = redis instanceof Cluster ? undefined : (redis.stream as Redis['stream'] | undefined);
  socket?.cork();
  try {
    return send();
  } finally {
    socket?.uncork();
  }
}

/**
 * Deletes every key that starts with `prefix` (SCAN, not KEYS: safe on a busy server). On a
 * Cluster SCAN sees one node's keys, so every primary is scanned.
 */
export async function deleteByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      // One UNLINK per key on a Cluster: keys of one node may still span slots.
      if (redis instanceof Cluster) for (const key of keys) deleted += await redis.unlink(key);
      else if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  }
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

  /** For EVALSHA in a caller's pipeline (a NOSCRIPT answer there means: run() it once). */
  get sha(): string {
    return this.#sha;
  }

  async run(redis: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
