/**
 * The flightStatus enricher: before a delivery, fetch the Flight Status resource the notification
 * links to and put its flights into the envelope. One call per URL per cacheTtl however many
 * notifications, webhooks, workers and processes want it (Redis cache + per-URL lock, and one
 * promise per URL inside a process); calls stay under a global rate limit; faults make the
 * delivery wait (DeferDelivery, no attempt spent) up to enrichment.maxWait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { errorCause, LogOnce, scrub, type Metrics, type SecretRegistry } from '../../core/index.js';
import type { TokenProvider } from '../../auth/index.js';
import type { Clock } from '../../core/index.js';
import type { EnrichmentConfig, WebhookConfig } from '../../config/index.js';
import type { Logger } from '../../core/index.js';
import type { RedisClient } from '../../redis/index.js';
import { EnrichmentRateLimit } from './enrichment-rate-limit.js';
import { faultDelay, fetchFlightStatus, GLOBAL_FAULTS } from './flight-status-fetch.js';
import { FlightStatusStore, GLOBAL, type CachedAnswer } from './flight-status-store.js';
import { relatedLink } from './related-link.js';
import { checkFlightStatusLink } from './flight-status-link.js';
import { DeferDelivery, type Enricher, type EventEnvelope } from '../../queue/index.js';
import {
  eventSpanAttributes,
  type SpanOutcome,
  type Telemetry,
  type TelemetrySpan,
} from '../../telemetry/index.js';

export interface FlightStatusEnricherOptions {
  enrichment: EnrichmentConfig;
  /** source.lufthansa.apiBase: the only origin the API token is sent to. */
  apiBase: string;
  redis: RedisClient;
  /** redis.prefix */
  prefix: string;
  apiToken: TokenProvider;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** With tracing on: the lookup is a child span of the delivery attempt. */
  telemetry?: Telemetry;
  /** Secret values scrubbed from flightStatusError (as from log lines). */
  secrets?: SecretRegistry;
  /** HTTP client for the calls; by default the enricher owns an undici Agent (closed by close()). */
  dispatcher?: Dispatcher;
  /** How often a worker waiting for another's call looks at the cache. */
  pollIntervalMs?: number;
}

type Resolution =
  | { kind: 'answer'; answer: CachedAnswer; fromCache: boolean }
  | { kind: 'wait'; reason: string; delayMs: number };

/** A lock owner waits in place for the rate limit this long; longer waits defer the delivery. */
const MAX_INLINE_RATE_WAIT_MS = 1000;
const MIN_DEFER_MS = 100;
const MAX_DEFER_MS = 60_000;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export const FLIGHT_STATUS_SPAN = 'flight-status lookup';

function lookupOutcome(event: EventEnvelope): SpanOutcome {
  return event.flightStatusError === undefined ? { outcome: 'ok' } : { outcome: 'no-status', failed: true };
}

function withoutStatus(event: EventEnvelope): EventEnvelope {
  const { flightStatus: _s, flightStatusFetchedAt: _f, flightStatusError: _e, ...rest } = event;
  return rest;
}

export class FlightStatusEnricher implements Enricher {
  readonly #options: FlightStatusEnricherOptions;
  readonly #apiOrigin: string;
  readonly #store: FlightStatusStore;
  readonly #rateLimit: EnrichmentRateLimit;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #lockTtlMs: number;
  readonly #pollMs: number;
  readonly #inflight = new Map<string, Promise<Resolution>>();
  /** Repeated failures (an outage, a Redis refusing, many unknown flights): one line per cause. */
  readonly #failures: LogOnce;
  readonly #errorAnswers: LogOnce;

