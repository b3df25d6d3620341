/**
 * A batch of independent commands whose keys may sit in different slots (e.g. the timeline's
 * per-flight records with its global `recent` set). On one server it is an ioredis pipeline (one
 * round trip); an ioredis Cluster pipeline must stay on one node, so there each command is sent on
 * its own, routed by its keys, and exec() collects the answers in order. Not a transaction.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './factory.js';

type Arg = string | number;
type Answer = [error: Error | null, result: unknown];

/** The commands the batch users send; an ioredis pipeline has all of them. */
export interface CommandBatch {
  evalsha(sha: string, numKeys: number, ...args: Arg[]): unknown;
  set(key: string, value: string, px: 'PX', ms: number): unknown;
  zadd(key: string, score: number, member: string): unknown;
  zremrangebyscore(key: string, min: Arg, max: Arg): unknown;
  zremrangebyrank(key: string, start: number, stop: number): unknown;
  /** The answers in the order the commands were given. */
  exec(): Promise<Answer[] | null>;
}

export function commandBatch(redis: RedisClient): CommandBatch {
  return redis instanceof Cluster ? new ClusterCommandBatch(redis) : redis.pipeline();
}

/** Sends each command at once (ioredis routes it to its slot's node); exec() awaits them all. */
class ClusterCommandBatch implements CommandBatch {
  readonly #answers: Array<Promise<Answer>> = [];

  constructor(readonly redis: Cluster) {}

  evalsha(sha: string, numKeys: number, ...args: Arg[]): this {
    return this.#send('evalsha', [sha, numKeys, ...args]);
  }

  set(key: string, value: string, px: 'PX', ms: number): this {
    return this.#send('set', [key, value, px, ms]);
  }

  zadd(key: string, score: number, member: string): this {
    return this.#send('zadd', [key, score, member]);
  }

  zremrangebyscore(key: string, min: Arg, max: Arg): this {
    return this.#send('zremrangebyscore', [key, min, max]);
  }

  zremrangebyrank(key: string, start: number, stop: number): this {
    return this.#send('zremrangebyrank', [key, start, stop]);
  }

  exec(): Promise<Answer[]> {
    return Promise.all(this.#answers);
  }

  #send(name: string, args: Arg[]): this {
    this.#answers.push(
      this.redis.call(name, ...args).then(
        (result): Answer => [null, result],
        (err: Error): Answer => [err, null],
      ),
    );
    return this;
  }
}
