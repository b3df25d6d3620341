/**
 * A short Redis lock (SET NX PX with a random token; released only by its owner through a
 * compare-and-delete script) so that two replicas never renew the same credential together.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connection.js';
import { loadScript } from './scripts.js';

const RELEASE = loadScript('release-lock');

export class RedisLock {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    readonly ttlMs: number,
  ) {}

  /** The owner token when acquired, undefined when another holder has it. */
  async tryAcquire(): Promise<string | undefined> {
    const token = randomBytes(12).toString('hex');
    const ok = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  async release(token: string): Promise<void> {
    await this.redis.eval(RELEASE.source, 1, this.key, token);
  }

  async isHeld(): Promise<boolean> {
    return (await this.redis.exists(this.key)) === 1;
  }
}
