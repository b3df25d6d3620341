/**
 * The whole bridge in this process (App.create: real ingest from the shared mosquitto, Redis,
 * delivery workers) with one webhook at a local receiver, for the tracing and v1a tests.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAsync } from 'mqtt';
import { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { Metrics } from '../../src/core/metrics.js';
import { connectRedis, deleteByPrefix } from '../../src/redis/index.js';
import { captureLogger } from '../helpers/logger.js';
import { SHARED_MQTT_URL, SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers each request with the next status of `statuses` (the last one repeats); records all. */
export async function webhookReceiver(statuses: number[]) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses[Math.min(requests.length, statuses.length) - 1]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface BridgeOptions {
  webhookUrl: string;
  secret: string | string[];
  telemetry?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export async function startBridge(options: BridgeOptions) {
  const prefix = uniquePrefix('sig2');
  const topic = `${prefix}/FlightUpdate/LH/400`;
  const config = loadConfig({
    env: options.env ?? {},
    overrides: {
      'source.kind': 'mqtt',
      'source.mqtt.url': SHARED_MQTT_URL,
      'source.mqtt.clientId': prefix,
      'source.mqtt.topics': [`${prefix}/#`],
      'redis.url': SHARED_REDIS_URL,
      'redis.prefix': prefix,
      'admin.listen': 'off',
      'delivery.shutdownTimeout': 2000,
      ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      webhooks: [
        {
          id: 'hook',
          url: options.webhookUrl,
          secret: options.secret,
          retry: { attempts: 3, initialDelay: 50, maxDelay: 200 },
        },
      ],
    },
  });
  const log = captureLogger({ level: 'warn' });
  const app = await App.create(config, {
    logger: log.logger,
    metrics: new Metrics({ defaultMetrics: false }),
  });
  await app.start();
  const publisher = await connectAsync(SHARED_MQTT_URL, { clientId: `${prefix}-pub` });
  return {
    app,
    topic,
    /** Retained, so it reaches the bridge whether or not its subscription is already in place. */
    publish: (payload: unknown) =>
      publisher.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain: true }),
    async stop(): Promise<void> {
      await app.stop();
      // Cleared after the bridge stopped: the empty retained message is not another message to it.
      await publisher.publishAsync(topic, '', { qos: 1, retain: true });
      await publisher.endAsync();
      const redis = connectRedis(SHARED_REDIS_URL, { name: 'cleanup' });
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
