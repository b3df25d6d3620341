/** Retry delays: exponential growth capped at maxDelay, with "full jitter" (AWS architecture blog). */
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthError } from './errors.js';

export interface BackoffOptions {
  /** First delay ceiling (ms). */
  initialDelay: number;
  /** Largest delay ceiling (ms). */
  maxDelay: number;
  /** Attempts in one retried operation (first try included). */
  attempts: number;
  /** Source of randomness in [0, 1): injectable so tests are repeatable. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelay: 500, maxDelay: 30_000, attempts: 4 };

/** Delay before retry number `attempt` (0-based): uniform in [0, min(maxDelay, initialDelay * 2^attempt)). */
export function fullJitterDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelay, options.initialDelay * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or runs out of attempts. Only
 * AuthErrors marked retryable (network errors, timeouts, 5xx) are retried.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: BackoffOptions,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = err instanceof AuthError && err.retryable;
      if (!retryable || attempt + 1 >= options.attempts || signal?.aborted) throw err;
      await sleep(fullJitterDelay(attempt, options), undefined, { signal }).catch(() => {
        throw err;
      });
    }
  }
}
