/**
 * One try of one message at one webhook: the endpoint's gate (disabled, breaker), enrichment, the
 * signed POST, and what the answer means (delivered / wait / defer / retry / dead, 410 disables),
 * with the breaker and the per-delivery metrics updated. The WebhookProcessor maps the outcome
 * onto BullMQ or a batch handoff.
 */
import type { WebhookConfig } from '../config/index.js';
import { maskUrl } from '../config/index.js';
import type { Clock, Logger, Metrics } from '../core/index.js';
import type { TokenProvider } from '../auth/index.js';
import { DeferDelivery, type Enricher, type EventEnvelope } from '../queue/index.js';
import type { EndpointState, Gate, Transition } from './endpoint-state.js';
import { NetworkError, type HttpResponse } from './http.js';
import { classifyStatus, type Verdict } from './outcome.js';
import { buildBody } from './request.js';
import type { WebhookSender } from './sender.js';
import type { DeliveryFailure, StoredJobData } from './failure.js';
import type { AttemptSpan, Telemetry } from '../telemetry/index.js';
import { endAttemptSpan, startAttemptSpan } from './attempt-trace.js';

/** A disabled endpoint's worker looks again this often (so `enable` takes effect soon). */
export const DISABLED_RECHECK_MS = 5000;

export type Failure = Omit<DeliveryFailure, 'attempts' | 'at'>;

/** What one try came to; process() and firstAttempt() turn it into BullMQ actions or a handoff. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  /** The endpoint is disabled or its breaker open: try later, no attempt spent. */
  | { kind: 'wait'; ms: number }
  | { kind: 'defer'; error: DeferDelivery }
  | { kind: 'retry'; failure: Failure; retryAfterMs?: number }
  | { kind: 'dead'; failure: Failure };

export interface AttemptOptions {
  webhook: WebhookConfig;
  state: EndpointState;
  sender: WebhookSender;
  tokenProvider?: TokenProvider;
  enricher?: Enricher;
  metrics: Metrics;
  clock: Clock;
  /** How long one probe may hold the half-open breaker before another job may probe. */
  probeLeaseMs: number;
  /** The webhook's logger. */
  log: Logger;
  /** With tracing on: one span per attempt, named by the request's traceparent header. */
  telemetry?: Telemetry;
}

export class DeliveryAttempt {
  readonly #options: AttemptOptions;
  readonly #sender: WebhookSender;
  readonly #log: Logger;
  readonly #labels: { webhook: string };

