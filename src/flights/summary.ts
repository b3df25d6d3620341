/**
 * The flat flight summary put beside Lufthansa's raw Flight Status resource, so receivers need not
 * learn its nesting (LUFTHANSA-NOTES.md §4). Pure: no I/O. Every field a resource lacks is null.
 */
import type { EnvelopeFlightEnd, FlightRef } from '../queue/index.js';

/** The flight ref and one end's fields are the envelope's (the queue contract); defined there once. */
export type { FlightRef };
export type FlightEndSummary = EnvelopeFlightEnd;

export interface FlightSummary extends FlightRef {
  /** The bridge's per-flight sequence of the notification this status belongs to. */
  sequence?: number;
  /** FlightStatus.Code: CD cancelled, DP departed, LD landed, RT rerouted, NA no status. */
  status: string | null;
  /** Equipment.AircraftCode. */
  equipment: string | null;
  departure: FlightEndSummary;
  arrival: FlightEndSummary;
}

type Json = Record<string, unknown>;

function child(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)[key]
    : undefined;
}

/** Strings and numbers (XML-to-JSON converters turn `1` into a number) as text; anything else null. */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** `FlightStatusResource.Flights.Flight` (object or array), the answer's flight list as the enricher stores it, or one flight. */
function flightsOf(resource: unknown): unknown[] {
  if (Array.isArray(resource)) return resource;
  const flight = child(child(child(resource, 'FlightStatusResource'), 'Flights'), 'Flight');
  if (Array.isArray(flight)) return flight;
  if (flight !== undefined) return [flight];
  return child(resource, 'Departure') !== undefined ? [resource] : [];
}

/** Flight numbers compare without leading zeros (`0400` is `400`). */
const sameNumber = (a: string | null, b: string) =>
  a !== null && a.replace(/^0+(?=.)/, '') === b.replace(/^0+(?=.)/, '');

function carrierMatches(flight: unknown, ref: FlightRef): boolean {
  return ['OperatingCarrier', 'MarketingCarrier'].some((role) => {
    const carrier = child(flight, role);
    return (
      text(child(carrier, 'AirlineID')) === ref.carrier &&
      sameNumber(text(child(carrier, 'FlightNumber')), ref.flightNumber)
    );
  });
}

/** The flight date is the local date of the scheduled departure. */
const departsOn = (flight: unknown, date: string) =>
  text(child(child(child(flight, 'Departure'), 'ScheduledTimeLocal'), 'DateTime'))?.startsWith(date) ?? false;

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function utcTime(value: unknown): string | null {
  const time = text(value);
  if (time === null) return null;
  if (UTC_TIME.test(time)) return time;
  // Lufthansa writes the UTC fields without the zone designator in places.
  return LOCAL_TIME.test(time) ? `${time}Z` : null;
}

/**
 * `<kind>TimeUTC.DateTime`, or when only `<kind>TimeLocal` is there, the local time shifted by the
 * airport's offset as the scheduled local/UTC pair shows it.
 */
function endTime(end: unknown, kind: 'Scheduled' | 'Estimated' | 'Actual'): string | null {
  const utc = utcTime(child(child(end, `${kind}TimeUTC`), 'DateTime'));
  if (utc !== null) return utc;
  const local = text(child(child(end, `${kind}TimeLocal`), 'DateTime'));
  const scheduledLocal = text(child(child(end, 'ScheduledTimeLocal'), 'DateTime'));
  const scheduledUtc = utcTime(child(child(end, 'ScheduledTimeUTC'), 'DateTime'));
  if (local === null || scheduledLocal === null || scheduledUtc === null || !LOCAL_TIME.test(local))
    return null;
  const offsetMs = Date.parse(`${scheduledLocal}Z`) - Date.parse(scheduledUtc);
  const instant = Date.parse(`${local}Z`) - offsetMs;
  return Number.isFinite(instant) ? `${new Date(instant).toISOString().slice(0, 16)}Z` : null;
}

function endSummary(end: unknown): FlightEndSummary {
  const terminal = child(end, 'Terminal');
  return {
    airport: text(child(end, 'AirportCode')),
    scheduledTimeUtc: endTime(end, 'Scheduled'),
    estimatedTimeUtc: endTime(end, 'Estimated'),
    actualTimeUtc: endTime(end, 'Actual'),
    terminal: text(child(terminal, 'Name')),
    gate: text(child(terminal, 'Gate')),
    timeStatus: text(child(child(end, 'TimeStatus'), 'Code')),
  };
}

/**
 * The summary of the flight in `resource` that `ref` names: a whole Flight Status answer, its
 * `Flight` list or one flight. Among several flights with the ref's carrier and number, the one
 * departing on the ref's date; undefined when none has the ref's carrier and number.
 */
export function summaryFromFlightStatus(resource: unknown, ref: FlightRef): FlightSummary | undefined {
  const candidates = flightsOf(resource).filter((flight) => carrierMatches(flight, ref));
  const flight = candidates.find((f) => departsOn(f, ref.date)) ?? candidates[0];
  if (flight === undefined) return undefined;
  return {
    carrier: ref.carrier,
    flightNumber: ref.flightNumber,
    date: ref.date,
    status: text(child(child(flight, 'FlightStatus'), 'Code')),
    equipment: text(child(child(flight, 'Equipment'), 'AircraftCode')),
    departure: endSummary(child(flight, 'Departure')),
    arrival: endSummary(child(flight, 'Arrival')),
  };
}
