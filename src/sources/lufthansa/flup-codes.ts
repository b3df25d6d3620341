/**
 * Lufthansa FLUP specifics read at ingest: the action code of a notification gives its event type,
 * and the topic names the flight (LUFTHANSA-NOTES.md §3).
 */
import type { FlightRef } from '../../queue/index.js';

/** FLUP action code → event type (LUFTHANSA-NOTES.md §3). */
export const FLIGHT_EVENT_TYPES: Readonly<Record<string, string>> = {
  'MVT ED': 'flight.estimated-departure',
  'MVT EA': 'flight.estimated-arrival',
  'MVT AD': 'flight.departed',
  'MVT AA': 'flight.arrived',
  Y: 'flight.gate-changed',
  'ASM CNL': 'flight.cancelled',
  'ASM NEW RIN': 'flight.reinstated',
  'ASM RPL DIV': 'flight.diverted',
  'ASM RPL RRT': 'flight.rerouted',
  'ASM TIM': 'flight.schedule-changed',
};

/** A FLUP action code's event type; spacing and case are normalised, unknown codes are flight.updated. */
export function flightEventType(code: string): string {
  return FLIGHT_EVENT_TYPES[code.trim().replace(/\s+/g, ' ').toUpperCase()] ?? 'flight.updated';
}

const FLIGHT_TOPIC =
  /^[^/]+\/FlightUpdate\/([A-Z0-9]{2,3})\/([A-Z0-9]{2,3}?)(\d{1,4}[A-Z]?)\/(\d{4}-\d{2}-\d{2})$/;

/** `prd/FlightUpdate/LH/LH400/2026-11-23` → { carrier: LH, flightNumber: 400, date }. */
export function parseFlightTopic(topic: string): FlightRef | undefined {
  const match = FLIGHT_TOPIC.exec(topic);
  if (!match) return undefined;
  const [, carrier, , number, date] = match;
  return { carrier: carrier!, flightNumber: number!, date: date! };
}
