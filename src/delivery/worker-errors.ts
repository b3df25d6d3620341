/**
 * What a delivery worker does when Redis refuses its commands (CROSSSLOT, MOVED, READONLY, unknown
 * command, OOM). BullMQ emits 'error' and asks again at once, about 1,000 times a second per worker
 * (issue 18 item 7). Here each error is counted by cause, logged once per cause (then once per
 * interval with a count), and after a few in a row the worker pauses for a growing delay before
 * it fetches again. A fetched job, or an empty queue, ends the streak.
 */
import type { Worker } from 'bullmq';
import { backoffCeiling, errorCause, LogOnce, type Clock, type Logger, type Metrics } from '../core/index.js';

/** Errors in a row before the worker pauses (a single failover blip should not pause it). */
const STREAK_BEFORE_PAUSE = 3;
const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 30_000;

export interface WorkerErrorOptions {
  webhookId: string;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Pause before fetching again after `streak` errors in a row (default 0.5 s doubling to 30 s). */
  pauseMs?: (streak: number) => number;
}

export class WorkerErrorBackoff {
  readonly #options: WorkerErrorOptions;
  readonly #log: LogOnce;
  #streak = 0;
  #resumeTimer?: NodeJS.Timeout;
  #backingOff = false;
  #stopped = false;

  constructor(options: WorkerErrorOptions) {
    this.#options = options;
    this.#log = new LogOnce({ logger: options.logger, clock: options.clock, level: 'error' });
  }

  /** Hooks the worker's events; call once after creating it. */
  watch(worker: Worker): void {
    worker.on('error', (err) => this.#onError(worker, err));
    const ok = () => {
      this.#streak = 0;
    };
    worker.on('active', ok);
    worker.on('drained', ok);
  }

  /** Stops pending resumes (the worker is closing). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#resumeTimer);
  }

  get streak(): number {
    return this.#streak;
  }

  #onError(worker: Worker, err: Error): void {
    const cause = errorCause(err);
    this.#options.metrics.redisErrors.inc({ cause });
    this.#streak += 1;
    this.#log.report(
      cause,
      { err, webhook: this.#options.webhookId },
      `delivery worker error (${cause}): Redis refused a command; the worker backs off and retries`,
    );
    if (this.#streak < STREAK_BEFORE_PAUSE || this.#backingOff || this.#stopped || worker.closing) return;
    const n = this.#streak - STREAK_BEFORE_PAUSE;
    const delay = this.#options.pauseMs?.(n) ?? backoffCeiling(FIRST_PAUSE_MS, n, MAX_PAUSE_MS);
    this.#backingOff = true;
    // Without waiting for running jobs: they finish on their own; only new fetches stop.
    void worker.pause(true).then(() => {
      this.#resumeTimer = setTimeout(() => {
        this.#resumeTimer = undefined;
        this.#backingOff = false;
        if (!this.#stopped && !worker.closing) worker.resume();
      }, delay);
    });
  }
}
