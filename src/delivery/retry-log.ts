/**
 * Retries at info without a line per retry: every interval, one line per webhook that retried,
 * with the count (from flup_retries_total, so it agrees with /metrics). Per process: each worker
 * replica reports its own.
 */
import type { Logger, Metrics, Part } from '../core/index.js';

export interface RetryLogOptions {
  metrics: Metrics;
  logger: Logger;
  /** Default one minute. */
  intervalMs?: number;
}

export class RetryLog implements Part {
  readonly name = 'retry-log';
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #last = new Map<string, number>();
  #timer?: NodeJS.Timeout;

  constructor({ metrics, logger, intervalMs = 60_000 }: RetryLogOptions) {
    this.#metrics = metrics;
    this.#log = logger.child({ module: 'delivery' });
    this.#intervalMs = intervalMs;
  }

  async start(): Promise<void> {
    this.#last = await this.#read();
    this.#timer = setInterval(() => void this.report(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.report();
  }

  /** Logs the retries since the last report; returns them per webhook. */
  async report(): Promise<Map<string, number>> {
    const now = await this.#read();
    const seconds = Math.round(this.#intervalMs / 1000);
    const out = new Map<string, number>();
    for (const [webhook, total] of now) {
      const retries = total - (this.#last.get(webhook) ?? 0);
      if (retries <= 0) continue;
      out.set(webhook, retries);
      this.#log.info(
        { webhook, retries, intervalSeconds: seconds },
        `webhook ${webhook}: ${retries} ${retries === 1 ? 'retry' : 'retries'} in the last ${seconds} s`,
      );
    }
    this.#last = now;
    return out;
  }

  async #read(): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const { labels, value } of (await this.#metrics.retries.get()).values) {
      const webhook = String(labels.webhook);
      totals.set(webhook, (totals.get(webhook) ?? 0) + value);
    }
    return totals;
  }
}
