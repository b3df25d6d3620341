/**
 * Delivers one message to one webhook: dead-letters rejected and stale messages, waits (without
 * spending an attempt) while the endpoint is disabled or its breaker is open or the enricher
 * defers, signs and POSTs, and turns the answer into done / retry / dead letter / disable.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { WebhookConfig } from '../config/index.js';
import type { Metrics } from '../core/index.js';
import type { Logger, SecretRegistry } from '../core/index.js';
import type { Clock } from '../core/index.js';
import type { TokenProvider } from '../auth/index.js';
import { DeferDelivery, type Enricher } from '../queue/index.js';
import type { EndpointState, Gate, Transition } from './endpoint-state.js';
import { NetworkError, type HttpClients, type HttpResponse } from './http.js';
import { classifyStatus, type Verdict } from './outcome.js';
import { buildBody, buildHeaders, type RequestBody } from './request.js';
import { retryDelay } from './retry-delay.js';
import type { Slots } from './slots.js';
import {
  DeadLetterError,
  RetryableDeliveryError,
  type DeliveryFailure,
  type StoredJobData,
} from './failure.js';
import { type EventEnvelope } from '../queue/index.js';

/** A disabled endpoint's worker looks again this often (so `enable` takes effect soon). */
export const DISABLED_RECHECK_MS = 5000;

export interface ProcessorOptions {
  webhook: WebhookConfig;
  http: HttpClients;
  state: EndpointState;
  /** Pauses the whole queue (all worker processes) for a while: BullMQ's queue rate limit. */
  rateLimit(ms: number): Promise<void>;
  tokenProvider?: TokenProvider;
  enricher?: Enricher;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  secrets: SecretRegistry;
  userAgent: string;
  /** How long one probe may hold the half-open breaker before another job may probe. */
  probeLeaseMs: number;
  /** Requests in flight to this webhook in this process (webhook.concurrency). */
  slots: Slots;
}

type Failure = Omit<DeliveryFailure, 'attempts' | 'at'>;

/** What one try came to; process() and firstAttempt() turn it into BullMQ actions or a handoff. */
type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  /** The endpoint is disabled or its breaker open: try later, no attempt spent. */
  | { kind: 'wait'; ms: number }
  | { kind: 'defer'; error: DeferDelivery }
  | { kind: 'retry'; failure: Failure; retryAfterMs?: number }
  | { kind: 'dead'; failure: Failure };

/** A message leaving its batch job to continue as a job of its own after `delayMs`. */
export interface Handoff {
  data: StoredJobData;
  delayMs: number;
}

export class WebhookProcessor {
  readonly #options: ProcessorOptions;
  readonly #log: Logger;
  readonly #labels: { webhook: string };

