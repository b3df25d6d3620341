/**
 * Micro-bench (issue 23): CPU per message of the ingest path after MQTT, without the rest of the
 * machine's load: JobBuilder.build (payload parse, envelope, message key, routing) →
 * QueueJobWriter.addBulk (plan, BullMQ job serialisation, the write, Redis's answer), against the
 * local Redis (REDIS_URL, default redis://127.0.0.1:6379) under a throw-away prefix, one webhook,
 * ~600-byte generic-MQTT payloads.
 *
 *   MODE=burst  (default) writes of 100 messages, 4 in flight: one batch job per write.
 *   MODE=steady writes of one message, one at a time, each claimed for a local worker that has
 *               room (the claimed write the steady trickle takes; the jobs are not run).
 *
 * Compare builds: `ROUNDS=5 node --expose-gc --import tsx bench/micro-ingest.ts --same-process
 * <base dist> dist`. The HTTP server compareBuilds starts is not used.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareBuilds } from './lib/rounds.js';
import { genericMessage, genericTopicFor } from './lib/message.js';

const MODE = process.env.MODE === 'steady' ? 'steady' : 'burst';
const PER_WRITE = MODE === 'steady' ? 1 : 100;
const IN_FLIGHT = MODE === 'steady' ? 1 : 4;
const MESSAGES = MODE === 'steady' ? 4_000 : 20_000;

interface IngestParts {
  write(first: number, count: number): Promise<void>;
  close(): Promise<void>;
}

/** A local worker that always has room: it takes every claim and runs nothing. */
function roomyClaims(): unknown {
  let token = 0;
  return {
    offer: (_webhookId: string, count: number) => ({
      lockDurationMs: 30_000,
      tokens: Array.from({ length: count }, () => `bench-claim:${token++}`),
    }),
    run: () => undefined,
    takeCompletions: () => [],
  };
}

/** The build's ingest parts for one webhook, wired as ingest/ingest.ts wires them. */
async function ingestOf(dist: string, url: string): Promise<IngestParts> {
  const base = pathToFileURL(resolve(dist)).href;
  // The build under test is loaded by path at run time: its exports are used untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const load = (path: string) => import(`${base}/${path}`) as Promise<Record<string, any>>;
  const [config, core, redis, routing, queue] = await Promise.all([
    load('config/index.js'),
    load('core/index.js'),
    load('redis/index.js'),
    load('routing/index.js'),
    load('queue/index.js'),
  ]);
  const prefix = `bench-micro-ingest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const loaded = config.loadConfig({
    env: {},
    overrides: {
      role: 'ingest',
      'source.kind': 'mqtt',
      'redis.prefix': prefix,
      webhooks: [{ id: 'bench', url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    },
  });
  const client = redis.connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { name: 'micro' });
  const logger = core.createLogger({ level: 'warn' });
  const metrics = new core.Metrics({ defaultMetrics: false });
  const builder = new routing.JobBuilder(loaded, metrics, logger);
  const writer = new queue.QueueJobWriter({
    config: loaded,
    redis: client,
    logger,
    ...(MODE === 'steady' ? { claims: roomyClaims() } : {}),
  });
  const run = `r${process.pid}`;
  return {
    write: async (first, count) => {
      const messages = [];
      for (let i = first; i < first + count; i++) {
        const text = genericMessage(i, i, Date.now(), run);
        messages.push({ topic: genericTopicFor(i), payload: Buffer.from(text), receivedAt: Date.now() });
      }
      await writer.addBulk(builder.build(messages));
    },
    close: async () => {
      await writer.close();
      await redis.deleteByPrefix(client, prefix);
      client.disconnect();
    },
  };
}

let sequence = 0;

async function cpuPerMessage(parts: IngestParts, messages: number): Promise<number> {
  const writes = Math.max(1, Math.round(messages / PER_WRITE));
  const before = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < writes) {
        next += 1;
        const first = sequence;
        sequence += PER_WRITE;
        await parts.write(first, PER_WRITE);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (writes * PER_WRITE);
}

await compareBuilds({
  benchUrl: import.meta.url,
  rounds: 7,
  units: MESSAGES,
  warmUp: MESSAGES / 4,
  what: `ingest CPU (${MODE})`,
  unit: 'µs/message',
  prepare: async (dist, url) => {
    const parts = await ingestOf(dist, url);
    return { measure: (messages) => cpuPerMessage(parts, messages), close: parts.close };
  },
});
