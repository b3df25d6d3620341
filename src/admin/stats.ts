/**
 * Per-webhook delivery statistics for the dashboard, read from the Prometheus registry
 * (flup_deliveries_total and the flup_delivery_seconds histogram) so they agree with /metrics.
 * Rates and p95 cover a sliding window: samples of the counters are kept and the newest reading
 * is compared with the oldest sample inside the window.
 */
import type { Clock } from '../core/index.js';
import type { Metrics } from '../core/index.js';

/** Outcome label values of flup_deliveries_total that mean the receiver took the delivery. */
export const SUCCESS_OUTCOMES: ReadonlySet<string> = new Set(['delivered']);
/** Outcomes that are no HTTP attempt (waiting for enrichment): left out of the success rate. */
export const NOT_ATTEMPTS: ReadonlySet<string> = new Set(['deferred']);

export interface WebhookStats {
  /** Successful deliveries since the process started. */
  delivered: number;
  /** Attempts of any outcome since the process started. */
  attempts: number;
  /** Attempts in the window. */
  windowAttempts: number;
  /** Successful attempts / attempts in the window; null when there were none. */
  successRate: number | null;
  /** 95th percentile of the request duration in the window (seconds); null without data. */
  p95Seconds: number | null;
  /** How much time the window really covers (shorter right after start). */
  windowSeconds: number;
}

export interface Reading {
  at: number;
  outcomes: Map<string, Record<string, number>>;
  /** Cumulative bucket counts per webhook, ascending `le`, +Inf last. */
  buckets: Map<string, Array<[number, number]>>;
}

export class DeliveryStats {
  readonly #metrics: Metrics;
  readonly #clock: Clock;
  readonly #windowMs: number;
  #samples: Reading[] = [];

  constructor(metrics: Metrics, clock: Clock, windowMs = 300_000) {
    this.#metrics = metrics;
    this.#clock = clock;
    this.#windowMs = windowMs;
  }

  /** Keeps a sample for later windows; call every few seconds (the admin server does). */
  async sample(): Promise<void> {
    this.#keep(await this.#read());
  }

  async perWebhook(): Promise<Map<string, WebhookStats>> {
    const now = await this.#read();
    this.#keep(now);
    const base = this.#samples[0]!;
    const out = new Map<string, WebhookStats>();
    for (const [webhook, outcomes] of now.outcomes) {
      const before = base.outcomes.get(webhook) ?? {};
      let attempts = 0;
      let delivered = 0;
      let windowAttempts = 0;
      let windowDelivered = 0;
      for (const [outcome, count] of Object.entries(outcomes)) {
        if (NOT_ATTEMPTS.has(outcome)) continue;
        const delta = count - (before[outcome] ?? 0);
        attempts += count;
        windowAttempts += delta;
        if (SUCCESS_OUTCOMES.has(outcome)) {
          delivered += count;
          windowDelivered += delta;
        }
      }
      const buckets = subtractBuckets(now.buckets.get(webhook) ?? [], base.buckets.get(webhook) ?? []);
      out.set(webhook, {
        delivered,
        attempts,
        windowAttempts,
        successRate: windowAttempts > 0 ? windowDelivered / windowAttempts : null,
        p95Seconds: quantile(0.95, buckets),
        windowSeconds: Math.round((now.at - base.at) / 1000),
      });
    }
    return out;
  }

  #keep(reading: Reading): void {
    this.#samples.push(reading);
    const oldest = reading.at - this.#windowMs;
    while (this.#samples.length > 1 && this.#samples[0]!.at < oldest) this.#samples.shift();
  }

  #read(): Promise<Reading> {
    return readDeliveryMetrics(this.#metrics, this.#clock.now());
  }
}

/** The delivery counters and latency buckets per webhook as the registry has them now. */
export async function readDeliveryMetrics(metrics: Metrics, at: number): Promise<Reading> {
  const outcomes = new Map<string, Record<string, number>>();
  for (const { labels, value } of (await metrics.deliveries.get()).values) {
    const webhook = String(labels.webhook);
    const entry = outcomes.get(webhook) ?? {};
    entry[String(labels.outcome)] = (entry[String(labels.outcome)] ?? 0) + value;
    outcomes.set(webhook, entry);
  }
  const buckets = new Map<string, Array<[number, number]>>();
  for (const item of (await metrics.deliverySeconds.get()).values) {
    const { metricName, value } = item as typeof item & { metricName?: string };
    const labels = item.labels as Record<string, string | number | undefined>;
    if (!metricName?.endsWith('_bucket')) continue;
    const webhook = String(labels.webhook);
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    const list = buckets.get(webhook) ?? [];
    list.push([le, value]);
    buckets.set(webhook, list);
  }
  for (const list of buckets.values()) list.sort((a, b) => a[0] - b[0]);
  return { at, outcomes, buckets };
}

export function subtractBuckets(
  now: Array<[number, number]>,
  before: Array<[number, number]>,
): Array<[number, number]> {
  const base = new Map(before);
  return now.map(([le, count]) => [le, count - (base.get(le) ?? 0)]);
}

/**
 * Quantile from cumulative histogram buckets, interpolating linearly inside the bucket as
 * Prometheus' histogram_quantile does. Observations in +Inf report the highest finite bound.
 */
export function quantile(q: number, buckets: Array<[number, number]>): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket > 0 ? lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket : le;
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
