/** Webhook delivery: per-webhook queues and workers, signing, retries, breaker, dead letters. */
import type { AppDeps, Part } from '../core/index.js';
import type { DeadLetterAdmin, WebhookAdmin } from '../admin/index.js';
import type { TokenProvider } from '../auth/index.js';
import type { Enricher, JobClaims } from '../queue/index.js';
import { DeliveryWorkers } from './workers.js';
import { WebhookAdminService } from './webhooks.js';
import { DeadLetters } from './dead-letters.js';
import { RetryLog } from './retry-log.js';
import type { AttemptHook } from './attempt-report.js';

export { retryDelay } from './retry-delay.js';
export { DeliveryWorkers, type DeliveryWorkersOptions } from './workers.js';
export { WebhookAdminService, type WebhookAdminServiceOptions } from './webhooks.js';
export { DeadLetters, type DeadLettersOptions } from './dead-letters.js';
export { RetryLog, type RetryLogOptions } from './retry-log.js';
export { sign, signatureHeaders } from './signing.js';
export { signWith } from './signing.js';
// Signing keys live in a leaf folder (config validates secrets with them); delivery's surface keeps them.
export * from '../signing-keys/index.js';
export type { DeliveryFailure, StoredJobData } from './failure.js';
export type { AttemptHook, AttemptReport } from './attempt-report.js';

export interface DeliveryOptions {
  tokenProviders: Map<string, TokenProvider>;
  enricher?: Enricher;
  /** Told about every delivery attempt at a message of a flight (the flight timeline). */
  onAttempt?: AttemptHook;
}

/**
 * The delivery part and its admin services, for app wiring. `part` runs the workers (roles all and worker); `webhooks` and
 * `deadLetters` serve the admin API in any role (they only need Redis); `claims` lets this process's
 * ingest writer hand jobs straight to its workers.
 */
export function createDelivery(
  deps: AppDeps,
  options: DeliveryOptions,
): { part: Part; webhooks: WebhookAdmin; deadLetters: DeadLetterAdmin; claims: JobClaims } {
  const logger = deps.logger.child({ module: 'delivery' });
  const workers = new DeliveryWorkers({
    deps,
    tokenProviders: options.tokenProviders,
    enricher: options.enricher,
    onAttempt: options.onAttempt,
  });
  const webhooks = new WebhookAdminService({
    config: deps.config,
    redis: deps.redis,
    metrics: deps.metrics,
    logger,
  });
  const deadLetters = new DeadLetters({ config: deps.config, redis: deps.redis, logger });
  const retryLog = new RetryLog({ metrics: deps.metrics, logger: deps.logger });
  const part: Part = {
    name: workers.name,
    start: async () => {
      await workers.start();
      await retryLog.start();
    },
    stop: async () => {
      await workers.stop();
      await retryLog.stop();
      await Promise.all([webhooks.close(), deadLetters.close()]);
    },
  };
  return { part, webhooks, deadLetters, claims: workers.claims };
}