  /** prom-client children for the per-delivery series: no label hashing per message. */
  readonly #deliveryMetrics: {
    delivered: { inc(): void };
    deliverySeconds: { observe(value: number): void };
    endToEndSeconds: { observe(value: number): void };
  };

  constructor(options: AttemptOptions) {
    this.#options = options;
    this.#sender = options.sender;
    this.#log = options.log;
    this.#labels = { webhook: options.webhook.id };
    const { metrics } = options;
    this.#deliveryMetrics = {
      delivered: metrics.deliveries.labels({ ...this.#labels, outcome: 'delivered' }),
      deliverySeconds: metrics.deliverySeconds.labels(this.#labels),
      endToEndSeconds: metrics.endToEndSeconds.labels(this.#labels),
    };
  }

  /** Why a message is dead-lettered without a request: rejected at ingest, too old, or decided. */
  finalBeforeSending(data: StoredJobData, now: number): Failure | undefined {
    if (data.reject) return { reason: data.reject, detail: `rejected at ingest: ${data.reject}` };
    if (data.deadLetter) return data.deadLetter;
    const since = Math.max(
      Date.parse(data.event.receivedAt) || 0,
      data.replayedAt ? Date.parse(data.replayedAt) : 0,
    );
    if (now - since > this.#options.webhook.maxAge) {
      return {
        reason: 'stale',
        detail: `received ${data.event.receivedAt}, older than maxAge ${this.#options.webhook.maxAge} ms`,
      };
    }
    return undefined;
  }

  /**
   * One try: gate (disabled, breaker), enrichment, the signed POST, and what the answer means.
   * `attempt`: its number (1 = first), for the trace.
   */
  async run(
    data: StoredJobData,
    now: number,
    attempt = (data.priorAttempts ?? 0) + 1,
  ): Promise<AttemptOutcome> {
    const pendingGate = this.#options.state.gate(now, this.#options.probeLeaseMs);
    const gate = pendingGate instanceof Promise ? await pendingGate : pendingGate;
    if (gate.kind === 'disabled') return { kind: 'wait', ms: DISABLED_RECHECK_MS };
    if (gate.kind === 'wait') return { kind: 'wait', ms: gate.ms };
    if (gate.probe) this.#log.info('circuit half-open: sending one probe request');
    const telemetry = this.#options.telemetry;
    // `return await`: one microtask turn, where returning the promise of an async function costs three.
    if (!telemetry?.enabled) return await this.#tryOnce(data, now, gate);
    const traced = startAttemptSpan(telemetry, this.#options.webhook.id, data, attempt);
    try {
      const outcome = await this.#tryOnce(data, now, gate, traced);
      endAttemptSpan(telemetry, traced, outcome);
      return outcome;
    } catch (err) {
      telemetry.endSpan(traced?.span, { outcome: 'error', error: err });
      throw err;
    }
  }

  /** After the gate let the message through; `traced`: the attempt's span, with tracing on. */
  async #tryOnce(
    data: StoredJobData,
    now: number,
    gate: Extract<Gate, { kind: 'go' }>,
    traced?: AttemptSpan,
  ): Promise<AttemptOutcome> {
    const { webhook, clock } = this.#options;

    let event: EventEnvelope = data.event;
    try {
      if (this.#options.enricher && webhook.enrich.length > 0) {
        event = await this.#options.enricher.enrich(event, webhook, data.firstTriedAt ?? now, traced?.span);
      }
    } catch (err) {
      if (!(err instanceof DeferDelivery)) throw err;
      if (gate.probe) await this.#options.state.releaseProbe();
      return { kind: 'defer', error: err };
    }

    const body = buildBody(webhook, data, event);
    let response: HttpResponse;
    try {
      response = await this.#sender.send(event.id, body, traced?.traceparent);
    } catch (err) {
      if (err instanceof NetworkError) {
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'retry' });
        await this.#recordBreaker(gate, false, err.message);
        return { kind: 'retry', failure: { reason: 'network', detail: err.message } };
      }
      if (gate.probe) await this.#options.state.releaseProbe();
      return { kind: 'retry', failure: { reason: 'auth', detail: (err as Error).message } };
    }

    this.#deliveryMetrics.deliverySeconds.observe(response.durationMs / 1000);
    // A 401 that survives a fresh token is retried: the provider may recover (or need a login).
    const verdict =
      response.status === 401 && this.#options.tokenProvider
        ? ({ kind: 'retry' } as Verdict)
        : classifyStatus(response.status, response.headers['retry-after'], clock.now());
    const answered = { status: response.status, body: response.body };
    switch (verdict.kind) {
      case 'delivered': {
        this.#deliveryMetrics.delivered.inc();
        const receivedAt = Date.parse(data.event.receivedAt);
        if (receivedAt) this.#deliveryMetrics.endToEndSeconds.observe((clock.now() - receivedAt) / 1000);
        const recording = this.#recordBreaker(gate, true);
        if (recording) await recording;
        return { kind: 'delivered', status: response.status };
      }
      case 'gone': {
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'gone' });
        await this.#recordBreaker(gate, true);
        await this.#options.state.disable({
          reason: `410 Gone from ${maskUrl(webhook.url)}`,
          at: new Date(clock.now()).toISOString(),
          status: 410,
        });
        this.#options.metrics.webhookDisabled.set(this.#labels, 1);
        this.#log.warn(
          { url: maskUrl(webhook.url) },
          'endpoint answered 410 Gone: webhook disabled; its jobs wait until `enable` (admin API) re-enables it',
        );
        return {
          kind: 'dead',
          failure: { reason: 'gone', detail: `HTTP 410 from ${maskUrl(webhook.url)}`, ...answered },
        };
      }
      case 'retry': {
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'retry' });
        // A credential problem is not an endpoint outage: it does not count for the breaker.
        if (response.status !== 401) await this.#recordBreaker(gate, false, `HTTP ${response.status}`);
        return {
          kind: 'retry',
          failure: {
            reason: 'status',
            detail: `HTTP ${response.status} from ${maskUrl(webhook.url)}`,
            ...answered,
          },
          retryAfterMs: verdict.retryAfterMs,
        };
      }
      case 'dead': {
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'dead' });
        await this.#recordBreaker(gate, true);
        const location = response.headers.location;
        const detail =
          verdict.reason === 'redirect'
            ? `HTTP ${response.status} redirect${location ? ` to ${location}` : ''} not followed; fix the webhook url`
            : `HTTP ${response.status} from ${maskUrl(webhook.url)}`;
        return { kind: 'dead', failure: { reason: verdict.reason, detail, ...answered } };
      }
    }
  }

  /**
   * Undefined when there is nothing to write: a success while closed with no failures (the common
   * path). lastError: why this attempt failed, named in the line when the breaker opens.
   */
  #recordBreaker(
    gate: Extract<Gate, { kind: 'go' }>,
    ok: boolean,
    lastError?: string,
  ): Promise<void> | undefined {
    if (ok && !gate.probe && gate.failures === 0) return undefined;
    return this.#options.state
      .record(ok, this.#options.clock.now(), this.#options.webhook.breaker)
      .then((t) => this.#onTransition(t, lastError));
  }

  #onTransition(t: Transition, lastError?: string): void {
    if (t.from === t.to) return;
    if (t.to === 'open') {
      this.#options.metrics.breakerOpen.set(this.#labels, 1);
      this.#log.warn(
        { cooldownMs: t.cooldownMs, lastError },
        `circuit opened: no requests to ${maskUrl(this.#options.webhook.url)} for ${t.cooldownMs} ms (last error: ${lastError ?? 'unknown'})`,
      );
    } else if (t.to === 'closed') {
      this.#options.metrics.breakerOpen.set(this.#labels, 0);
      this.#log.info('circuit closed: endpoint answers again');
    }
  }
}
