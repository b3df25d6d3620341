/**
 * Flight state for the app wiring: the store, ingest's sequencing (sink wrapper and the job
 * writer's extraCommands hook) and the enricher wrapper, from the configuration.
 */
import type { AppDeps } from '../core/index.js';
import type { Enricher } from '../queue/index.js';
import { keyLayoutOf } from '../redis/index.js';
import { FlightChangesEnricher } from './changes-enricher.js';
import { FlightKeys } from './keys.js';
import { FlightOrdering } from './ordering.js';
import { FlightSequencing } from './sequencing.js';
import { FlightStateStore } from './state-store.js';

export interface FlightState {
  store: FlightStateStore;
  sequencing: FlightSequencing;
  /** Wraps the Flight Status enricher: adds flight, changes, firstSeen, derivedEvents. */
  enricher(inner: Enricher & { close?(): Promise<void> }): FlightChangesEnricher;
}

export function createFlightState(deps: Pick<AppDeps, 'config' | 'redis' | 'clock'>): FlightState {
  const { config, redis, clock } = deps;
  const retentionMs = config.flightState.retention;
  const maxSequencesPerFlight = config.flightState.maxSequencesPerFlight;
  const store = new FlightStateStore({
    redis,
    prefix: config.redis.prefix,
    clock,
    retentionMs,
    maxSequencesPerFlight,
  });
  const ordering = new FlightOrdering({
    redis,
    keys: new FlightKeys(config.redis.prefix, keyLayoutOf(redis)),
    clock,
    retentionMs,
    maxSequencesPerFlight,
  });
  const orderedWebhooks = new Set(config.webhooks.filter((w) => w.ordering === 'flight').map((w) => w.id));
  return {
    store,
    sequencing: new FlightSequencing({ store, ordering, orderedWebhooks }),
    enricher: (inner) =>
      new FlightChangesEnricher({
        inner,
        store,
        delayThresholdMinutes: config.events.delayThreshold / 60_000,
      }),
  };
}
