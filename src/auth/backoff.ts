/** Retries of outbound auth calls, with the delays of core/backoff.ts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelay, type RetryBackoffOptions } from '../core/index.js';
import { AuthError } from './errors.js';

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or runs out of attempts. Only
 * AuthErrors marked retryable (network errors, timeouts, 5xx) are retried.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: RetryBackoffOptions,
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
