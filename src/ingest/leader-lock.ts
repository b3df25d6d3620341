/**
 * One active ingest among replicas: the same MQTT client id connected twice makes the broker kick
 * one of them, so replicas elect a leader through a Redis key.
 *
 * - Acquire: SET key owner NX PX ttl. A standby that fails reads the key's PTTL and tries again
 *   right after it would expire (at most every ttl/3), so it takes over within the TTL.
 * - Renew every ttl/3 with compare-and-pexpire (Lua), so only the owner extends it.
 * - Lost: another owner holds the key (renewal answered 0), or renewals failed for 80% of the TTL
 *   (after that the key may expire and someone else may take it). onLost fires at once.
 * - Release on a clean stop (compare-and-del), so a restarted or standby replica takes over at once.
 */
import { randomUUID } from 'node:crypto';
import { errorCause, LogOnce, type Clock } from '../core/index.js';
import type { Logger } from '../core/index.js';
import type { Metrics } from '../core/index.js';
import { loadScript, type RedisClient, RedisKeys } from '../redis/index.js';

const RENEW = loadScript('renew-lock');
const RELEASE = loadScript('release-lock');

export interface LeaderLockOptions {
  redis: RedisClient;
  key: string;
  ttl: number;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  owner?: string;
  onAcquired(): void;
  onLost(reason: string): void;
}

/** What this replica last learnt of the lock (for /readyz: a standby is ready only behind a live leader). */
export interface LockObservation {
  /** When the last attempt ended (clock ms). */
  at: number;
  /** Owner of the key when last read; undefined when nobody held it or the read failed. */
  holder?: string;
  /** Remaining lifetime of the holder's key when last read. */
  ttlMs?: number;
  /** The last attempt failed with this (MOVED, CROSSSLOT, READONLY, NOSCRIPT, connection ...). */
  error?: string;
}

export function leaderLockKey(prefix: string): string {
  return new RedisKeys(prefix).ingestLeader();
}

export class LeaderLock {
  readonly owner: string;
  readonly #options: LeaderLockOptions;
  readonly #log: Logger;
  #held = false;
  #renewedAt = 0;
  #timer?: NodeJS.Timeout;
  #running = false;
  #renewFailures = 0;
  #observation?: LockObservation;
  readonly #failures: LogOnce;

  constructor(options: LeaderLockOptions) {
    this.#options = options;
    this.owner = options.owner ?? `${process.pid}-${randomUUID()}`;
    this.#log = options.logger;
    this.#failures = new LogOnce({ logger: options.logger, clock: options.clock });
  }

  /** Undefined before the first attempt. */
  get observation(): LockObservation | undefined {
    return this.#observation;
  }

  get held(): boolean {
    return this.#held;
  }

  /** Starts electing; resolves after the first attempt (leader or standby). */
  async start(): Promise<void> {
    this.#running = true;
    await this.#tick();
  }

  /** Stops the timers and releases the lock if held. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    if (!this.#held) return;
    this.#setHeld(false);
    try {
      await this.#options.redis.eval(RELEASE.source, 1, this.#options.key, this.owner);
    } catch (err) {
      this.#log.warn({ err }, 'could not release the leader lock; a standby takes over when it expires');
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), Math.max(10, Math.round(ms)));
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    const { ttl } = this.#options;
    if (this.#held) await this.#renew();
    else await this.#acquire();
    if (!this.#running) return;
    if (this.#held) this.#schedule(this.#renewFailures > 0 ? ttl / 10 : ttl / 3);
  }

  async #acquire(): Promise<void> {
    const { redis, key, ttl } = this.#options;
    try {
      const ok = await redis.set(key, this.owner, 'PX', ttl, 'NX');
      if (ok === 'OK' && this.#running) {
        this.#observe({ holder: this.owner, ttlMs: ttl });
        this.#renewedAt = this.#options.clock.now();
        this.#renewFailures = 0;
        this.#setHeld(true);
        this.#log.info({ ttl }, 'leader lock acquired: this replica runs the MQTT ingest');
        this.#options.onAcquired();
        return;
      }
      if (ok === 'OK') {
        await redis.eval(RELEASE.source, 1, key, this.owner);
        return;
      }
      const [holder, remaining] = await Promise.all([redis.get(key), redis.pttl(key)]);
      this.#observe(holder !== null && remaining > 0 ? { holder, ttlMs: remaining } : {});
      this.#schedule(remaining > 0 ? Math.min(remaining + 20, ttl / 3) : 50);
    } catch (err) {
      this.#failed(
        err,
        'leader lock: cannot acquire or read the lock; trying again (no ingest here meanwhile)',
      );
      this.#schedule(ttl / 3);
    }
  }

  async #renew(): Promise<void> {
    const { redis, key, ttl } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    try {
      const renewed = await Promise.race([
        redis.eval(RENEW.source, 1, key, this.owner, String(ttl)) as Promise<number>,
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('renewal timed out')), ttl / 3)),
        ),
      ]);
      if (renewed === 1) {
        this.#observe({ holder: this.owner, ttlMs: ttl });
        this.#renewedAt = this.#options.clock.now();
        this.#renewFailures = 0;
        return;
      }
      this.#lose('another replica holds the leader lock');
    } catch (err) {
      this.#renewFailures += 1;
      this.#failed(err, 'leader lock renewal failed; retrying');
      if (this.#options.clock.now() - this.#renewedAt >= ttl * 0.8) {
        this.#lose(
          `could not renew the leader lock for ${Math.round((this.#options.clock.now() - this.#renewedAt) / 1000)} s (${(err as Error).message})`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #observe(found: Omit<LockObservation, 'at'>): void {
    if (this.#observation?.error) {
      this.#log.info('leader lock: Redis answers again');
      this.#failures.clear();
    }
    this.#observation = { at: this.#options.clock.now(), ...found };
  }

  /** Warn once per distinct cause, then at most once a minute with a count (issue 18 items 6, 7). */
  #failed(err: unknown, message: string): void {
    const cause = errorCause(err);
    this.#options.metrics.redisErrors.inc({ cause });
    this.#observation = { at: this.#options.clock.now(), error: (err as Error).message ?? String(err) };
    this.#failures.report(cause, { err }, message);
  }

  #lose(reason: string): void {
    this.#setHeld(false);
    this.#log.warn({ reason }, `leader lock lost (${reason}): disconnecting MQTT, now standby`);
    this.#options.onLost(reason);
    this.#schedule(50);
  }

  #setHeld(held: boolean): void {
    this.#held = held;
    this.#options.metrics.leader.set(held ? 1 : 0);
  }
}
