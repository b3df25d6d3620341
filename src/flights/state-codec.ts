/**
 * The compact text flight state is stored as in Redis (a flight's state is kept for days, for
 * every flight: bytes count). A status is a JSON array of its 16 values in CHANGE_FIELDS order,
 * without the ref (the key has it); changes are `[firstSeen, [fieldIndex, from, to], …]`, minutes
 * recomputed from from/to on reading. Equal statuses encode to equal text (the Lua scripts compare
 * them).
 */
import {
  CHANGE_FIELDS,
  fieldChange,
  fieldValue,
  type Change,
  type ChangeField,
  type FlightChanges,
} from './changes.js';
import type { FlightEndSummary, FlightRef, FlightSummary } from './summary.js';

type Value = string | null;

export function encodeSummary(summary: FlightSummary): string {
  return JSON.stringify(CHANGE_FIELDS.map((field) => fieldValue(summary, field)));
}

function fail(what: string, text: string): never {
  throw new Error(`stored flight ${what} is malformed: ${text.slice(0, 120)}`);
}

const isValue = (v: unknown): v is Value => v === null || typeof v === 'string';

export function decodeSummary(text: string, ref: FlightRef, sequence: number): FlightSummary {
  const values = JSON.parse(text) as unknown;
  if (!Array.isArray(values) || values.length !== CHANGE_FIELDS.length || !values.every(isValue))
    fail('status', text);
  const byField = new Map<ChangeField, Value>(CHANGE_FIELDS.map((field, i) => [field, values[i] as Value]));
  const end = (name: 'departure' | 'arrival'): FlightEndSummary => ({
    airport: byField.get(`${name}.airport`)!,
    scheduledTimeUtc: byField.get(`${name}.scheduledTimeUtc`)!,
    estimatedTimeUtc: byField.get(`${name}.estimatedTimeUtc`)!,
    actualTimeUtc: byField.get(`${name}.actualTimeUtc`)!,
    terminal: byField.get(`${name}.terminal`)!,
    gate: byField.get(`${name}.gate`)!,
    timeStatus: byField.get(`${name}.timeStatus`)!,
  });
  return {
    ...ref,
    sequence,
    status: byField.get('status')!,
    equipment: byField.get('equipment')!,
    departure: end('departure'),
    arrival: end('arrival'),
  };
}

export function encodeChanges({ changes, firstSeen }: FlightChanges): string {
  return JSON.stringify([
    firstSeen ? 1 : 0,
    ...changes.map((c) => [CHANGE_FIELDS.indexOf(c.field), c.from, c.to]),
  ]);
}

export function decodeChanges(text: string): FlightChanges {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed) || (parsed[0] !== 0 && parsed[0] !== 1)) fail('changes', text);
  const changes = (parsed.slice(1) as unknown[]).map((entry): Change => {
    if (!Array.isArray(entry) || !isValue(entry[1]) || !isValue(entry[2])) fail('changes', text);
    const field = CHANGE_FIELDS[entry[0] as number] ?? fail('changes', text);
    return fieldChange(field, entry[1], entry[2]) ?? { field, from: entry[1], to: entry[2] };
  });
  return { changes, firstSeen: parsed[0] === 1 };
}