  /** prom-client children for the per-delivery series: no label hashing per message. */
  readonly #deliveryMetrics: {
    delivered: { inc(): void };
    deliverySeconds: { observe(value: number): void };
    endToEndSeconds: { observe(value: number): void };
  };

  constructor(options: ProcessorOptions) {
    this.#options = options;
    this.#log = options.logger.child({ webhook: options.webhook.id });
    this.#labels = { webhook: options.webhook.id };
    const { metrics } = options;
    this.#deliveryMetrics = {
      delivered: metrics.deliveries.labels({ ...this.#labels, outcome: 'delivered' }),
      deliverySeconds: metrics.deliverySeconds.labels(this.#labels),
      endToEndSeconds: metrics.endToEndSeconds.labels(this.#labels),
    };
  }

  /** A job of its own: maps the attempt's outcome onto BullMQ (done, delayed, retry, failed). */
  async process(job: Job<StoredJobData>, token?: string): Promise<{ status: number }> {
    const data = job.data;
    const now = this.#options.clock.now();
    const final = this.#finalBeforeSending(data, now);
    if (final) return this.#deadLetter(job, final, job.attemptsMade + (data.priorAttempts ?? 0));

    const outcome = await this.#options.slots.run(() => this.#attempt(data, now));
    switch (outcome.kind) {
      case 'delivered':
        return { status: outcome.status };
      case 'wait':
        return this.#wait(outcome.ms);
      case 'defer':
        return this.#defer(job, token, outcome.error, now);
      case 'retry':
        return this.#retry(job, outcome.failure, outcome.retryAfterMs);
      case 'dead':
        return this.#deadLetter(job, outcome.failure);
    }
  }

  /**
   * A message's first attempt inside a batch job. Delivered: done. Anything else: the message is
   * handed off as a job of its own that carries on exactly as if it had been one from the start
   * (the attempt counted, the backoff or deferral as its delay, a final answer dead-letters it).
   */
  async firstAttempt(data: StoredJobData): Promise<'delivered' | Handoff> {
    const { webhook, clock } = this.#options;
    const now = clock.now();
    // Rejected and stale messages: the job of their own dead-letters them with the reason.
    if (this.#finalBeforeSending(data, now)) return { data, delayMs: 0 };

    const outcome = await this.#attempt(data, now);
    switch (outcome.kind) {
      case 'delivered':
        return 'delivered';
      case 'wait':
        return { data, delayMs: outcome.ms };
      case 'defer':
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'deferred' });
        return { data: { ...data, firstTriedAt: data.firstTriedAt ?? now }, delayMs: outcome.error.delayMs };
      case 'retry': {
        const attempts = (data.priorAttempts ?? 0) + 1;
        if (attempts >= webhook.retry.attempts) {
          const deadLetter = exhausted(outcome.failure, attempts);
          return { data: { ...data, priorAttempts: attempts, deadLetter }, delayMs: 0 };
        }
        this.#options.metrics.retries.inc(this.#labels);
        const failure = this.#failureRecord({ ...outcome.failure, reason: 'retrying' }, attempts);
        const delayMs = retryDelay(webhook.retry, attempts, outcome.retryAfterMs);
        return { data: { ...data, priorAttempts: attempts, failure }, delayMs };
      }
      case 'dead':
        return {
          data: { ...data, priorAttempts: (data.priorAttempts ?? 0) + 1, deadLetter: outcome.failure },
          delayMs: 0,
        };
    }
  }

  /** Why a message is dead-lettered without a request: rejected at ingest, too old, or decided. */
  #finalBeforeSending(data: StoredJobData, now: number): Failure | undefined {
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

  /** One try: gate (disabled, breaker), enrichment, the signed POST, and what the answer means. */
  async #attempt(data: StoredJobData, now: number): Promise<AttemptOutcome> {
    const { webhook, clock } = this.#options;
    const pendingGate = this.#options.state.gate(now, this.#options.probeLeaseMs);
    const gate = pendingGate instanceof Promise ? await pendingGate : pendingGate;
    if (gate.kind === 'disabled') return { kind: 'wait', ms: DISABLED_RECHECK_MS };
    if (gate.kind === 'wait') return { kind: 'wait', ms: gate.ms };
    if (gate.probe) this.#log.info('circuit half-open: sending one probe request');

    let event: EventEnvelope = data.event;
    try {
      if (this.#options.enricher && webhook.enrich.length > 0) {
        event = await this.#options.enricher.enrich(event, webhook, data.firstTriedAt ?? now);
      }
    } catch (err) {
      if (!(err instanceof DeferDelivery)) throw err;
      if (gate.probe) await this.#options.state.releaseProbe();
      return { kind: 'defer', error: err };
    }

    const body = buildBody(webhook, data, event);
    let response: HttpResponse;
    try {
      response = await this.#send(event.id, body);
    } catch (err) {
      if (err instanceof NetworkError) {
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'retry' });
        await this.#recordBreaker(gate, false);
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
          reason: `410 Gone from ${webhook.url}`,
          at: new Date(clock.now()).toISOString(),
          status: 410,
        });
        this.#options.metrics.webhookDisabled.set(this.#labels, 1);
        this.#log.warn(
          { url: webhook.url },
          'endpoint answered 410 Gone: webhook disabled; its jobs wait until `enable` (admin API) re-enables it',
        );
        return {
          kind: 'dead',
          failure: { reason: 'gone', detail: `HTTP 410 from ${webhook.url}`, ...answered },
        };
      }
      case 'retry': {
        this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'retry' });
        // A credential problem is not an endpoint outage: it does not count for the breaker.
        if (response.status !== 401) await this.#recordBreaker(gate, false);
        return {
          kind: 'retry',
          failure: { reason: 'status', detail: `HTTP ${response.status} from ${webhook.url}`, ...answered },
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
            : `HTTP ${response.status} from ${webhook.url}`;
        return { kind: 'dead', failure: { reason: verdict.reason, detail, ...answered } };
      }
    }
  }

  /** POSTs once; a 401 with a token provider drops the token and tries once more at once. */
  #send(id: string, body: RequestBody): Promise<HttpResponse> {
    const { tokenProvider } = this.#options;
    // Without a token provider: no async wrapper around the request (the hot path).
    return tokenProvider ? this.#sendWithToken(id, body, tokenProvider) : this.#post(id, body);
  }

  #post(id: string, body: RequestBody, authorization?: string): Promise<HttpResponse> {
    const { webhook } = this.#options;
    const headers = buildHeaders(webhook, {
      id,
      timestampSec: Math.floor(this.#options.clock.now() / 1000),
      body,
      userAgent: this.#options.userAgent,
      authorization,
    });
    return this.#options.http.post(webhook, { headers, body: body.content });
  }

  async #sendWithToken(id: string, body: RequestBody, tokenProvider: TokenProvider): Promise<HttpResponse> {
    const first = await this.#post(id, body, await this.#authorization(tokenProvider));
    if (first.status !== 401) return first;
    this.#log.info(
      { provider: tokenProvider.id },
      'endpoint answered 401: fetching a new token and retrying once',
    );
    tokenProvider.invalidate();
    const second = await this.#post(id, body, await this.#authorization(tokenProvider));
    if (second.status === 401)
      this.#log.warn({ provider: tokenProvider.id }, 'endpoint refused a fresh token (401)');
    return second;
  }

  async #authorization(provider: TokenProvider): Promise<string> {
    try {
      const value = await provider.authorization();
      this.#options.secrets.add(value.replace(/^\S+\s+/, ''));
      return value;
    } catch (err) {
      throw new Error(`token provider "${provider.id}" failed: ${(err as Error).message}`);
    }
  }

  /** Undefined when there is nothing to write: a success while closed with no failures (the common path). */
  #recordBreaker(gate: Extract<Gate, { kind: 'go' }>, ok: boolean): Promise<void> | undefined {
    if (ok && !gate.probe && gate.failures === 0) return undefined;
    return this.#options.state
      .record(ok, this.#options.clock.now(), this.#options.webhook.breaker)
      .then((t) => this.#onTransition(t));
  }

  #onTransition(t: Transition): void {
    if (t.from === t.to) return;
    if (t.to === 'open') {
      this.#options.metrics.breakerOpen.set(this.#labels, 1);
      this.#log.warn(
        { cooldownMs: t.cooldownMs },
        `circuit opened: no requests to ${this.#options.webhook.url} for ${t.cooldownMs} ms`,
      );
    } else if (t.to === 'closed') {
      this.#options.metrics.breakerOpen.set(this.#labels, 0);
      this.#log.info('circuit closed: endpoint answers again');
    }
  }

  /** Pause the queue and hand the job back without spending an attempt. */
  async #wait(ms: number): Promise<never> {
    await this.#options.rateLimit(ms);
    throw Worker.RateLimitError();
  }

  async #defer(
    job: Job<StoredJobData>,
    token: string | undefined,
    err: DeferDelivery,
    now: number,
  ): Promise<never> {
    if (job.data.firstTriedAt === undefined) await job.updateData({ ...job.data, firstTriedAt: now });
    this.#options.metrics.deliveries.inc({ ...this.#labels, outcome: 'deferred' });
    this.#log.debug({ jobId: job.id, delayMs: err.delayMs, reason: err.reason }, 'delivery deferred');
    // moveToDelayed skips the attempt count (BullMQ: skipAttempt), unlike a thrown error.
    await job.moveToDelayed(now + err.delayMs, token);
    throw new DelayedError();
  }

  async #retry(job: Job<StoredJobData>, failure: Failure, retryAfterMs?: number): Promise<never> {
    const attempts = job.attemptsMade + 1 + (job.data.priorAttempts ?? 0);
    if (attempts >= (job.opts.attempts ?? 1)) return this.#deadLetter(job, exhausted(failure, attempts));
    await this.#store(job, { ...failure, reason: 'retrying' }, attempts);
    this.#options.metrics.retries.inc(this.#labels);
    this.#log.debug({ jobId: job.id, attempts, detail: failure.detail }, 'delivery failed, will retry');
    throw new RetryableDeliveryError(failure.detail, retryAfterMs, attempts);
  }

  async #deadLetter(
    job: Job<StoredJobData>,
    failure: Failure,
    attempts = job.attemptsMade + 1 + (job.data.priorAttempts ?? 0),
  ): Promise<never> {
    await this.#store(job, failure, attempts);
    this.#options.metrics.deadLetters.inc({ ...this.#labels, reason: failure.reason });
    this.#log.warn(
      { jobId: job.id, reason: failure.reason, status: failure.status, attempts },
      `dead-lettered: ${failure.detail} (see: flup-bridge dlq list --webhook ${this.#options.webhook.id})`,
    );
    throw new DeadLetterError(failure.reason, failure.detail);
  }

  async #store(job: Job<StoredJobData>, failure: Failure, attempts: number): Promise<void> {
    await job.updateData({ ...job.data, failure: this.#failureRecord(failure, attempts) });
  }

  #failureRecord(failure: Failure, attempts: number): DeliveryFailure {
    return { ...failure, attempts, at: new Date(this.#options.clock.now()).toISOString() };
  }
}

function exhausted(failure: Failure, attempts: number): Failure {
  return { ...failure, reason: 'exhausted', detail: `${attempts} attempts; last: ${failure.detail}` };
}
