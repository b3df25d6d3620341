/**
 * The typed event every webhook receives: built once per MQTT message at ingest, stored in each
 * matching webhook's job, enriched at delivery. Only the shape lives here (the contract); the
 * builder is in events/.
 */
export interface FlightRef {
  carrier: string;
  flightNumber: string;
  date: string;
}

export interface EventEnvelope {
  /** Stable per message: the Standard Webhooks `webhook-id`, the same on every retry. */
  id: string;
  type: string;
  topic: string;
  receivedAt: string;
  occurredAt?: string;
  flight?: FlightRef;
  /** FLUP action code, kept for flight.updated (unknown codes) and for filtering. */
  code?: string;
  /** The notification as received: parsed JSON, or base64 text when it was not JSON/UTF-8. */
  data: unknown;
  dataEncoding: 'json' | 'base64';
  flightStatus?: unknown[];
  flightStatusFetchedAt?: string;
  flightStatusError?: string;
}

export interface ParsedPayload {
  /** The parsed JSON, or undefined when the payload is not JSON / not UTF-8. */
  json: unknown;
  isJson: boolean;
  /** Why the payload was not read as JSON, when it was JSON but cannot be processed as such. */
  error?: string;
}
