import type { RetryConfig } from '../config/index.js';
import { backoffCeiling } from '../core/index.js';

/**
 * Delay before the next attempt after `failures` failed attempts (1 = the first failed).
 * Retry-After wins when given, capped at maxDelay; else the explicit schedule; else exponential
 * backoff with full jitter (a random delay between 0 and the capped exponential).
 */
export function retryDelay(
  retry: RetryConfig,
  failures: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), retry.maxDelay);
  const n = Math.max(1, failures);
  if (retry.schedule.length > 0) return retry.schedule[Math.min(n, retry.schedule.length) - 1]!;
  const ceiling = backoffCeiling(retry.initialDelay, n - 1, retry.maxDelay, retry.factor);
  return Math.round(random() * ceiling);
}
