/**
 * What all processes share about Flight Status calls, in Redis:
 * - `<prefix>:enrich:fs:<url>`     the answer (or a lasting error such as 404), for cacheTtl;
 * - `<prefix>:enrich:lock:<url>`   held by the one worker calling that URL (single flight);
 * - `<prefix>:enrich:fault:<url>`  an upstream fault on that URL, for as long as callers should wait;
 * - `<prefix>:enrich:fault:*`      the same for faults of the whole API (quota, credentials);
 * - `<prefix>:enrich:probation`    after such a fault, until a call succeeds: only the holder of
 *   `<prefix>:enrich:probe` may call, so a recovering API sees one call, not one per flight.
 */
import { randomBytes } from 'node:crypto';
import { loadScript, type RedisClient, RedisKeys } from '../../redis/index.js';

export type CachedAnswer = { flights: unknown[]; fetchedAt: string } | { error: string; fetchedAt: string };

export interface Fault {
  reason: string;
  /** How much longer callers should wait. */
  remainingMs: number;
}

/** Deletes the lock only if we still hold it (it may have expired and been taken by another). */
const UNLOCK = loadScript('release-lock');

export const GLOBAL = '*';

/** Longest a probation lasts without any call succeeding (then everyone may call again). */
const PROBATION_MS = 3_600_000;

export class FlightStatusStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #owner = randomBytes(8).toString('hex');

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#keys = RedisKeys.for(redis, prefix);
  }

  async getAnswer(url: string): Promise<CachedAnswer | undefined> {
    const raw = await this.#redis.get(this.#keys.enrichAnswer(url));
    return raw === null ? undefined : (JSON.parse(raw) as CachedAnswer);
  }

  async putAnswer(url: string, answer: CachedAnswer, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#keys.enrichAnswer(url), JSON.stringify(answer), 'PX', Math.max(1, ttlMs));
  }

  /** The fault on this URL or on the whole API, whichever lasts longer. */
  async getFault(url: string): Promise<Fault | undefined> {
    const keys = [this.#keys.enrichFault(url), this.#keys.enrichFault(GLOBAL)];
    const results = await this.#redis
      .multi()
      .get(keys[0]!)
      .pttl(keys[0]!)
      .get(keys[1]!)
      .pttl(keys[1]!)
      .exec();
    let fault: Fault | undefined;
    for (let i = 0; i < 2; i++) {
      const reason = results?.[i * 2]?.[1] as string | null | undefined;
      const ttl = Number(results?.[i * 2 + 1]?.[1] ?? -2);
      if (reason && ttl > 0 && (!fault || ttl > fault.remainingMs)) fault = { reason, remainingMs: ttl };
    }
    return fault;
  }

  /** scope GLOBAL also starts the probation (kept far longer than the fault; ended by a success). */
  async putFault(scope: string, reason: string, ttlMs: number): Promise<void> {
    const pipeline = this.#redis.multi().set(this.#keys.enrichFault(scope), reason, 'PX', Math.max(1, ttlMs));
    if (scope === GLOBAL) pipeline.set(this.#keys.enrichProbation(), reason, 'PX', PROBATION_MS);
    await pipeline.exec();
  }

  /** The reason of the API-wide fault still on probation, if any. */
  async probation(): Promise<string | undefined> {
    return (await this.#redis.get(this.#keys.enrichProbation())) ?? undefined;
  }

  async endProbation(): Promise<void> {
    await this.#redis.del(this.#keys.enrichProbation());
  }

  async takeProbe(ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.enrichProbe(), this.#owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async releaseProbe(): Promise<void> {
    await this.#redis.eval(UNLOCK.source, 1, this.#keys.enrichProbe(), this.#owner);
  }

  async lock(url: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.enrichLock(url), this.#owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlock(url: string): Promise<void> {
    await this.#redis.eval(UNLOCK.source, 1, this.#keys.enrichLock(url), this.#owner);
  }
}
