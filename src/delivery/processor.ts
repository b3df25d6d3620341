/**
 * Delivers one message to one webhook: dead-letters rejected and stale messages, waits (without
 * spending an attempt) while the endpoint is disabled or its breaker is open or the enricher
 * defers, signs and POSTs (DeliveryAttempt), and turns the outcome into done / retry / dead letter
 * for BullMQ, or into a handoff for a message of a batch job.
 */
import { DelayedError, type Job } from 'bullmq';
import type { WebhookConfig } from '../config/index.js';
import type { Clock, Logger, Metrics, SecretRegistry } from '../core/index.js';
import type { TokenProvider } from '../auth/index.js';
import { type DeferDelivery, type Enricher } from '../queue/index.js';
import type { EndpointState } from './endpoint-state.js';
import type { HttpClients } from './http.js';
import { retryDelay } from './retry-delay.js';
import type { Slots } from './slots.js';
import {
  DeadLetterError,
  RetryableDeliveryError,
  type DeliveryFailure,
  type StoredJobData,
} from './failure.js';
import { DeliveryAttempt, type Failure } from './attempt.js';
import { WebhookSender } from './sender.js';
import type { FlightOrderGate } from './flight-order.js';
import type { Telemetry } from '../telemetry/index.js';
import { reportAttempt, type AttemptHook } from './attempt-report.js';

export { DISABLED_RECHECK_MS } from './attempt.js';

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
  /** `ordering: flight`: holds a flight's later events until the earlier ones are done. */
  orderGate?: FlightOrderGate;
  /** With tracing on: a span per attempt (see DeliveryAttempt). */
  telemetry?: Telemetry;
  /** Told about every attempt at a message of a flight that reached the endpoint (or failed trying). */
  onAttempt?: AttemptHook;
}

/** A message leaving its batch job to continue as a job of its own after `delayMs`. */
export interface Handoff {
  data: StoredJobData;
  delayMs: number;
}

export class WebhookProcessor {
  readonly #options: ProcessorOptions;
  readonly #log: Logger;
  readonly #labels: { webhook: string };
  readonly #attempt: DeliveryAttempt;

  constructor(options: ProcessorOptions) {
    this.#options = options;
    this.#log = options.logger.child({ webhook: options.webhook.id });
    this.#labels = { webhook: options.webhook.id };
    const { webhook, http, tokenProvider, clock, secrets, userAgent } = options;
    const sender = new WebhookSender({
      webhook,
      http,
      tokenProvider,
      clock,
      secrets,
      userAgent,
      log: this.#log,
    });
    this.#attempt = new DeliveryAttempt({
      webhook,
      state: options.state,
      sender,
      tokenProvider,
      enricher: options.enricher,
      metrics: options.metrics,
      clock,
      probeLeaseMs: options.probeLeaseMs,
      log: this.#log,
      telemetry: options.telemetry,
    });
  }

  /** A job of its own: maps the attempt's outcome onto BullMQ (done, delayed, retry, failed). */
  async process(job: Job<StoredJobData>, token?: string): Promise<{ status: number }> {
    const data = job.data;
    const now = this.#options.clock.now();
    const gate = this.#options.orderGate;
    if (gate && (await gate.holdBack(job, token, now))) throw new DelayedError();
    const final = this.#attempt.finalBeforeSending(data, now);
    if (final) return this.#deadLetter(job, final, job.attemptsMade + (data.priorAttempts ?? 0));

    const attempt = job.attemptsMade + 1 + (data.priorAttempts ?? 0);
    const outcome = await this.#options.slots.run(() => this.#attempt.run(data, now, attempt));
    reportAttempt(this.#options, data, outcome, attempt, now);
    switch (outcome.kind) {
      case 'delivered':
        await gate?.done(data);
        return { status: outcome.status };
      case 'wait':
        return this.#wait(job, token, outcome.ms);
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
    if (this.#attempt.finalBeforeSending(data, now)) return { data, delayMs: 0 };

    const outcome = await this.#attempt.run(data, now);
    const attempt = (data.priorAttempts ?? 0) + 1;
    reportAttempt(this.#options, data, outcome, attempt, now);
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

  /**
   * Hand the job back (delayed, no attempt spent) before anything waits, then pause the queue.
   * The job is no longer active, so it cannot outlive its lock while the breaker is open: handing
   * it back later with moveJobFromActiveToWait failed with "Missing lock for job" in a 60 s outage
   * (issue 18 item 11).
   */
  async #wait(job: Job<StoredJobData>, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(this.#options.clock.now() + ms, token);
    await this.#options.rateLimit(ms);
    throw new DelayedError();
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
    await this.#options.orderGate?.done(job.data);
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
