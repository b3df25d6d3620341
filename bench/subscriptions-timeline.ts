/**
 * Issue 21 figures: Redis and in-process memory of 100,000 live subscriptions, the matcher's cost
 * per message with and without them, and the timeline's Redis bytes per message.
 * Run: node --expose-gc --import tsx bench/subscriptions-timeline.ts [subscriptions] [messages]
 * Uses the Redis at FLUP_BENCH_REDIS_URL (default 127.0.0.1:6379) under a unique prefix, removed after.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, deleteByPrefix } from '../src/redis/index.js';
import { randomNotification } from '../src/sim/publisher.js';
import {
  SubscriptionMatcher,
  SubscriptionStore,
  type MatchableMessage,
  type SubscriptionRule,
} from '../src/subscriptions/index.js';
import { TimelineStore } from '../src/timeline/index.js';

const SUBSCRIPTIONS = Number(process.argv[2] ?? 100_000);
const MESSAGES = Number(process.argv[3] ?? 2_000);
const WEBHOOKS = 10;
const NOW = Date.parse('2026-12-01T10:00:00Z');
const clock = { now: () => NOW };
const gc = (globalThis as { gc?: () => void }).gc;

/** Exact bytes of every key under the prefix (MEMORY USAGE with all samples). */
async function redisBytes(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let bytes = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      keys++;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Distinct rules: 70% flight+date (the travel-app case), 20% a flight on every date, 10% a
 * departure airport; flights LH/LX/OS/EW/SN 1-9999, so many sample messages hit one.
 */
function rule(i: number): SubscriptionRule {
  const webhookId = `hook-${i % WEBHOOKS}`;
  const carrier = ['LH', 'LX', 'OS', 'EW', 'SN'][i % 5]!;
  const flight = `${carrier}${(Math.floor(i / 5) % 9999) + 1}`;
  if (i % 10 < 7)
    return { webhookId, flight, date: `2026-12-${10 + Math.floor(i / 49995)}`, events: ['flight.*'] };
  if (i % 10 < 9) return { webhookId, flight: `${flight}A` };
  return { webhookId, departureAirport: `A${i.toString(36).toUpperCase()}` };
}

function messages(n: number): MatchableMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const { topic } = randomNotification({ date: '2026-12-10', random: mulberry(i) });
    const [, , carrier, flight, date] = topic.split('/') as [string, string, string, string, string];
    return { carrier, flightNumber: flight.slice(carrier.length), date, eventType: 'flight.departed' };
  });
}

function mulberry(seed: number): () => number {
  let a = seed + 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOOKS = Array.from({ length: WEBHOOKS }, (_, w) => `hook-${w}`);

/** ns per message to ask every webhook whether it matches; best of 5 runs (the machine is shared). */
function nsPerMessage(matcher: SubscriptionMatcher, sample: MatchableMessage[]): number {
  let best = Infinity;
  let hits = 0;
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    for (let r = 0; r < 5; r++) {
      for (const original of sample) {
        const msg = { ...original }; // a new object per message, as ingest builds one
        for (const hook of HOOKS) if (matcher.matches(hook, msg)) hits++;
      }
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / (5 * sample.length));
  }
  if (hits < 0) console.log(hits);
  return best;
}

