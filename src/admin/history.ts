/**
 * The last hour per webhook for the dashboard charts: deliveries, failures and p95 latency per
 * minute, kept in Redis so every replica and a restarted process show the same. Each process adds
 * what its own counters (flup_deliveries_total, flup_delivery_seconds) grew by since its last
 * flush to the current minute's hash; latency is kept as histogram bucket counts, so the p95 of
 * several replicas is computed from their merged buckets, not averaged. A minute's hash expires
 * after MINUTE_TTL_MS: at most ~70 hashes per webhook.
 */
import type { Clock, Metrics } from '../core/index.js';
import { RedisKeys, type RedisClient } from '../redis/index.js';
import {
  NOT_ATTEMPTS,
  quantile,
  readDeliveryMetrics,
  subtractBuckets,
  SUCCESS_OUTCOMES,
  type Reading,
} from './stats.js';

export const MINUTE_MS = 60_000;
export const HOUR_MINUTES = 60;
const MINUTE_TTL_MS = 70 * MINUTE_MS;

export interface MinutePoint {
  /** Start of the minute (ISO). */
  at: string;
  delivered: number;
  failed: number;
  p95Seconds: number | null;
}

export interface DeliveryHistoryOptions {
  redis: RedisClient;
  prefix: string;
  metrics: Metrics;
  clock: Clock;
}

export class DeliveryHistory {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #metrics: Metrics;
  readonly #clock: Clock;
  #last?: Reading;

  constructor({ redis, prefix, metrics, clock }: DeliveryHistoryOptions) {
    this.#redis = redis;
    this.#keys = new RedisKeys(prefix);
    this.#metrics = metrics;
    this.#clock = clock;
  }

  /** Adds what the counters grew by since the last flush to the current minute (the first call only reads). */
  async flush(): Promise<void> {
    const now = await readDeliveryMetrics(this.#metrics, this.#clock.now());
    const before = this.#last;
    this.#last = now;
    if (!before) return;
    const minute = Math.floor(now.at / MINUTE_MS);
    const pipeline = this.#redis.pipeline();
    let writes = 0;
    for (const [webhook, outcomes] of now.outcomes) {
      const was = before.outcomes.get(webhook) ?? {};
      let delivered = 0;
      let failed = 0;
      for (const [outcome, count] of Object.entries(outcomes)) {
        const delta = count - (was[outcome] ?? 0);
        if (delta <= 0 || NOT_ATTEMPTS.has(outcome)) continue;
        if (SUCCESS_OUTCOMES.has(outcome)) delivered += delta;
        else failed += delta;
      }
      const cumulative = subtractBuckets(now.buckets.get(webhook) ?? [], before.buckets.get(webhook) ?? []);
      if (delivered === 0 && failed === 0 && (cumulative.at(-1)?.[1] ?? 0) === 0) continue;
      const key = this.#keys.deliveryMinute(webhook, minute);
      if (delivered > 0) pipeline.hincrby(key, 'delivered', delivered);
      if (failed > 0) pipeline.hincrby(key, 'failed', failed);
      let below = 0;
      for (const [le, count] of cumulative) {
        if (count - below > 0) pipeline.hincrby(key, `le:${le}`, count - below);
        below = count;
      }
      pipeline.pexpire(key, MINUTE_TTL_MS);
      writes += 1;
    }
    if (writes > 0) await pipeline.exec();
  }

  /** The last HOUR_MINUTES minutes of each webhook, oldest first, the current minute last. */
  async lastHour(webhookIds: string[]): Promise<Record<string, MinutePoint[]>> {
    const current = Math.floor(this.#clock.now() / MINUTE_MS);
    const minutes = Array.from({ length: HOUR_MINUTES }, (_, i) => current - HOUR_MINUTES + 1 + i);
    const pipeline = this.#redis.pipeline();
    for (const id of webhookIds) {
      for (const m of minutes) pipeline.hgetall(this.#keys.deliveryMinute(id, m));
    }
    const answers = (await pipeline.exec()) ?? [];
    const out: Record<string, MinutePoint[]> = {};
    webhookIds.forEach((id, w) => {
      out[id] = minutes.map((m, i) => {
        const [err, hash] = answers[w * HOUR_MINUTES + i] ?? [null, {}];
        return toPoint(m, err ? {} : (hash as Record<string, string>));
      });
    });
    return out;
  }
}

function toPoint(minute: number, hash: Record<string, string>): MinutePoint {
  const buckets: Array<[number, number]> = Object.entries(hash)
    .filter(([field]) => field.startsWith('le:'))
    .map(([field, count]): [number, number] => [Number(field.slice(3)), Number(count)])
    .sort((a, b) => a[0] - b[0]);
  let running = 0;
  const cumulative = buckets.map(([le, count]): [number, number] => [le, (running += count)]);
  return {
    at: new Date(minute * MINUTE_MS).toISOString(),
    delivered: Number(hash.delivered ?? 0),
    failed: Number(hash.failed ?? 0),
    p95Seconds: quantile(0.95, cumulative),
  };
}
