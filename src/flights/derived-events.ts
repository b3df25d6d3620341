/**
 * Event types derived from what changed, beside the type from the FLUP code. Pure.
 *
 * `type` stays the FLUP code's type and derived types go into a list (`derivedEvents`) because:
 * - `type` is fixed at ingest (routing and `events` filters use it, before any status is
 *   fetched); derived types need the status, known only at delivery, so replacing `type` then
 *   would make the delivered type differ from the one the webhook was routed on;
 * - one notification can mean several things (a schedule change that moves the gate and the
 *   estimate), which one `type` cannot say;
 * - receivers and filters written for the FLUP types keep working unchanged.
 * Filters that name a derived type match `[type, ...derivedEvents]` (see eventTypesOf).
 */
import type { Change } from './changes.js';
import type { FlightSummary } from './summary.js';

export const GATE_ASSIGNED = 'flight.gate-assigned';
export const GATE_CHANGED = 'flight.gate-changed';
export const DELAYED = 'flight.delayed';

export const DEFAULT_DELAY_THRESHOLD_MINUTES = 15;

export interface DerivedEventOptions {
  /** events.delayThreshold: how far (minutes) an estimate must move to make `flight.delayed`. */
  delayThresholdMinutes?: number;
}

export interface EventTypes {
  /** The FLUP code's type, unchanged. */
  type: string;
  /** Derived types in a stable order (gate, then delay), each at most once. */
  derivedEvents: string[];
}

const GATE_FIELDS = new Set(['departure.gate', 'arrival.gate']);
const ESTIMATE_FIELDS = {
  'departure.estimatedTimeUtc': 'departure',
  'arrival.estimatedTimeUtc': 'arrival',
} as const;

function minutesLate(estimate: string | null, scheduled: string | null): number | undefined {
  if (estimate === null || scheduled === null) return undefined;
  const late = (Date.parse(estimate) - Date.parse(scheduled)) / 60_000;
  return Number.isFinite(late) ? late : undefined;
}

/**
 * `flight.delayed` when an estimate changed and either moved later by at least the threshold
 * (vs the estimate of the previous notification, the last one delivered) or crossed from less than
 * the threshold past the schedule to at least the threshold past it. A flight already late whose
 * estimate creeps by a few minutes is not "delayed" again on every notification.
 */
function isDelay(change: Change, to: FlightSummary, threshold: number): boolean {
  const end = ESTIMATE_FIELDS[change.field as keyof typeof ESTIMATE_FIELDS];
  if (end === undefined || change.to === null) return false;
  if (change.minutes !== undefined && change.minutes >= threshold) return true;
  const scheduled = to[end].scheduledTimeUtc;
  const lateNow = minutesLate(change.to, scheduled);
  const lateBefore = minutesLate(change.from, scheduled) ?? 0;
  return lateNow !== undefined && lateNow >= threshold && lateBefore < threshold;
}

/**
 * The event types of a notification: its FLUP `type` and what the changes to `to` (its status)
 * show: `flight.gate-assigned` (a gate where there was none; Lufthansa sends code Y for that too),
 * `flight.gate-changed` (another gate), `flight.delayed`.
 */
export function deriveEvents(
  type: string,
  changes: readonly Change[],
  to: FlightSummary,
  options: DerivedEventOptions = {},
): EventTypes {
  const threshold = options.delayThresholdMinutes ?? DEFAULT_DELAY_THRESHOLD_MINUTES;
  if (!Number.isFinite(threshold) || threshold < 0)
    throw new Error(`events.delayThreshold must be a number of minutes >= 0, got ${String(threshold)}`);
  const derived = new Set<string>();
  for (const change of changes) {
    if (GATE_FIELDS.has(change.field) && change.to !== null) {
      derived.add(change.from === null ? GATE_ASSIGNED : GATE_CHANGED);
    }
  }
  if (changes.some((change) => isDelay(change, to, threshold))) derived.add(DELAYED);
  const order = [GATE_ASSIGNED, GATE_CHANGED, DELAYED];
  return { type, derivedEvents: order.filter((t) => derived.has(t)) };
}

/** Every type a notification has, for event filters: its own and the derived ones. */
export function eventTypesOf(event: EventTypes): string[] {
  return [event.type, ...event.derivedEvents.filter((t) => t !== event.type)];
}
