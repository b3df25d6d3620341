/**
 * Tracing of one ingest batch (only with tracing on): every traced message gets its own Redis
 * write child span around the batch's shared write, and its ingest span ends once the batch is
 * acked, carrying the attributes of the envelope built for it.
 */
import type { EventEnvelope, JobEntry } from '../queue/index.js';
import {
  eventSpanAttributes,
  type MessageSpanAttributes,
  type Telemetry,
  type TelemetrySpan,
  type TraceCarrier,
} from '../telemetry/index.js';

export const REDIS_WRITE_SPAN = 'redis write';

/** The part of a pipeline item this needs (the pipeline's own type would make an import cycle). */
export interface TracedItem {
  message: { trace?: TraceCarrier };
  span?: TelemetrySpan;
}

interface MessageTrace {
  ingest: TelemetrySpan;
  write: TelemetrySpan | undefined;
  attributes: MessageSpanAttributes | undefined;
}

export class BatchTrace {
  readonly #telemetry: Telemetry;
  readonly #messages: MessageTrace[] = [];

  /** Starts the write spans; call just before the write. */
  constructor(telemetry: Telemetry, items: readonly TracedItem[], entries: readonly JobEntry[]) {
    this.#telemetry = telemetry;
    // Every job of a message holds the same carrier object: it finds the message's envelope.
    const events = new Map<TraceCarrier, EventEnvelope>();
    for (const entry of entries) if (entry.data.trace) events.set(entry.data.trace, entry.data.event);
    for (const item of items) {
      if (!item.span) continue;
      const event = item.message.trace && events.get(item.message.trace);
      const attributes = event && eventSpanAttributes(event);
      const write = telemetry.startChildSpan(item.span, REDIS_WRITE_SPAN, attributes);
      this.#messages.push({ ingest: item.span, write, attributes });
    }
  }

  /** stored false: the pipeline gave up on the write (closing); the broker redelivers. */
  endWrites(stored: boolean): void {
    const outcome = stored ? { outcome: 'stored' } : { outcome: 'not-stored', failed: true };
    for (const message of this.#messages) this.#telemetry.endSpan(message.write, outcome);
  }

  endMessages(stored: boolean): void {
    for (const { ingest, attributes } of this.#messages) {
      const outcome = !stored ? 'not-stored' : attributes ? 'routed' : 'unrouted';
      this.#telemetry.endSpan(ingest, { outcome, failed: !stored, attributes });
    }
  }
}
