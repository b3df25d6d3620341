/**
 * Shared set-up of the enrichment tests: the Lufthansa API simulator with the Flight Status
 * resource, the real access-token provider against it, Redis connections and an enricher factory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { Agent } from 'undici';
import { Metrics } from '../../../src/core/metrics.js';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import type { EnrichmentConfig, WebhookConfig } from '../../../src/config/index.js';
import type { TokenProvider } from '../../../src/auth/types.js';
import type { Logger } from '../../../src/core/logger.js';
import { FlightBoard } from '../../../src/sim/flights.js';
import { mountFlightStatus, type FlightStatusEndpoint } from '../../../src/sim/flight-status.js';
import { LufthansaApiSim } from '../../../src/sim/lufthansa-api.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../../helpers/servers.js';
import { LufthansaApiToken, FlightStatusEnricher } from '../../../src/sources/index.js';
import { buildEnvelope, parsePayload } from '../../../src/routing/index.js';
import { type EventEnvelope } from '../../../src/queue/index.js';

export const DATE = '2026-11-23';

export const ENRICHMENT: EnrichmentConfig = {
  cacheTtl: 60_000,
  ratePerSecond: 5,
  ratePerHour: 1000,
  maxWait: 300_000,
  onError: 'deliver',
  timeout: 2000,
};

export const enrichingWebhook = (id: string): WebhookConfig =>
  ({ id, enrich: ['flightStatus'] }) as unknown as WebhookConfig;

export function envelopeOf(notification: { topic: string; payload: string }, id = 'm'): EventEnvelope {
  const bytes = new TextEncoder().encode(notification.payload);
  return buildEnvelope(
    { id, topic: notification.topic, payload: bytes, parsed: parsePayload(bytes), receivedAt: Date.now() },
    { source: 'lufthansa', typeRules: [], defaultType: 'mqtt.message' },
  );
}

export interface ApiFixture {
  sim: LufthansaApiSim;
  board: FlightBoard;
  endpoint: FlightStatusEndpoint;
  stop(): Promise<void>;
}

export async function startApi(count = 10): Promise<ApiFixture> {
  const sim = new LufthansaApiSim();
  await sim.start(0);
  const board = new FlightBoard({ apiBase: sim.url, date: DATE, count });
  const endpoint = mountFlightStatus(sim, board);
  return { sim, board, endpoint, stop: () => sim.stop() };
}

export function apiToken(apiBase: string, logger: Logger, clock: Clock = systemClock): LufthansaApiToken {
  return new LufthansaApiToken({
    source: { apiBase, clientKey: 'demo-key', clientSecret: 'demo-secret' },
    logger,
    clock,
  });
}

/** One "process": its own Redis connection, HTTP agent and metrics. */
export interface EnricherFixture {
  enricher: FlightStatusEnricher;
  redis: Redis;
  metrics: Metrics;
  close(): Promise<void>;
}

export function makeEnricher(options: {
  apiBase: string;
  prefix: string;
  token: TokenProvider;
  logger: Logger;
  enrichment?: Partial<EnrichmentConfig>;
  clock?: Clock;
}): EnricherFixture {
  const redis = new Redis(SHARED_REDIS_URL);
  const metrics = new Metrics({ defaultMetrics: false });
  const dispatcher = new Agent();
  const enricher = new FlightStatusEnricher({
    enrichment: { ...ENRICHMENT, ...options.enrichment },
    apiBase: options.apiBase,
    redis,
    prefix: options.prefix,
    apiToken: options.token,
    logger: options.logger,
    metrics,
    clock: options.clock ?? systemClock,
    dispatcher,
  });
  return {
    enricher,
    redis,
    metrics,
    close: async () => {
      await enricher.close();
      await dispatcher.close();
      redis.disconnect();
    },
  };
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(SHARED_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

export { uniquePrefix };

/** An HTTP server that records the Authorization header of every request it receives. */
export async function startRecorder(): Promise<{
  url: string;
  seen: Array<string | undefined>;
  stop(): Promise<void>;
}> {
  const seen: Array<string | undefined> = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"FlightStatusResource":{"Flights":{"Flight":{"evil":true}}}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A counter's value summed over label sets. */
export async function counterValue(
  metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}
