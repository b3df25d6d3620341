/**
 * Issue 18, "done when": the bridge on a private Redis whose writes fail (maxmemory 1mb, filled
 * first) for 30 s of load: fewer than 100 log lines, /readyz not ready after the grace period, the
 * cause (oom) in /metrics; after `CONFIG SET maxmemory 0` every message is delivered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { App } from '../../src/app.js';
import { AdminServer } from '../../src/admin/index.js';
import { loadConfig } from '../../src/config/index.js';
import { WebhookReceiver } from '../../src/sim/receiver.js';
import { FlightUpdatePublisher } from '../../src/sim/publisher.js';
import { captureLogger } from '../helpers/logger.js';
import { startMosquitto, startRedis, uniquePrefix, waitFor } from '../helpers/servers.js';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const OUTAGE_MS = 30_000;
const RATE = 50;

test('Redis refusing writes (OOM) for 30 s: few log lines, not ready after the grace, oom in /metrics, all delivered after', async () => {
  const redis = await startRedis();
  const broker = await startMosquitto();
  const receiver = new WebhookReceiver({ secrets: [SECRET] });
  await receiver.start();
  const prefix = uniquePrefix('oom');
  const admin = new Redis(redis.url);
  const log = captureLogger({ level: 'info' });
  const config = loadConfig({
    env: {},
    overrides: {
      'source.kind': 'mqtt',
      'source.mqtt.url': broker.url,
      'source.mqtt.clientId': prefix,
      'source.mqtt.topics': ['t/#'],
      'redis.url': redis.url,
      'redis.prefix': prefix,
      'admin.listen': '127.0.0.1:0',
      'admin.token': 'x'.repeat(32),
      'delivery.shutdownTimeout': 2000,
      // The lock outlives the outage, so this shows the ingest pause (a lost lock is another test).
      'ingest.leaderLockTtl': '120s',
      'ingest.writeFailureGrace': '2s',
      webhooks: [{ id: 'oom', url: `${receiver.url}/hook`, secret: SECRET, topics: ['t/#'] }],
    },
  });
  const app = new App(config, { logger: log.logger });
  try {
    await app.start();
    const server = app.parts.find((p): p is AdminServer => p instanceof AdminServer)!;
    const readyz = async () => (await fetch(`${server.url}/readyz`)).status;
    await waitFor(async () => (await readyz()) === 200, 20_000, 'ready');

    let seq = 0;
    const publish = (count: number, rate: number) => {
      const last = seq + count;
      return new FlightUpdatePublisher({
        target: { url: broker.url },
        rate,
        next: () =>
          seq < last ? { topic: `t/${seq % 5}`, payload: JSON.stringify({ seq: seq++ }) } : undefined,
      }).run();
    };
    await publish(100, 200);
    await waitFor(() => receiver.uniqueIds >= 100, 30_000, 'the first 100 delivered');

    // Fill Redis past 1 MB, then cap it there: every write is refused with OOM.
    const filler = 'f'.repeat(10_000);
    for (let i = 0; i < 300; i++) await admin.set(`${prefix}:fill:${i}`, filler);
    await admin.config('SET', 'maxmemory', '1mb');
    const linesBefore = log.lines.length;
    const outageStarted = Date.now();
    await publish((OUTAGE_MS / 1000) * RATE, RATE);
    await waitFor(async () => (await readyz()) === 503, 20_000, 'not ready after the grace period');
    const body = (await (await fetch(`${server.url}/readyz`)).json()) as {
      checks: { mqtt: { error?: string } };
    };
    assert.match(String(body.checks.mqtt.error), /Redis refuses ingest writes/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /flup_redis_errors_total\{cause="oom"\} [1-9]/);
    // Hold the outage for the full 30 s before looking at the log.
    const rest = OUTAGE_MS - (Date.now() - outageStarted);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    const outageLines = log.lines.slice(linesBefore);
    assert.ok(
      outageLines.length < 100,
      `${outageLines.length} log lines during the outage:\n${outageLines.slice(0, 20).join('\n')}`,
    );
    assert.ok(
      outageLines.some((l) => l.includes('OOM command not allowed')),
      'the real Redis error is logged, not only EXECABORT',
    );

    await admin.config('SET', 'maxmemory', '0');
    await waitFor(() => receiver.uniqueIds >= seq, 120_000, `all ${seq} delivered`);
    assert.equal(receiver.uniqueIds, seq);
    await waitFor(async () => (await readyz()) === 200, 20_000, 'ready again');
  } finally {
    await app.stop();
    admin.disconnect();
    await receiver.stop();
    await broker.dispose();
    await redis.dispose();
  }
});
