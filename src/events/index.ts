/** Typed events: envelopes, event-type filters and the flightStatus enricher. */
import type { AppDeps } from '../core/index.js';
import type { TokenProvider } from '../auth/index.js';
import { FlightStatusEnricher } from './flight-status.js';

export {
  buildEnvelope,
  parseFlightTopic,
  parsePayload,
  FLIGHT_EVENT_TYPES,
  flightEventType,
  type EventEnvelope,
  type EnvelopeInput,
  type EnvelopeOptions,
  type FlightRef,
  type ParsedPayload,
} from './envelope.js';
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
  });
}
export * from './envelope.js';
