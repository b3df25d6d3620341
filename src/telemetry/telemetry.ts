/**
 * The tracing facade the rest of the bridge calls. With tracing off it is `telemetryOff`: every
 * method returns undefined and creates nothing, so callers guard attribute building with
 * `telemetry.enabled` and pay one property read per message.
 */
import type { Span } from '@opentelemetry/api';

/** An open span; opaque to callers, who only pass it back to the facade. */
export type TelemetrySpan = Span;

/** Stored with the job data, so a trace survives the queue and a retry hours later. */
export interface TraceCarrier {
  traceparent: string;
}

export interface MessageSpanAttributes {
  flight?: string;
  eventType?: string;
  /** The webhook-id / message id. */
  messageId?: string;
}

/** A message's attributes from its envelope; flight as `LH400/2026-12-01`. */
export function eventSpanAttributes(event: {
  id: string;
  type: string;
  flight?: { carrier: string; flightNumber: string; date: string };
}): MessageSpanAttributes {
  const { flight } = event;
  return {
    flight: flight ? `${flight.carrier}${flight.flightNumber}/${flight.date}` : undefined,
    eventType: event.type,
    messageId: event.id,
  };
}

export interface AttemptSpanAttributes extends MessageSpanAttributes {
  webhookId: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface SpanOutcome {
  /** delivered, retry, dead, gone, ok, ...: recorded as flup.outcome. */
  outcome: string;
  httpStatus?: number;
  /** Marks the span status ERROR; implied by `error`. */
  failed?: boolean;
  error?: unknown;
  /** Known only at the end (e.g. the ingest span learns the flight once the envelope is built). */
  attributes?: MessageSpanAttributes;
}

export interface AttemptSpan {
  span: TelemetrySpan;
  /** The `traceparent` header value naming this attempt's span: the receiver's trace joins here. */
  traceparent: string;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** The root span of one message's trace, from MQTT receipt on. */
  startIngestSpan(attributes: MessageSpanAttributes): TelemetrySpan | undefined;
  /** A step inside a message's trace (Redis write, Flight Status call). */
  startChildSpan(
    parent: TelemetrySpan | undefined,
    name: string,
    attributes?: MessageSpanAttributes,
  ): TelemetrySpan | undefined;
  contextToCarrier(span: TelemetrySpan | undefined): TraceCarrier | undefined;
  /** A delivery attempt in the trace the carrier names; a new trace without one (older jobs). */
  startAttemptSpan(
    carrier: TraceCarrier | undefined,
    attributes: AttemptSpanAttributes,
  ): AttemptSpan | undefined;
  endSpan(span: TelemetrySpan | undefined, outcome?: SpanOutcome): void;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

export const telemetryOff: Telemetry = Object.freeze({
  enabled: false,
  startIngestSpan: () => undefined,
  startChildSpan: () => undefined,
  contextToCarrier: () => undefined,
  startAttemptSpan: () => undefined,
  endSpan: () => undefined,
  shutdown: () => Promise.resolve(),
});
