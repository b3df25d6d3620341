/**
 * Issue 21 ingest burst: the ingest write path (JobBuilder.build + QueueJobWriter.addBulk, batches
 * of 500 written one after another as the ack pipeline does) for a burst of Lufthansa messages,
 * (a) one plain webhook, no timeline; (b) the same webhook with `subscriptions: true` and N live
 * subscriptions (carrier rules making every message match, so both write the same jobs), in-process
 * matcher; (c) as (b) plus the flight timeline (one pipelined write per batch). Best of 3 each.
 * Run: node --import tsx bench/ingest-subscriptions.ts [subscriptions=100000] [messages=20000]
 * Uses the Redis at FLUP_BENCH_REDIS_URL (default 127.0.0.1:6379) under unique prefixes, removed after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { createLogger, Metrics, systemClock } from '../src/core/index.js';
import { QueueJobWriter } from '../src/queue/index.js';
import { connectRedis, deleteByPrefix } from '../src/redis/index.js';
import { JobBuilder, type ReceivedMessage } from '../src/routing/index.js';
import { randomNotification } from '../src/sim/publisher.js';
import { SubscriptionMatcher, SubscriptionStore } from '../src/subscriptions/index.js';
import { TimelineStore } from '../src/timeline/index.js';

const SUBSCRIPTIONS = Number(process.argv[2] ?? 100_000);
const MESSAGES = Number(process.argv[3] ?? 20_000);
const BATCH = 500;
const URL_ = process.env.FLUP_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent', format: 'json' });

function config(prefix: string, subscriptions: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'flup-bench-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    `redis: { url: "${URL_}", prefix: ${prefix} }
source: { kind: lufthansa, lufthansa: { clientKey: k, clientSecret: s, topics: ["prd/FlightUpdate/#"] } }
webhooks:
  - { id: hook, url: "http://127.0.0.1:9/x", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", subscriptions: ${subscriptions} }
`,
  );
  return loadConfig({ file, env: {} });
}

function burst(): ReceivedMessage[] {
  const now = Date.now();
  return Array.from({ length: MESSAGES }, (_, i) => {
    const n = randomNotification({ date: '2026-12-10' });
    // A distinct payload per message, so dedup keeps every one.
    return {
      topic: n.topic,
      payload: Buffer.from(String(n.payload).replace('"Update":{', `"Update":{"Seq":${i},`)),
      receivedAt: now,
    };
  });
}

async function run(
  mode: 'plain' | 'subscriptions' | 'subscriptions+timeline',
  messages: ReceivedMessage[],
): Promise<number> {
  const prefix = `flup-bench-ingest-${randomBytes(4).toString('hex')}`;
  const redis = connectRedis(URL_, { name: 'bench' });
  const cfg = config(prefix, mode !== 'plain');
  let matcher: SubscriptionMatcher | undefined;
  try {
    if (mode !== 'plain') {
      const store = new SubscriptionStore({ redis, prefix, clock: systemClock });
      for (const carrier of ['LH', 'LX', 'OS', 'EW', 'SN', '4Y'])
        await store.create({ webhookId: 'hook', carrier });
      for (let i = 0; i < SUBSCRIPTIONS; i += 1000)
        await Promise.all(
          Array.from({ length: Math.min(1000, SUBSCRIPTIONS - i) }, (_, j) =>
            store.create({
              webhookId: 'hook',
              flight: `XQ${((i + j) % 9999) + 1}`,
              date: `2026-12-${10 + (Math.floor((i + j) / 9999) % 18)}`,
            }),
          ),
        );
      matcher = new SubscriptionMatcher({ store, clock: systemClock, pollMs: 1000 });
      await matcher.start();
    }
    const timeline =
      mode === 'subscriptions+timeline'
        ? new TimelineStore({ redis, prefix, clock: systemClock })
        : undefined;
    const builder = new JobBuilder(cfg, new Metrics(), logger, { subscriptions: matcher, timeline });
    const writer = new QueueJobWriter({ config: cfg, redis, logger });
    const start = performance.now();
    let pending: Promise<void> = Promise.resolve();
    for (let i = 0; i < messages.length; i += BATCH) {
      const entries = builder.build(messages.slice(i, i + BATCH));
      if (entries.length !== Math.min(BATCH, messages.length - i))
        throw new Error(`${mode}: not every message routed`);
      await pending;
      pending = writer.addBulk(entries);
    }
    await pending;
    const seconds = (performance.now() - start) / 1000;
    if (timeline) {
      // The timeline write is not awaited by ingest; wait for it before measuring bytes.
      await redis.ping();
      let bytes = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:tl:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      } while (cursor !== '0');
      console.log(
        `  timeline: ${(bytes / messages.length).toFixed(0)} B/message in Redis (event kept for replay)`,
      );
    }
    await writer.close();
    return messages.length / seconds;
  } finally {
    matcher?.stop();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
}

const messages = burst();
console.log(
  `ingest burst: ${MESSAGES} messages, batches of ${BATCH}, ${SUBSCRIPTIONS} extra live subscriptions; load before ${loadavg()[0]!.toFixed(1)}`,
);
const best: Record<string, number> = {};
for (let r = 0; r < 3; r++)
  for (const mode of ['plain', 'subscriptions', 'subscriptions+timeline'] as const)
    best[mode] = Math.max(best[mode] ?? 0, await run(mode, messages));
for (const [mode, rate] of Object.entries(best))
  console.log(`  ${mode}: ${rate.toFixed(0)} msg/s (${(rate / best.plain!).toFixed(2)}x plain)`);
console.log(`load after ${loadavg()[0]!.toFixed(1)}`);
