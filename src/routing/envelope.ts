/**
 * The typed event every webhook receives. Built once per MQTT message at ingest (the payload is
 * parsed here and nowhere else), stored in each matching webhook's job, enriched at delivery.
 */
import type { EventTypeRule } from '../config/index.js';
import { topicMatches } from './topic.js';
import type { EventEnvelope, ParsedPayload } from '../queue/index.js';
import { flightEventType, parseFlightTopic } from '../sources/index.js';

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
