/**
 * Whole-request deadlines for many requests on one timer. Each request gets an EventEmitter that
 * undici accepts as its `signal`; a shared tick aborts the overdue ones with a TimeoutError. In the
 * burst profile, AbortSignal.timeout per request (signal, timer, listeners) cost ~5% of the worker;
 * this costs a Set entry. Precision is one tick.
 */
import { EventEmitter } from 'node:events';

export class Deadline extends EventEmitter {
  aborted = false;
  reason?: Error;

  constructor(readonly at: number) {
    super();
  }
}

export class Deadlines {
  readonly #tickMs: number;
  readonly #pending = new Set<Deadline>();
  #timer?: NodeJS.Timeout;

  constructor(tickMs = 50) {
    this.#tickMs = tickMs;
  }

  /** A signal that aborts `ms` from now (give it to undici), until end() is called. */
  start(ms: number): Deadline {
    const deadline = new Deadline(performance.now() + ms);
    this.#pending.add(deadline);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      this.#timer.unref();
    }
    return deadline;
  }

  end(deadline: Deadline): void {
    this.#pending.delete(deadline);
    if (this.#pending.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const now = performance.now();
    for (const deadline of this.#pending) {
      if (deadline.at > now) continue;
      this.end(deadline);
      const err = new Error('The operation was aborted due to timeout');
      err.name = 'TimeoutError';
      deadline.reason = err;
      deadline.aborted = true;
      deadline.emit('abort');
    }
  }
}
