/**
 * The typed event every webhook receives. Built once per MQTT message at ingest (the payload is
 * parsed here and nowhere else), stored in each matching webhook's job, enriched at delivery.
 */
import type { EventTypeRule } from '../config/index.js';
import { topicMatches } from '../routing/index.js';
import type { EventEnvelope, FlightRef, ParsedPayload } from '../queue/index.js';

export type { EventEnvelope, FlightRef, ParsedPayload } from '../queue/index.js';

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON nested deeper than this is treated as unreadable (forwarded base64 or dead-lettered, per
 * ingest.invalidPayload). JSON.parse accepts any depth, but JSON.stringify (BullMQ's job
 * serialisation) overflows the stack from about 5,000 levels, and a job that cannot be written
 * would hold the whole ingest batch (found by the chaos suite, scenario 6).
 */
export const MAX_JSON_DEPTH = 512;

/** true when brackets outside strings nest deeper than max (text is valid JSON). */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character (\" does not end the string).
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function parsePayload(payload: Uint8Array): ParsedPayload {
  let json: unknown;
  let text: string;
  try {
    text = utf8.decode(payload);
    json = JSON.parse(text);
  } catch {
    return { json: undefined, isJson: false };
  }
  // Each level takes two bytes at least, so short payloads (nearly all) skip the scan.
  if (text.length > 2 * MAX_JSON_DEPTH && nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return { json: undefined, isJson: false, error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  return { json, isJson: true };
}

export interface EnvelopeInput {
  id: string;
  topic: string;
  payload: Uint8Array;
  parsed: ParsedPayload;
  receivedAt: number;
}

export interface EnvelopeOptions {
  /** Lufthansa source: types from FLUP codes. Generic MQTT: types from rules. */
  source: 'lufthansa' | 'mqtt';
  typeRules: EventTypeRule[];
  defaultType: string;
}

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

export function buildEnvelope(input: EnvelopeInput, options: EnvelopeOptions): EventEnvelope {
  const { parsed } = input;
  const envelope: EventEnvelope = {
    id: input.id,
    type: options.defaultType,
    topic: input.topic,
    receivedAt: new Date(input.receivedAt).toISOString(),
    data: parsed.isJson ? parsed.json : Buffer.from(input.payload).toString('base64'),
    dataEncoding: parsed.isJson ? 'json' : 'base64',
  };
  if (options.source === 'lufthansa') {
    const update = field(parsed.json, 'Update');
    const code = field(update, 'Code');
    envelope.type = typeof code === 'string' ? flightEventType(code) : 'flight.updated';
    if (typeof code === 'string') envelope.code = code;
    const timestamp = field(update, 'Timestamp');
    if (typeof timestamp === 'string') envelope.occurredAt = timestamp;
    const flight = parseFlightTopic(input.topic);
    if (flight) envelope.flight = flight;
  } else {
    const rule = options.typeRules.find((r) => topicMatches(r.topic, input.topic));
    if (rule) envelope.type = rule.type;
  }
  return envelope;
}
