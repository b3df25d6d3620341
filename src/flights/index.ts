/**
 * Flight state (issue 20): the flat flight summary, what changed between two statuses, derived
 * event types, per-flight sequences and statuses in Redis, and per-flight delivery order.
 */
export {
  summaryFromFlightStatus,
  type FlightEndSummary,
  type FlightRef,
  type FlightSummary,
} from './summary.js';
export {
  CHANGE_FIELDS,
  flightChanges,
  type Change,
  type ChangeField,
  type FlightChanges,
} from './changes.js';
export {
  DEFAULT_DELAY_THRESHOLD_MINUTES,
  DELAYED,
  deriveEvents,
  eventTypesOf,
  GATE_ASSIGNED,
  GATE_CHANGED,
  type DerivedEventOptions,
  type EventTypes,
} from './derived-events.js';
export { checkFlightRef, expiryOf, FlightKeys } from './keys.js';
export {
  DEFAULT_MAX_SEQUENCES_PER_FLIGHT,
  DEFAULT_RETENTION_MS,
  FlightStateStore,
  type FlightStateStoreOptions,
  type SequenceChanges,
} from './state-store.js';
export {
  FlightOrdering,
  type CommandQueue,
  type FlightOrderingOptions,
  type NextPending,
} from './ordering.js';
export { FlightSequencing, type FlightSequencingOptions } from './sequencing.js';
export { FlightChangesEnricher, type FlightChangesEnricherOptions } from './changes-enricher.js';
export { createFlightState, type FlightState } from './create.js';