async function subscriptionFigures(redis: Redis): Promise<void> {
  const prefix = `flup-bench-subs-${randomBytes(4).toString('hex')}`;
  const store = new SubscriptionStore({ redis, prefix, clock });
  const sample = messages(20_000);
  try {
    const empty = new SubscriptionMatcher({ store, clock, pollMs: 3_600_000 });
    await empty.start();
    const nsEmpty = nsPerMessage(empty, sample);
    empty.stop();
    for (let i = 0; i < SUBSCRIPTIONS; i += 500) {
      const batch = Array.from({ length: Math.min(500, SUBSCRIPTIONS - i) }, (_, j) =>
        store.create(rule(i + j)),
      );
      await Promise.all(batch);
    }
    const inRedis = await redisBytes(redis, prefix);
    const before = heapUsed();
    const matcher = new SubscriptionMatcher({ store, clock, pollMs: 3_600_000 });
    const loadStart = process.hrtime.bigint();
    await matcher.start();
    const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    const inProcess = heapUsed() - before;
    const nsFull = nsPerMessage(matcher, sample);
    const matched = sample.filter((m) => matcher.matchingWebhooks(m).size > 0).length;
    matcher.stop();
    console.log(`subscriptions: ${matcher.size} live over ${WEBHOOKS} webhooks`);
    console.log(
      `  Redis: ${(inRedis.bytes / 1e6).toFixed(1)} MB in ${inRedis.keys} keys, ${(inRedis.bytes / matcher.size).toFixed(0)} B/subscription`,
    );
    console.log(
      `  process heap: ${(inProcess / 1e6).toFixed(1)} MB, ${(inProcess / matcher.size).toFixed(0)} B/subscription; full load ${loadMs.toFixed(0)} ms`,
    );
    console.log(
      `  match (per message, all ${WEBHOOKS} webhooks asked): ${nsEmpty.toFixed(0)} ns with no subscriptions, ${nsFull.toFixed(0)} ns with ${matcher.size} (${matched}/${sample.length} sample messages match a webhook)`,
    );
  } finally {
    await deleteByPrefix(redis, prefix);
  }
}

async function timelineFigures(redis: Redis): Promise<void> {
  const prefix = `flup-bench-tl-${randomBytes(4).toString('hex')}`;
  const timeline = new TimelineStore({ redis, prefix, clock });
  try {
    for (const withReplay of [false, true]) {
      await deleteByPrefix(redis, prefix);
      let payloadBytes = 0;
      for (let i = 0; i < MESSAGES; i++) {
        const { topic, payload } = randomNotification({ date: '2026-12-01', random: mulberry(i), clock });
        const [, , carrier, flight, date] = topic.split('/') as [string, string, string, string, string];
        const ref = { carrier, flightNumber: flight.slice(carrier.length), date };
        const id = `msg_${randomBytes(16).toString('hex')}`;
        const event = {
          id,
          type: 'flight.departed',
          topic,
          receivedAt: new Date(NOW).toISOString(),
          flight: ref,
          code: 'MVT AD',
          data: JSON.parse(payload.toString()),
          dataEncoding: 'json',
        };
        payloadBytes += Buffer.byteLength(JSON.stringify({ event }));
        await timeline.recordNotification({
          id,
          at: NOW + i,
          eventType: 'flight.departed',
          code: 'MVT AD',
          topic,
          flight: ref,
          ...(withReplay ? { replay: { event } } : {}),
        });
        // Two webhooks: one delivered at once, one after a 500.
        await timeline.recordAttempt({
          messageId: id,
          flight: ref,
          webhookId: 'crew-app',
          attempt: 1,
          at: NOW + i,
          status: 200,
          durationMs: 14,
          outcome: 'delivered',
        });
        await timeline.recordAttempt({
          messageId: id,
          flight: ref,
          webhookId: 'ops-desk',
          attempt: 1,
          at: NOW + i,
          status: 500,
          durationMs: 31,
          outcome: 'retrying',
        });
        await timeline.recordAttempt({
          messageId: id,
          flight: ref,
          webhookId: 'ops-desk',
          attempt: 2,
          at: NOW + i + 1000,
          status: 200,
          durationMs: 18,
          outcome: 'delivered',
        });
      }
      const { bytes, keys } = await redisBytes(redis, prefix);
      console.log(
        `timeline ${withReplay ? 'with' : 'without'} replay data: ${MESSAGES} messages, 3 attempts each: ${(bytes / MESSAGES).toFixed(0)} B/message in Redis (${keys} keys${withReplay ? `; the event JSON itself averages ${(payloadBytes / MESSAGES).toFixed(0)} B` : ''})`,
      );
    }
  } finally {
    await deleteByPrefix(redis, prefix);
  }
}

const redis = connectRedis(process.env.FLUP_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', {
  name: 'bench-subs',
});
try {
  if (!gc) console.log('(run with node --expose-gc for exact heap figures)');
  await subscriptionFigures(redis);
  await timelineFigures(redis);
} finally {
  redis.disconnect();
}
