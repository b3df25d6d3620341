/** Shared pieces of the delivery tests: config, deps, a recording HTTP receiver, jobs, cleanup. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createDeps, type AppDeps } from '../../src/app.js';
import { Metrics } from '../../src/core/metrics.js';
import { DeadLetters, DeliveryWorkers, WebhookAdminService as Webhooks } from '../../src/delivery/index.js';
import type { TokenProvider } from '../../src/auth/types.js';
import { captureLogger, type CapturedLogger } from '../helpers/logger.js';
import { deleteByPrefix } from '../../src/redis/connection.js';
import { SHARED_REDIS_URL } from '../helpers/servers.js';
import {
  type EventEnvelope,
  BATCH_JOB_NAME,
  batchJobOptions,
  jobOptionsFor,
  queueName,
  type DeliveryJobData,
  type Enricher,
} from '../../src/queue/index.js';

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function testConfig(
  prefix: string,
  webhooks: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): Config {
  return loadConfig({
    env: {},
    overrides: {
      'source.kind': 'mqtt',
      'redis.url': SHARED_REDIS_URL,
      'redis.prefix': prefix,
      'log.level': 'debug',
      'delivery.shutdownTimeout': 2000,
      webhooks: webhooks.map((w) => ({ secret: newSecret(), ...w })),
      ...extra,
    },
  });
}

export interface TestDeps {
  deps: AppDeps;
  log: CapturedLogger;
  metrics: Metrics;
}

export function testDeps(config: Config): TestDeps {
  const log = captureLogger({ level: 'debug' });
  const metrics = new Metrics({ defaultMetrics: false });
  const deps = createDeps(config, { logger: log.logger, metrics });
  return { deps, log, metrics };
}

export interface ReceivedRequest {
  at: number;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (req: ReceivedRequest, res: ServerResponse) => void;

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records each request and answers with `handler`. */
export async function startReceiver(
  handler: Handler = (_r, res) => res.end('ok'),
  options: { server?: Server; scheme?: 'http' | 'https' } = {},
): Promise<Receiver> {
  const server = options.server ?? createServer();
  const receiver = { requests: [] as ReceivedRequest[], handler } as Receiver;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record = {
        at: Date.now(),
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      receiver.requests.push(record);
      receiver.handler(record, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  receiver.port = port;
  receiver.url = `${options.scheme ?? 'http'}://127.0.0.1:${port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return receiver;
}

export function flightEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const data = {
    Update: { Code: 'MVT AD', Timestamp: '2026-11-23T09:41:00Z', Flight: { Carrier: 'LH', Number: '400' } },
  };
  return {
    id: `msg_${randomUUID()}`,
    type: 'flight.departed',
    topic: 'prd/FlightUpdate/LH/LH400/2026-11-23',
    receivedAt: new Date().toISOString(),
    occurredAt: '2026-11-23T09:41:00Z',
    flight: { carrier: 'LH', flightNumber: '400', date: '2026-11-23' },
    code: 'MVT AD',
    data,
    dataEncoding: 'json',
    ...overrides,
  };
}

/** Adds jobs the way ingest does: job id per message and webhook, jobOptionsFor. */
export class TestProducer {
  readonly #queues = new Map<string, Queue>();
  constructor(private readonly config: Config) {}

  queue(webhookId: string): Queue {
    let q = this.#queues.get(webhookId);
    if (!q) {
      q = new Queue(queueName(webhookId), {
        connection: { url: this.config.redis.url },
        prefix: this.config.redis.prefix,
      });
      this.#queues.set(webhookId, q);
    }
    return q;
  }

  async add(webhookId: string, data: DeliveryJobData): Promise<string> {
    const webhook = this.config.webhooks.find((w) => w.id === webhookId)!;
    const jobId = `${data.event.id}.${webhookId}`;
    await this.queue(webhookId).add('deliver', data, { ...jobOptionsFor(webhook, this.config), jobId });
    return jobId;
  }

  /** One batch job, as ingest writes for a webhook with batchSize > 1; returns the items' job ids. */
  async addBatch(webhookId: string, items: DeliveryJobData[]): Promise<string[]> {
    const batch = items.map((data) => ({ jobId: `${data.event.id}.${webhookId}`, data }));
    await this.queue(webhookId).add(BATCH_JOB_NAME, { batch }, batchJobOptions(this.config));
    return batch.map((i) => i.jobId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
  }
}

/** Deletes every key under the test's prefix. */
export async function cleanup(prefix: string): Promise<void> {
  const redis = new Redis(SHARED_REDIS_URL);
  try {
    await deleteByPrefix(redis, `${prefix}:`);
  } finally {
    redis.disconnect();
  }
}

export interface Bridge extends TestDeps {
  config: Config;
  workers: DeliveryWorkers;
  webhooks: Webhooks;
  deadLetters: DeadLetters;
  producer: TestProducer;
  state(webhookId: string, jobId: string): Promise<string>;
  stop(): Promise<void>;
}

/** Delivery workers, admin objects and a producer on a fresh prefix; stop() ends all and cleans Redis. */
export async function startBridge(
  config: Config,
  options: { tokenProviders?: Map<string, TokenProvider>; enricher?: Enricher; lockDurationMs?: number } = {},
): Promise<Bridge> {
  const t = testDeps(config);
  const workers = new DeliveryWorkers({
    deps: t.deps,
    tokenProviders: options.tokenProviders ?? new Map(),
    enricher: options.enricher,
    lockDurationMs: options.lockDurationMs,
  });
  const webhooks = new Webhooks({ config, redis: t.deps.redis, metrics: t.metrics, logger: t.deps.logger });
  const deadLetters = new DeadLetters({ config, redis: t.deps.redis });
  const producer = new TestProducer(config);
  await workers.start();
  return {
    ...t,
    config,
    workers,
    webhooks,
    deadLetters,
    producer,
    state: (webhookId, jobId) => producer.queue(webhookId).getJobState(jobId),
    async stop() {
      await workers.stop();
      await Promise.all([webhooks.close(), deadLetters.close(), producer.close()]);
      t.deps.redis.disconnect();
      await cleanup(config.redis.prefix);
    },
  };
}

export async function gaugeValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value;
}
