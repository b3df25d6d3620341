/**
 * Adds flight state to what the Flight Status enricher fetched, for webhooks with
 * `enrich: [flightStatus]`: the flat `flight` summary (with its `sequence`), the `changes` since
 * the flight's previous notification, `firstSeen` and `derivedEvents`. The changes are stored per
 * sequence (first writer wins), so every webhook, retry and replay of a notification gets the same.
 * The raw `flightStatus` stays.
 */
import type { WebhookConfig } from '../config/index.js';
import type { Enricher, EventEnvelope } from '../queue/index.js';
import { deriveEvents } from './derived-events.js';
import { checkFlightRef } from './keys.js';
import type { FlightStateStore } from './state-store.js';
import { summaryFromFlightStatus, type FlightRef } from './summary.js';

export interface FlightChangesEnricherOptions {
  /** The Flight Status enricher (sources/lufthansa). */
  inner: Enricher & { close?(): Promise<void> };
  store: FlightStateStore;
  /** events.delayThreshold in minutes. */
  delayThresholdMinutes: number;
}

export class FlightChangesEnricher implements Enricher {
  readonly #options: FlightChangesEnricherOptions;

  constructor(options: FlightChangesEnricherOptions) {
    this.#options = options;
  }

  async enrich(event: EventEnvelope, webhook: WebhookConfig, firstTriedAt: number): Promise<EventEnvelope> {
    const enriched = await this.#options.inner.enrich(event, webhook, firstTriedAt);
    const sequence = event.flight?.sequence;
    if (!webhook.enrich.includes('flightStatus') || sequence === undefined || !enriched.flightStatus)
      return enriched;
    const ref: FlightRef = {
      carrier: event.flight!.carrier,
      flightNumber: event.flight!.flightNumber,
      date: event.flight!.date,
    };
    checkFlightRef(ref);
    const summary = summaryFromFlightStatus(enriched.flightStatus, ref);
    // The answer holds no flight with this carrier and number: nothing to compare.
    if (!summary) return enriched;
    const stored = await this.#options.store.changesFor(ref, sequence, summary);
    const { derivedEvents } = deriveEvents(event.type, stored.changes, stored.summary, {
      delayThresholdMinutes: this.#options.delayThresholdMinutes,
    });
    return {
      ...enriched,
      flight: { ...stored.summary, sequence },
      changes: stored.changes,
      firstSeen: stored.firstSeen,
      derivedEvents,
    };
  }

  async close(): Promise<void> {
    await this.#options.inner.close?.();
  }
}
