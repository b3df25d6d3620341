/**
 * The one jittered-backoff module. Every retry in the bridge waits a random delay below a capped
 * exponential ceiling ("full jitter", AWS architecture blog), so replicas that failed together do
 * not return in step, and a refusing peer is never hammered in a tight loop.
 */

/** The ceiling before retry number `attempt` (0-based): min(cap, initial * factor^attempt). */
export function backoffCeiling(initial: number, attempt: number, cap: number, factor = 2): number {
  return Math.min(cap, initial * factor ** Math.min(attempt, 30));
}

/** Options of a retried operation (token fetches, credential renewals). */
export interface RetryBackoffOptions {
  /** First delay ceiling (ms). */
  initialDelay: number;
  /** Largest delay ceiling (ms). */
  maxDelay: number;
  /** Attempts in one retried operation (first try included). */
  attempts: number;
  /** Source of randomness in [0, 1): injectable so tests are repeatable. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: RetryBackoffOptions = { initialDelay: 500, maxDelay: 30_000, attempts: 4 };

/** Delay before retry number `attempt` (0-based): uniform in [0, min(maxDelay, initialDelay * 2^attempt)). */
export function fullJitterDelay(attempt: number, options: RetryBackoffOptions): number {
  const ceiling = backoffCeiling(options.initialDelay, attempt, options.maxDelay);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Options of the reconnect backoff: a floor keeps even the first retry from being immediate. */
export interface ReconnectBackoffOptions {
  base?: number;
  cap: number;
  floor?: number;
  random?: () => number;
}

/** Reconnect delays: each next() widens the window until the cap; reset() after a success. */
export class Backoff {
  #attempt = 0;
  readonly #base: number;
  readonly #cap: number;
  readonly #floor: number;
  readonly #random: () => number;

  constructor(options: ReconnectBackoffOptions) {
    this.#base = options.base ?? 1000;
    this.#cap = options.cap;
    this.#floor = Math.min(options.floor ?? 100, options.cap);
    this.#random = options.random ?? Math.random;
  }

  /** The next delay; each call widens the window until the cap. */
  next(): number {
    const ceiling = backoffCeiling(this.#base, this.#attempt, this.#cap);
    this.#attempt += 1;
    return Math.max(this.#floor, Math.round(this.#random() * ceiling));
  }

  get attempts(): number {
    return this.#attempt;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
