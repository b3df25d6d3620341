/**
 * What changed between two summaries of one flight, field by field, in a stable order (the order
 * of CHANGE_FIELDS, which docs/envelope.schema.json lists). Pure.
 */
import type { FlightEndSummary, FlightSummary } from './summary.js';

const END_FIELDS = [
  'airport',
  'scheduledTimeUtc',
  'estimatedTimeUtc',
  'actualTimeUtc',
  'terminal',
  'gate',
  'timeStatus',
] as const satisfies ReadonlyArray<keyof FlightEndSummary>;

type EndField = (typeof END_FIELDS)[number];

export type ChangeField = 'status' | 'equipment' | `departure.${EndField}` | `arrival.${EndField}`;

/** Every field a change can name, in the order changes are listed. */
export const CHANGE_FIELDS: readonly ChangeField[] = [
  'status',
  'equipment',
  ...END_FIELDS.map((f) => `departure.${f}` as const),
  ...END_FIELDS.map((f) => `arrival.${f}` as const),
];

export interface Change {
  field: ChangeField;
  from: string | null;
  to: string | null;
  /** Time fields with both values set: to − from in whole minutes. */
  minutes?: number;
}

export interface FlightChanges {
  changes: Change[];
  /** True when there was no earlier status of this flight to compare with. */
  firstSeen: boolean;
}

const isTimeField = (field: ChangeField) => field.endsWith('TimeUtc');

export function fieldValue(summary: FlightSummary, field: ChangeField): string | null {
  if (field === 'status' || field === 'equipment') return summary[field];
  const [end, key] = field.split('.') as ['departure' | 'arrival', EndField];
  return summary[end][key];
}

/**
 * The change of one field, or undefined when there is none. Times compare as instants
 * (`13:50Z` = `13:50:00Z`) and carry minutes (to − from) when both are set.
 */
export function fieldChange(field: ChangeField, from: string | null, to: string | null): Change | undefined {
  if (isTimeField(field) && from !== null && to !== null) {
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    if (Number.isFinite(fromMs) && Number.isFinite(toMs))
      return fromMs === toMs ? undefined : { field, from, to, minutes: Math.round((toMs - fromMs) / 60_000) };
  }
  return from === to ? undefined : { field, from, to };
}

export function flightChanges(from: FlightSummary | undefined, to: FlightSummary): FlightChanges {
  if (from === undefined) return { changes: [], firstSeen: true };
  const changes: Change[] = [];
  for (const field of CHANGE_FIELDS) {
    const change = fieldChange(field, fieldValue(from, field), fieldValue(to, field));
    if (change) changes.push(change);
  }
  return { changes, firstSeen: false };
}
