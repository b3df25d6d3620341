/**
 * What every job on a webhook's queue carries (retention, attempts, backoff) and the retry delay
 * the worker computes for it. Ingest's writer and the workers share these so both agree.
 */
import type { JobsOptions } from 'bullmq';
import type { Config, WebhookConfig } from '../config/index.js';

/** Completed jobs kept per webhook, for the admin views; dedup does not depend on them. */
export const COMPLETED_KEPT = 100;

/** Names the worker's custom backoff strategy (see retryDelay). */
export const BACKOFF_TYPE = 'flup-webhook';

export function jobOptionsFor(webhook: WebhookConfig, config: Config): JobsOptions {
  return {
    attempts: webhook.retry.attempts,
    backoff: { type: BACKOFF_TYPE },
    // Completed jobs go (the last few stay for inspection): the dedup memory, a sorted set of
    // message keys (~100 B each against ~2.4 KB per job), refuses redeliveries.
    removeOnComplete: { count: COMPLETED_KEPT },
    // Failed jobs are the dead letters.
    removeOnFail: { age: Math.ceil(config.delivery.deadLetterRetention / 1000) },
  };
}

/**
 * A batch job is retried only when it could not hand its failed messages off (Redis trouble), so
 * it keeps trying until maxAge turns its messages stale; it never becomes a dead letter itself.
 */
export function batchJobOptions(config: Config): JobsOptions {
  return {
    attempts: 1_000_000,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: true,
    removeOnFail: { age: Math.ceil(config.delivery.deadLetterRetention / 1000) },
  };
}

/** Whether ingest may write this webhook's messages as batch jobs (a rate limit counts jobs). */
export function batchesFor(webhook: WebhookConfig): boolean {
  return webhook.batchSize > 1 && webhook.rateLimit === null;
}
