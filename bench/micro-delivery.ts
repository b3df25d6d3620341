/**
 * Micro-bench (issue 23): CPU per message of the delivery path a batch job runs, without BullMQ
 * and without the rest of the machine's load: BatchRunner → WebhookProcessor.firstAttempt (gate,
 * envelope JSON, scrub, signature, headers, metrics, attempt report) → HttpClients.post, against a
 * plain HTTP server in another process, 10 requests in flight (the default webhook concurrency),
 * batches of 100 generic-MQTT envelopes of ~600 bytes. The breaker state is read from the local
 * Redis (REDIS_URL, default redis://127.0.0.1:6379) under a throw-away prefix.
 * Compare builds: `npx tsx bench/micro-delivery.ts [distDir ...]`; with bench/micro-http-client.ts
 * (the HTTP client alone) the difference is what delivery adds per message.
 */
import { buildLoader, compareBuilds } from './lib/rounds.js';

const ROUNDS = 7;
const BATCHES = 200;
const BATCH_SIZE = 100;

interface BatchRunnerLike {
  run(job: unknown): Promise<{ delivered: number; handedOff: number }>;
}

/** The build's delivery parts for one webhook at `url`, wired as delivery/workers.ts wires them. */
async function runnerOf(
  dist: string,
  url: string,
): Promise<{ runner: BatchRunnerLike; close(): Promise<void> }> {
  const load = buildLoader(dist);
  const [config, core, redis, processor, batch, slots, state, http] = await Promise.all([
    load('config/index.js'),
    load('core/index.js'),
    load('redis/index.js'),
    load('delivery/processor.js'),
    load('delivery/batch.js'),
    load('delivery/slots.js'),
    load('delivery/endpoint-state.js'),
    load('delivery/http.js'),
  ]);
  const prefix = `bench-micro-${process.pid}`;
  const loaded = config.loadConfig({
    env: {},
    overrides: {
      role: 'worker',
      'source.kind': 'mqtt',
      'redis.prefix': prefix,
      webhooks: [{ id: 'bench', url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    },
  });
  const webhook = loaded.webhooks[0];
  const client = redis.connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { name: 'micro' });
  const secrets = new core.SecretRegistry();
  secrets.addAll(webhook.secrets);
  const logger = core.createLogger({ level: 'warn', secrets: () => secrets.values() });
  const clients = new http.HttpClients([webhook]);
  const shared = new slots.Slots(webhook.concurrency);
  const webhookProcessor = new processor.WebhookProcessor({
    webhook,
    http: clients,
    state: new state.EndpointState(client, prefix, webhook.id),
    rateLimit: async () => undefined,
    metrics: new core.Metrics({ defaultMetrics: false }),
    logger,
    clock: core.systemClock,
    secrets,
    userAgent: 'flup-bridge/bench',
    probeLeaseMs: webhook.timeout + 1000,
    slots: shared,
    onAttempt: () => undefined,
  });
  const runner = new batch.BatchRunner({
    processor: webhookProcessor,
    slots: shared,
    handOff: async (items: unknown[]) => {
      throw new Error(`${items.length} messages not delivered`);
    },
    stopping: () => false,
    logger,
  });
  return {
    runner,
    close: async () => {
      await clients.close();
      client.disconnect();
    },
  };
}

/** A batch job as the worker holds it after BullMQ fetched it: fresh objects, parsed from JSON. */
function batchJob(n: number): unknown {
  const batch = Array.from({ length: BATCH_SIZE }, (_, i) => {
    const seq = n * BATCH_SIZE + i;
    return {
      jobId: `k${seq}`,
      data: {
        event: {
          id: `msg_${seq.toString(36).padStart(26, '0')}`,
          type: 'mqtt.message',
          topic: `bench/sensors/s${seq % 50}/reading`,
          receivedAt: new Date().toISOString(),
          data: {
            device: { id: `s${seq % 50}`, site: 'hangar-1', model: 'TX-101' },
            reading: { temperature: 21.5, humidity: 44, pressure: 1013, battery: 3.4 },
            tags: ['bench', 'generic', 'mqtt'],
            status: 'ok',
            BenchSeq: seq,
            BenchPad: 'x'.repeat(330),
          },
          dataEncoding: 'json',
        },
      },
    };
  });
  const data = JSON.parse(JSON.stringify({ batch })) as unknown;
  return { id: `b${n}`, data, progress: 0, updateProgress: async () => undefined };
}

async function cpuPerMessage(runner: BatchRunnerLike, batches: number): Promise<number> {
  const jobs = Array.from({ length: batches }, (_, n) => batchJob(n));
  const before = process.cpuUsage();
  // Two batch jobs at once share the slots, as the worker runs them (BullMQ concurrency 2).
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < jobs.length) {
        const result = await runner.run(jobs[next++]);
        if (result.delivered !== BATCH_SIZE) throw new Error(`delivered ${result.delivered}`);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (batches * BATCH_SIZE);
}

await compareBuilds({
  benchUrl: import.meta.url,
  rounds: ROUNDS,
  units: BATCHES * BATCH_SIZE,
  warmUp: 50 * BATCH_SIZE,
  what: 'delivery CPU',
  unit: 'µs/message',
  prepare: async (dist, url) => {
    const parts = await runnerOf(dist, url);
    return {
      measure: (messages) => cpuPerMessage(parts.runner, Math.max(1, Math.round(messages / BATCH_SIZE))),
      close: parts.close,
    };
  },
});
