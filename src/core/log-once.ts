/**
 * Logs a repeating error once per distinct cause, then at most once per interval with the number
 * of repeats in between. A Redis that refuses every command makes BullMQ workers, the ingest, the
 * leader lock and the enricher fail many times a second; without this one run wrote 1.4 GB of
 * identical lines in four minutes (issue 18 item 7).
 */
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** Causes remembered at most; beyond this the oldest is forgotten (logged again when it recurs). */
const MAX_CAUSES = 64;

export interface LogOnceOptions {
  logger: Logger;
  clock: Clock;
  /** Minimum time between two lines of the same cause (default 60 s). */
  intervalMs?: number;
  /** info: for repeated outcomes that are not faults (e.g. the same answer for many requests). */
  level?: 'info' | 'warn' | 'error';
}

interface Seen {
  loggedAt: number;
  repeats: number;
}

export class LogOnce {
  readonly #options: Required<LogOnceOptions>;
  readonly #seen = new Map<string, Seen>();

  constructor(options: LogOnceOptions) {
    this.#options = { intervalMs: 60_000, level: 'warn', ...options };
  }

  /** Logs `message` when `cause` is new or its interval has passed; returns whether it logged. */
  report(cause: string, fields: Record<string, unknown>, message: string): boolean {
    const now = this.#options.clock.now();
    const seen = this.#seen.get(cause);
    if (seen && now - seen.loggedAt < this.#options.intervalMs) {
      seen.repeats += 1;
      return false;
    }
    const repeats = seen?.repeats ?? 0;
    this.#seen.delete(cause);
    this.#seen.set(cause, { loggedAt: now, repeats: 0 });
    if (this.#seen.size > MAX_CAUSES) this.#seen.delete(this.#seen.keys().next().value!);
    const line = { cause, ...fields, ...(repeats > 0 ? { repeats, sinceMs: now - seen!.loggedAt } : {}) };
    this.#options.logger[this.#options.level](
      line,
      repeats > 0 ? `${message} (repeated ${repeats} times since the last line)` : message,
    );
    return true;
  }

  /** Forgets a cause (the condition ended): the next occurrence is logged at once. */
  clear(cause?: string): void {
    if (cause === undefined) this.#seen.clear();
    else this.#seen.delete(cause);
  }
}

/**
 * A short label for what went wrong, for log grouping and the flup_redis_errors_total{cause}
 * metric: the Redis error code (OOM, CROSSSLOT, MOVED, READONLY, NOSCRIPT, LOADING, ...), a system
 * error code (ECONNREFUSED, ...) or "other". Bounded: never a free-form message.
 */
export function errorCause(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; previousErrors?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (/^ERR unknown command/i.test(message)) return 'unknown-command';
  const word = /^([A-Z][A-Z_]{2,20})\b/.exec(message)?.[1];
  if (word && word !== 'ERR') return word.toLowerCase();
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code.toLowerCase();
  if (/Connection is closed|connection.*(lost|closed)/i.test(message)) return 'connection';
  if (/timed? ?out/i.test(message)) return 'timeout';
  return word === 'ERR' ? 'err' : 'other';
}
