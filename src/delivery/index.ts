/** Webhook delivery: per-webhook queues and workers, signing, retries, breaker, dead letters. */
import type { AppDeps, Part } from '../core/index.js';
import type { DeadLetterAdmin, WebhookAdmin } from '../admin/index.js';
import type { TokenProvider } from '../auth/index.js';
import type { Enricher } from '../queue/index.js';
import { DeliveryWorkers } from './workers.js';
import { WebhookAdminService } from './webhooks.js';
import { DeadLetters } from './dead-letters.js';
import type { AttemptHook } from './attempt-report.js';

export { retryDelay } from './retry-delay.js';
export { DeliveryWorkers, type DeliveryWorkersOptions } from './workers.js';
export { WebhookAdminService, type WebhookAdminServiceOptions } from './webhooks.js';
export { DeadLetters, type DeadLettersOptions } from './dead-letters.js';
export { sign, signatureHeaders } from './signing.js';
export { signWith } from './signing.js';
export {
  parseSigningSecret,
  generateSigningKeyPair,
  SigningSecretError,
  type SigningKey,
  type SigningKeyPair,
} from './signing-keys.js';
export type { DeliveryFailure, StoredJobData } from './failure.js';
export type { AttemptHook, AttemptReport } from './attempt-report.js';

export interface DeliveryOptions {
  tokenProviders: Map<string, TokenProvider>;
  enricher?: Enricher;
  /** Told about every delivery attempt (the flight timeline). */
  onAttempt?: AttemptHook;
}

/**
 * The delivery part and its admin services, for app wiring. `part` runs the workers (roles all and worker); `webhooks` and
 * `deadLetters` serve the admin API in any role (they only need Redis).
 */
export function createDelivery(
  deps: AppDeps,
  options: DeliveryOptions,
): { part: Part; webhooks: WebhookAdmin; deadLetters: DeadLetterAdmin } {
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
  const part: Part = {
    name: workers.name,
    start: () => workers.start(),
    stop: async () => {
      await workers.stop();
      await Promise.all([webhooks.close(), deadLetters.close()]);
    },
  };
  return { part, webhooks, deadLetters };
}
