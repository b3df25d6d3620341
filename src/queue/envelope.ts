/**
 * The typed event every webhook receives: built once per MQTT message at ingest, stored in each
 * matching webhook's job, enriched at delivery. Only the shape lives here (the contract); the
 * builder is in events/.
 */
/** Which flight a notification is about (the topic's carrier, number and date). */
export interface FlightRef {
  /** Operating carrier, e.g. `LH`. */
  carrier: string;
  /** Flight number without the carrier, e.g. `400`. */
  flightNumber: string;
  /** Flight date, YYYY-MM-DD. */
  date: string;
}

/** One field that changed since the flight's previous notification (issue 20). */
export interface EnvelopeChange {
  field: string;
  from: string | null;
  to: string | null;
  /** Time fields: to − from in minutes. */
  minutes?: number;
}

/**
 * The envelope's `flight`: the ref from the topic and, from ingest on, the per-flight `sequence`;
 * with `enrich: [flightStatus]` also the flat summary of the status (status, equipment,
 * departure, arrival).
 */
export interface EnvelopeFlight extends FlightRef {
  sequence?: number;
  status?: string | null;
  equipment?: string | null;
  departure?: EnvelopeFlightEnd;
  arrival?: EnvelopeFlightEnd;
}

export interface EnvelopeFlightEnd {
  airport: string | null;
  /** ISO 8601 UTC, e.g. `2026-11-23T13:50Z`. */
  scheduledTimeUtc: string | null;
  estimatedTimeUtc: string | null;
  actualTimeUtc: string | null;
  terminal: string | null;
  gate: string | null;
  /** TimeStatus.Code: OT on time, DL delayed, FE flight early, NO no status. */
  timeStatus: string | null;
}

export interface EventEnvelope {
  /** Stable per message: the Standard Webhooks `webhook-id`, the same on every retry. */
  id: string;
  type: string;
  topic: string;
  receivedAt: string;
  occurredAt?: string;
  flight?: EnvelopeFlight;
  /** FLUP action code, kept for flight.updated (unknown codes) and for filtering. */
  code?: string;
  /** The notification as received: parsed JSON, or base64 text when it was not JSON/UTF-8. */
  data: unknown;
  dataEncoding: 'json' | 'base64';
  flightStatus?: unknown[];
  flightStatusFetchedAt?: string;
  flightStatusError?: string;
  /** With enrich: [flightStatus]: what changed since the flight's previous notification. */
  changes?: EnvelopeChange[];
  /** The first status seen for the flight (changes is []). */
  firstSeen?: boolean;
  /** Event types the changes show (flight.gate-assigned, flight.gate-changed, flight.delayed). */
  derivedEvents?: string[];
}

export interface ParsedPayload {
  /** The parsed JSON, or undefined when the payload is not JSON / not UTF-8. */
  json: unknown;
  isJson: boolean;
  /** Why the payload was not read as JSON, when it was JSON but cannot be processed as such. */
  error?: string;
}
