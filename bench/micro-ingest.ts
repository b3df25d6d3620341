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
 *   MODE=claimed as steady, with this process's real delivery side taking the claims: a BullMQ
 *               worker runs each claimed job (a processor that returns at once, no HTTP) and its
 *               completion rides the next write, as in flup-bridge at a steady rate.
 *   MODE=floor  what steady cannot go below: per message one bare script call of the same size
 *               (EVALSHA with the message as its argument) on the same connection; with
 *               FLOOR_WORK=N the script runs N commands, as Redis does for a real write.
 *
 * Compare builds: `ROUNDS=5 node --expose-gc --import tsx bench/micro-ingest.ts --same-process
 * <base dist> dist`. The HTTP server compareBuilds starts is not used.
 */
import { buildLoader, compareBuilds } from './lib/rounds.js';
import { genericMessage, genericTopicFor } from './lib/message.js';

const MODES = ['burst', 'steady', 'claimed', 'floor'];
const MODE = MODES.includes(process.env.MODE ?? '') ? process.env.MODE! : 'burst';
const LONE = MODE !== 'burst';
const PER_WRITE = LONE ? 1 : 100;
const IN_FLIGHT = LONE ? 1 : 4;
const MESSAGES = LONE ? 4_000 : 20_000;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

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

/** Messages handed to the writer so far, in every build (each gets its own sequence numbers). */
let sequence = 0;
/** Jobs the claiming worker ran (checked: the claimed mode must really claim). */
let processed = 0;

/** A running BullMQ worker of the webhook's queue whose processor returns at once. */
async function claimingWorker(
  connection: { disconnect(): void },
  prefix: string,
  queueName: string,
): Promise<{ close(): Promise<void> }> {
  const { Worker } = await import('bullmq');
  const worker = new Worker(queueName, async () => ({ delivered: (processed += 1), handedOff: 0 }), {
    connection: connection as never,
    prefix,
    concurrency: 10,
  });
  await worker.waitUntilReady();
  worker.on('closed', () => connection.disconnect());
  return worker;
}

/** The build's ingest parts for one webhook, wired as ingest/ingest.ts wires them. */
async function ingestOf(dist: string, url: string): Promise<IngestParts> {
  const load = buildLoader(dist);
  const [config, core, redis, routing, queue, claims, slots] = await Promise.all([
    load('config/index.js'),
    load('core/index.js'),
    load('redis/index.js'),
    load('routing/index.js'),
    load('queue/index.js'),
    load('delivery/local-claims.js'),
    load('delivery/slots.js'),
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
  const client = redis.connectRedis(redisUrl, { name: 'micro' });
  const logger = core.createLogger({ level: 'warn' });
  const metrics = new core.Metrics({ defaultMetrics: false });
  const builder = new routing.JobBuilder(loaded, metrics, logger);
  const worker =
    MODE === 'claimed'
      ? await claimingWorker(
          redis.connectRedis(redisUrl, { name: 'micro-worker', blocking: true }),
          prefix,
          redis.RedisKeys.for(client, prefix).queueName('bench'),
        )
      : undefined;
  const local = worker && new claims.LocalClaims(logger, metrics);
  local?.add({ webhookId: 'bench', worker, slots: new slots.Slots(10), concurrency: 10 });
  const writer = new queue.QueueJobWriter({
    config: loaded,
    redis: client,
    logger,
    ...(MODE === 'steady' ? { claims: roomyClaims() } : local ? { claims: local } : {}),
  });
  const run = `r${process.pid}`;
  // FLOOR_WORK=N: the floor script does N commands on scratch keys (Redis's work in a real write).
  const floorCommands = Number(process.env.FLOOR_WORK ?? 0);
  const floorLua = `for i = 1, ${floorCommands} do redis.call('HSET', KEYS[1], 'f' .. i, ARGV[1]) end return 1`;
  const floorScript = MODE === 'floor' ? String(await client.script('LOAD', floorLua)) : '';
  return {
    write: async (first, count) => {
      if (MODE === 'floor') {
        await client.evalsha(
          floorScript,
          1,
          `${prefix}:floor`,
          genericMessage(first, first, Date.now(), run),
        );
        return;
      }
      const messages = [];
      for (let i = first; i < first + count; i++) {
        const text = genericMessage(i, i, Date.now(), run);
        messages.push({ topic: genericTopicFor(i), payload: Buffer.from(text), receivedAt: Date.now() });
      }
      await writer.addBulk(builder.build(messages));
    },
    close: async () => {
      await local?.drain('bench');
      if (local && processed < sequence / 2)
        throw new Error(`only ${processed} of ${sequence} messages were claimed`);
      await worker?.close();
      await writer.close();
      await redis.deleteByPrefix(client, prefix);
      client.disconnect();
    },
  };
}

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
