/**
 * Reads a leader lock key in Redis, so lock tests wait on what the lock does (renewed, released,
 * taken over) instead of on elapsed time.
 */
import { Redis } from 'ioredis';
import { waitFor } from './servers.js';

export class LockWatch {
  readonly #redis: Redis;

  constructor(
    redisUrl: string,
    readonly key: string,
  ) {
    this.#redis = new Redis(redisUrl);
  }

  owner(): Promise<string | null> {
    return this.#redis.get(this.key);
  }

  /**
   * Resolves with the holder once it has renewed the key `count` times (its PTTL went up), the
   * holder unchanged throughout. Renewals come every ttl/3, so three of them span a whole TTL.
   */
  async renewals(count: number, timeoutMs = 15_000): Promise<string> {
    const holder = await this.owner();
    if (!holder) throw new Error(`nobody holds ${this.key}`);
    let lastPttl = await this.#redis.pttl(this.key);
    let renewed = 0;
    await waitFor(
      async () => {
        const [[, owner], [, pttl]] = (await this.#redis.multi().get(this.key).pttl(this.key).exec()) as [
          [unknown, string | null],
          [unknown, number],
        ];
        if (owner !== holder) throw new Error(`${this.key} changed hands (${holder} -> ${owner})`);
        if (pttl > lastPttl) renewed += 1;
        lastPttl = pttl;
        return renewed >= count;
      },
      timeoutMs,
      `${count} renewals of ${this.key}`,
    );
    return holder;
  }

  /** Resolves with the new holder once somebody other than `previous` holds the key. */
  async takenFrom(previous: string, timeoutMs = 15_000): Promise<string> {
    return waitFor(
      async () => {
        const owner = await this.owner();
        return owner !== null && owner !== previous ? owner : '';
      },
      timeoutMs,
      `${this.key} to pass from ${previous} to another holder`,
    );
  }

  close(): void {
    this.#redis.disconnect();
  }
}