  constructor(options: FlightStatusEnricherOptions) {
    this.#options = options;
    this.#apiOrigin = new URL(options.apiBase).origin;
    this.#store = new FlightStatusStore(options.redis, options.prefix);
    this.#rateLimit = new EnrichmentRateLimit({
      redis: options.redis,
      prefix: options.prefix,
      perSecond: options.enrichment.ratePerSecond,
      perHour: options.enrichment.ratePerHour,
    });
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher = options.dispatcher ?? new Agent({ connections: 16 });
    this.#failures = new LogOnce({ logger: options.logger, clock: options.clock });
    this.#errorAnswers = new LogOnce({ logger: options.logger, clock: options.clock, level: 'info' });
    // Covers a call, its 401 retry and a rate-limit wait; if the holder dies the lock just expires.
    this.#lockTtlMs = 2 * options.enrichment.timeout + MAX_INLINE_RATE_WAIT_MS + 5000;
    this.#pollMs = options.pollIntervalMs ?? 50;
  }

  async enrich(
    event: EventEnvelope,
    webhook: WebhookConfig,
    firstTriedAt: number,
    parent?: TelemetrySpan,
  ): Promise<EventEnvelope> {
    if (!webhook.enrich.includes('flightStatus')) return event;
    const stopTimer = this.#options.metrics.enrichmentSeconds.startTimer();
    const telemetry = this.#options.telemetry;
    // The lookup (shared cache, lock, rate limit, the call) as a child of the attempt span.
    const span = parent && telemetry?.startChildSpan(parent, FLIGHT_STATUS_SPAN, eventSpanAttributes(event));
    try {
      const enriched = await this.#enrich(event, firstTriedAt);
      if (span) telemetry!.endSpan(span, lookupOutcome(enriched));
      return enriched;
    } catch (err) {
      if (span)
        telemetry!.endSpan(
          span,
          err instanceof DeferDelivery ? { outcome: 'deferred' } : { outcome: 'error', error: err },
        );
      throw err;
    } finally {
      stopTimer();
    }
  }

  /** Closes the HTTP agent the enricher created (not one passed in). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #enrich(event: EventEnvelope, firstTriedAt: number): Promise<EventEnvelope> {
    const link = event.dataEncoding === 'json' ? relatedLink(event.data) : undefined;
    if (!link)
      return {
        ...withoutStatus(event),
        flightStatusError: 'the notification has no Meta.Link with @Rel "related": nothing to fetch',
      };
    const checked = checkFlightStatusLink(link, this.#options.apiBase);
    if (checked.kind === 'foreign') return this.#refuseForeign(event, checked.url);
    if (checked.kind === 'refused') return this.#withError(event, checked.reason);
    const { url } = checked;

    const resolution = await this.#resolveShared(url.href, freshnessFloor(event));
    if (resolution.kind === 'wait')
      return this.#waitOrGiveUp(event, firstTriedAt, resolution.reason, resolution.delayMs);
    if (resolution.fromCache) this.#options.metrics.enrichmentCacheHits.inc();
    const { answer } = resolution;
    return 'flights' in answer
      ? { ...withoutStatus(event), flightStatus: answer.flights, flightStatusFetchedAt: answer.fetchedAt }
      : this.#withError(event, answer.error);
  }

  /** The API token goes to apiBase's origin only: a link elsewhere is reported, never fetched. */
  #refuseForeign(event: EventEnvelope, url: URL): EventEnvelope {
    const apiHost = new URL(this.#apiOrigin).host;
    this.#failures.report(
      `foreign-link ${url.origin}`,
      { host: url.host, origin: url.origin, apiOrigin: this.#apiOrigin, topic: event.topic },
      `related link points at ${url.host}, not at the API host ${apiHost}: not fetched (the API token is only sent to ${this.#apiOrigin})`,
    );
    return this.#withError(
      event,
      `the related link points at ${url.origin}, not at the Lufthansa API (${this.#apiOrigin}): not fetched, so that the API token is not sent elsewhere`,
    );
  }

  /** The event with flightStatusError, scrubbed of every secret like a log line (it goes to receivers). */
  #withError(event: EventEnvelope, error: string): EventEnvelope {
    const secrets = this.#options.secrets?.values() ?? [];
    return { ...withoutStatus(event), flightStatusError: scrub(error, secrets) };
  }

  #waitOrGiveUp(event: EventEnvelope, firstTriedAt: number, reason: string, delayMs: number): EventEnvelope {
    const { maxWait, onError } = this.#options.enrichment;
    const waited = this.#options.clock.now() - firstTriedAt;
    let delay = delayMs;
    if (onError === 'deliver') {
      if (waited >= maxWait) {
        return this.#withError(
          event,
          `${reason}; delivered without the flight status after waiting ${Math.round(waited / 1000)} s (enrichment.maxWait)`,
        );
      }
      // Come back no later than maxWait so the give-up happens on time.
      delay = Math.min(delay, maxWait - waited);
    }
    throw new DeferDelivery(
      Math.round(clamp(delay, MIN_DEFER_MS, MAX_DEFER_MS)),
      `waiting for the flight status: ${reason}`,
    );
  }

  /** One resolution per URL at a time inside this process; the Redis lock does it across processes. */
  #resolveShared(url: string, notBefore: number): Promise<Resolution> {
    const key = `${url} ${notBefore}`;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#resolve(url, notBefore)
        .catch((err: Error): Resolution => {
          const cause = errorCause(err);
          this.#failures.report(
            `lookup ${cause}`,
            { err, url },
            `flight status lookup failed (Redis: ${cause}); the delivery waits`,
          );
          return { kind: 'wait', reason: `flight status lookup failed: ${err.message}`, delayMs: 2000 };
        })
        .finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #resolve(url: string, notBefore: number): Promise<Resolution> {
    const maxPolls = Math.ceil(this.#lockTtlMs / this.#pollMs) + 1;
    for (let poll = 0; ; poll++) {
      const cached = await this.#store.getAnswer(url);
      if (isFresh(cached, notBefore)) return { kind: 'answer', answer: cached, fromCache: true };
      const fault = await this.#store.getFault(url);
      if (fault) return { kind: 'wait', reason: fault.reason, delayMs: fault.remainingMs };
      if (await this.#store.lock(url, this.#lockTtlMs)) {
        try {
          return await this.#fetchHoldingLock(url, notBefore);
        } finally {
          await this.#store.unlock(url).catch(() => undefined);
        }
      }
      // Another worker (here or in another process) is calling this URL: wait for its answer.
      if (poll >= maxPolls) {
        return {
          kind: 'wait',
          reason: `another worker's call to ${new URL(url).host} has not finished`,
          delayMs: 1000,
        };
      }
      await sleep(this.#pollMs);
    }
  }

  async #fetchHoldingLock(url: string, notBefore: number): Promise<Resolution> {
    // The previous holder may have stored the answer between our cache check and our lock.
    const cached = await this.#store.getAnswer(url);
    if (isFresh(cached, notBefore)) return { kind: 'answer', answer: cached, fromCache: true };

    // After an API-wide fault one call at a time finds out whether the API is back.
    const probation = await this.#store.probation();
    if (probation !== undefined && !(await this.#store.takeProbe(this.#lockTtlMs))) {
      return {
        kind: 'wait',
        reason: `${probation} (another worker is checking whether the API is back)`,
        delayMs: 1000,
      };
    }
    try {
      return await this.#rateLimitedFetch(url);
    } finally {
      if (probation !== undefined) await this.#store.releaseProbe().catch(() => undefined);
    }
  }

  async #rateLimitedFetch(url: string): Promise<Resolution> {
    const { enrichment, metrics, clock, apiToken } = this.#options;
    for (let waited = 0; ;) {
      const waitMs = await this.#rateLimit.take();
      if (waitMs === 0) break;
      metrics.enrichmentRateLimited.inc();
      if (waited + waitMs > MAX_INLINE_RATE_WAIT_MS) {
        return {
          kind: 'wait',
          reason: `Flight Status rate limit reached (enrichment.ratePerSecond ${enrichment.ratePerSecond}, ratePerHour ${enrichment.ratePerHour})`,
          delayMs: waitMs,
        };
      }
      await sleep(waitMs);
      waited += waitMs;
      // A call made meanwhile may have found the API refusing: then do not add to it.
      const fault = await this.#store.getFault(url);
      if (fault) return { kind: 'wait', reason: fault.reason, delayMs: fault.remainingMs };
    }

    // The answer is as new as the request, not its arrival: freshness compares with this.
    const requestedAt = clock.now();
    const outcome = await fetchFlightStatus(url, {
      apiToken,
      dispatcher: this.#dispatcher,
      timeoutMs: enrichment.timeout,
    });
    metrics.enrichmentCalls.inc({ outcome: outcome.kind === 'ok' ? 'ok' : outcome.outcome });
    const fetchedAt = new Date(requestedAt).toISOString();
    // An answer (even a 404) means the API is reachable and accepts our calls again.
    if (outcome.kind !== 'fault') await this.#store.endProbation();
    if (outcome.kind === 'ok') {
      const answer = { flights: outcome.flights, fetchedAt };
      await this.#store.putAnswer(url, answer, enrichment.cacheTtl);
      return { kind: 'answer', answer, fromCache: false };
    }
    if (outcome.kind === 'error') {
      // Asking again soon would get the same answer: cache it like a success.
      this.#errorAnswers.report(outcome.outcome, { url, outcome: outcome.outcome }, outcome.message);
      const answer = { error: outcome.message, fetchedAt };
      await this.#store.putAnswer(url, answer, enrichment.cacheTtl);
      return { kind: 'answer', answer, fromCache: false };
    }
    const delayMs = clamp(faultDelay(outcome), 250, MAX_DEFER_MS);
    this.#failures.report(
      `fault ${outcome.outcome}`,
      { url, outcome: outcome.outcome, delayMs },
      `${outcome.message}; flight status calls pause for ${delayMs} ms`,
    );
    await this.#store.putFault(GLOBAL_FAULTS.has(outcome.outcome) ? GLOBAL : url, outcome.message, delayMs);
    return { kind: 'wait', reason: outcome.message, delayMs };
  }
}

/**
 * A cached status may serve a notification only if it was requested after we received the
 * notification, else a gate change could be delivered with the old gate. Our receipt time, not
 * Update.Timestamp: that one has whole seconds and another machine's clock.
 */
function freshnessFloor(event: EventEnvelope): number {
  const received = Date.parse(event.receivedAt);
  return Number.isNaN(received) ? 0 : received;
}

function isFresh(answer: CachedAnswer | undefined, notBefore: number): answer is CachedAnswer {
  return answer !== undefined && Date.parse(answer.fetchedAt) >= notBefore;
}
