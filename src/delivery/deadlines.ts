/**
 * Whole-request deadlines for many requests on one timer. Each request gets a Deadline whose one
 * abort callback the request's handler sets; a shared tick aborts the overdue ones with a
 * TimeoutError. In the burst profile, AbortSignal.timeout per request (signal, timer, listeners)
 * cost ~5% of the worker; this costs a Set entry. Precision is one tick.
 */
export class Deadline {
  aborted = false;
  reason?: Error;
  #onAbort?: (reason: Error) => void;

  constructor(readonly at: number) {}

  /** Sets what runs when the deadline passes (at once if it has already). */
  onAbort(callback: (reason: Error) => void): void {
    if (this.aborted) callback(this.reason!);
    else this.#onAbort = callback;
  }

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const callback = this.#onAbort;
    this.#onAbort = undefined;
    callback?.(reason);
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
      deadline.abort(err);
    }
  }
}
