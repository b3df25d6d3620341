/**
 * How the Lufthansa broker login is renewed: only one replica at a time (under the Redis lock it
 * asks the Certificate Manager and stores the answer; a replica that finds the lock held waits
 * for the holder and adopts what it stored), a hold-back between failed renewals, and no renewal
 * for a refusal that another replica's (or our own recent) renewal already answers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelay, type Clock, type Logger, type RetryBackoffOptions } from '../../core/index.js';
import type { RedisLock } from '../../redis/index.js';
import { AuthError, errorMessage } from '../../auth/index.js';
import { isExpired, type CredentialStore, type KeptCredentials } from './credential-store.js';
import type { BrokerCredentials } from '../types.js';

export interface RenewUnderLockOptions {
  lock: RedisLock;
  store: CredentialStore;
  /** The clientID this renewal replaces: anything else found in Redis was renewed elsewhere. */
  before: string | undefined;
  /** Asks the Certificate Manager (called with the lock held). */
  request(): Promise<BrokerCredentials>;
  /** Makes credentials the current ones (force: a renewal of our own). */
  adopt(kept: KeptCredentials, force?: boolean): void;
  clock: Clock;
  signal: AbortSignal;
  log: Logger;
}

/** Renews holding the lock, or adopts what the replica that holds it wrote. */
export async function renewUnderLock(
  options: RenewUnderLockOptions,
): Promise<{ credentials: BrokerCredentials; adopted: boolean }> {
  const { lock, store, before, request, adopt, clock, signal, log } = options;
  const renewedElsewhere = (kept: KeptCredentials | undefined) =>
    kept !== undefined && kept.credentials.clientId !== before && !isExpired(kept, clock.now());
  const deadline = Date.now() + 2 * lock.ttlMs;
  for (;;) {
    const token = await lock.tryAcquire();
    if (token) {
      try {
        const kept = await store.read();
        if (kept && renewedElsewhere(kept)) {
          adopt(kept);
          return { credentials: kept.credentials, adopted: true };
        }
        const credentials = await request();
        const fresh: KeptCredentials = { credentials, fetchedAt: clock.now() };
        await store.write(fresh);
        adopt(fresh, true);
        return { credentials, adopted: false };
      } finally {
        await lock
          .release(token)
          .catch((err: unknown) =>
            log.warn({ err: errorMessage(err) }, 'could not release the renewal lock'),
          );
      }
    }
    // Another replica is renewing: wait for it, then use what it stored.
    log.debug({ lock: lock.key }, 'another replica is renewing the broker credentials; waiting');
    while ((await lock.isHeld()) && Date.now() < deadline) await sleep(50, undefined, { signal: signal });
    const kept = await store.read();
    if (kept && renewedElsewhere(kept)) {
      adopt(kept);
      return { credentials: kept.credentials, adopted: true };
    }
    if (Date.now() >= deadline) {
      throw new AuthError(
        `another replica held the renewal lock ${lock.key} without storing new credentials; retrying later`,
        { retryable: true },
      );
    }
  }
}

/** The hold-back between failed renewals (full jitter on the retry back-off): never a tight loop. */
export class RenewalHoldBack {
  readonly #retry: RetryBackoffOptions;
  #failures = 0;
  #delay = 0;
  #nextAttemptAt = 0;

  constructor(retry: RetryBackoffOptions) {
    this.#retry = retry;
  }

  /** The hold-back chosen after the last failure; 0 after a success. */
  get delay(): number {
    return this.#delay;
  }

  /** How long a renewal starting at `now` waits first. */
  waitAt(now: number): number {
    return Math.min(this.#delay, this.#nextAttemptAt - now);
  }

  succeeded(): void {
    this.#failures = 0;
    this.#delay = 0;
    this.#nextAttemptAt = 0;
  }

  /** Returns the new hold-back. */
  failed(now: number): number {
    this.#delay = Math.max(
      Math.min(1000, this.#retry.initialDelay),
      fullJitterDelay(this.#failures, this.#retry),
    );
    this.#failures += 1;
    this.#nextAttemptAt = now + this.#delay;
    return this.#delay;
  }
}

export interface RefusalContext {
  /** The credentials the refused connection used. */
  held: KeptCredentials;
  /** The current credentials after reading Redis. */
  current: KeptCredentials;
  /** Clock time of the last renewal made or adopted (0: none). */
  lastRenewalAt: number;
  now: number;
  /** A refusal this soon after a renewal does not renew again (ms). */
  window: number;
  log: Logger;
}

/** After a broker refusal: the credentials to go on with instead of renewing, if any. */
export function keepAfterRefusal(c: RefusalContext): BrokerCredentials | undefined {
  const { held, current, log } = c;
  if (current.credentials.clientId !== held.credentials.clientId && !isExpired(current, c.now)) {
    log.info(
      { clientId: current.credentials.clientId },
      'broker refused the credentials; another replica has already renewed them',
    );
    return current.credentials;
  }
  if (c.lastRenewalAt > 0 && c.now - c.lastRenewalAt < c.window) {
    log.warn(
      { clientId: current.credentials.clientId, sinceRenewalMs: c.now - c.lastRenewalAt },
      'broker refused credentials renewed moments ago; not renewing again within the refusal window',
    );
    return current.credentials;
  }
  return undefined;
}
