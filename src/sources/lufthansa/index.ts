/**
 * The Lufthansa source: broker credentials (Certificate Manager), API token, credential store, FLUP
 * code typing, related link and the Flight Status enricher.
 */
import type { AppDeps } from '../../core/index.js';
import type { TokenProvider } from '../../auth/index.js';
import type { LufthansaSourceConfig } from '../../config/index.js';
import { FlightStatusEnricher } from './flight-status.js';
import { LufthansaApiToken } from './api-token.js';
import { LufthansaCredentials } from './credentials.js';

export { relatedLink } from './related-link.js';
export { FlightStatusEnricher, type FlightStatusEnricherOptions } from './flight-status.js';

/** The enricher delivery calls for webhooks with `enrich: [flightStatus]`; close() it on stop. */
export function createEnricher(deps: AppDeps, apiToken: TokenProvider): FlightStatusEnricher {
  return new FlightStatusEnricher({
    enrichment: deps.config.enrichment,
    apiBase: deps.config.source.lufthansa.apiBase,
    redis: deps.redis,
    prefix: deps.config.redis.prefix,
    apiToken,
    logger: deps.logger.child({ module: 'enrichment' }),
    metrics: deps.metrics,
    clock: deps.clock,
    secrets: deps.secrets,
  });
}

export { LufthansaApiToken, type LufthansaApiTokenDeps } from './api-token.js';
export { LufthansaCredentials, type LufthansaCredentialsDeps } from './credentials.js';
export { credentialKey } from './credential-store.js';
export { FLIGHT_EVENT_TYPES, flightEventType, parseFlightTopic } from './flup-codes.js';
export { lufthansaBrokerTarget } from './broker-target.js';

/** The broker login and API token of the Lufthansa source. */
export function createLufthansaLogin(
  deps: AppDeps,
  source: LufthansaSourceConfig,
): { credentials: LufthansaCredentials; apiToken: LufthansaApiToken } {
  const apiToken = new LufthansaApiToken({
    source,
    logger: deps.logger,
    clock: deps.clock,
    metrics: deps.metrics,
    secrets: deps.secrets,
  });
  const credentials = new LufthansaCredentials({
    source,
    redis: deps.redis,
    prefix: deps.config.redis.prefix,
    apiToken,
    logger: deps.logger,
    metrics: deps.metrics,
    clock: deps.clock,
    secrets: deps.secrets,
  });
  return { credentials, apiToken };
}
