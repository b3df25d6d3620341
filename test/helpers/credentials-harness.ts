/**
 * Shared setup of the credential tests (test/auth token providers, test/sources/lufthansa broker
 * login): the Lufthansa API simulator, a Redis prefix, a controllable clock.
 */
import type { TestContext } from 'node:test';
import { connectRedis, type Redis, type RedisClient } from '../../src/redis/connection.js';
import { Metrics } from '../../src/core/metrics.js';
import { SecretRegistry } from '../../src/core/logger.js';
import type { LufthansaSourceConfig } from '../../src/config/index.js';
import { LufthansaApiSim, type LufthansaApiSimOptions } from '../../src/sim/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from './servers.js';
import { captureLogger, type CapturedLogger } from './logger.js';
import {
  LufthansaApiToken,
  LufthansaCredentials,
  type LufthansaCredentialsDeps,
} from '../../src/sources/index.js';

export class TestClock {
  constructor(public time = Date.UTC(2026, 10, 23, 10, 0, 0)) {}
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export const DAY = 86_400_000;

export async function cleanRedis(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

export interface Harness {
  sim: LufthansaApiSim;
  redis: Redis;
  prefix: string;
  clock: TestClock;
  metrics: Metrics;
  secrets: SecretRegistry;
  log: CapturedLogger;
  source(overrides?: Partial<LufthansaSourceConfig>): LufthansaSourceConfig;
  make(
    overrides?: Partial<Omit<LufthansaCredentialsDeps, 'source'>> & {
      source?: Partial<LufthansaSourceConfig>;
    },
  ): LufthansaCredentials;
}

export async function harness(t: TestContext, simOptions: LufthansaApiSimOptions = {}): Promise<Harness> {
  const clock = new TestClock();
  const sim = new LufthansaApiSim({ brokerEndpoint: 'broker.test', clock, slowMs: 300, ...simOptions });
  await sim.start();
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'test-auth' });
  const prefix = uniquePrefix('auth');
  const metrics = new Metrics({ defaultMetrics: false });
  const secrets = new SecretRegistry();
  const log = captureLogger({ secrets: () => secrets.values() });
  const started: LufthansaCredentials[] = [];
  t.after(async () => {
    for (const c of started) await c.stop();
    await cleanRedis(redis, prefix);
    redis.disconnect();
    await sim.stop();
  });
  const source = (overrides: Partial<LufthansaSourceConfig> = {}): LufthansaSourceConfig => ({
    apiBase: sim.url,
    clientKey: 'demo-key',
    clientSecret: 'demo-secret',
    clientId: 'test',
    authGroups: 'flupSubTopic',
    topics: ['prd/FlightUpdate/#'],
    qos: 1,
    renewBefore: 30 * DAY,
    broker: { host: '', port: 8883, tls: true, caFile: '', protocolVersion: 4, insecure: false },
    ...overrides,
  });
  const make: Harness['make'] = (overrides = {}) => {
    const src = source(overrides.source);
    const retry = overrides.retry ?? { initialDelay: 10, maxDelay: 50, attempts: 3 };
    const apiToken =
      overrides.apiToken ??
      new LufthansaApiToken({
        source: src,
        logger: log.logger,
        clock,
        metrics,
        secrets,
        retry,
        timeout: overrides.timeout,
      });
    const credentials = new LufthansaCredentials({
      redis,
      prefix,
      logger: log.logger,
      metrics,
      clock,
      secrets,
      retry,
      ...overrides,
      apiToken,
      source: src,
    });
    started.push(credentials);
    return credentials;
  };
  return { sim, redis, prefix, clock, metrics, secrets, log, source, make };
}

export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value;
}
