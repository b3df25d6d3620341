/** Redis (AOF on) stopped for 10 s mid-stream: no PUBACK while it is down, nothing lost. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIngest } from '../../src/ingest/index.js';
import { FlightUpdatePublisher } from '../../src/sim/publisher.js';
import { captureLogger } from '../helpers/logger.js';
import { startMosquitto, startRedis, uniquePrefix, waitFor } from '../helpers/servers.js';
import { configFrom, hook, jobIds, testDeps } from './support.js';
import { QueueJobWriter } from '../../src/queue/index.js';
import { StaticMqttCredentials } from '../../src/sources/index.js';

const value = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
  (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);

test('Redis down for 10 s: acks held, reads paused, all messages stored once it is back', async () => {
  const redis = await startRedis({ aof: true });
  const broker = await startMosquitto();
  const prefix = uniquePrefix('outage');
  const config = configFrom({
    source: { kind: 'mqtt', mqtt: { url: broker.url, clientId: prefix, topics: ['t/#'] } },
    redis: { url: redis.url, prefix },
    webhooks: [hook('all', { topics: ['t/#'] })],
  });
  const log = captureLogger({ level: 'info' });
  const deps = testDeps(config, log.logger);
  const sink = new QueueJobWriter({ config, redis: deps.redis, logger: deps.logger });
  const ingest = createIngest(deps, {
    credentials: new StaticMqttCredentials({ source: config.source.mqtt }),
    sink,
  });
  try {
    await ingest.start();
    await waitFor(
      () => ingest.status().connected && ingest.status().grantedQos['t/#'] === 1,
      10_000,
      'subscribed',
    );
    let i = 0;
    const next = () =>
      i < 3000 ? { topic: `t/${i % 7}`, payload: JSON.stringify({ seq: i++ }) } : undefined;
    const publishing = new FlightUpdatePublisher({ target: { url: broker.url }, rate: 300, next }).run();
    await waitFor(async () => (await value(deps.metrics.messagesAcked)) >= 300, 10_000, 'a first part acked');

    await redis.stop('SIGTERM');
    await waitFor(() => ingest.status().paused, 5000, 'ingest to pause');
    // The failed batch has been retried (and failed) again: the outage is under way, not starting.
    await waitFor(async () => (await value(deps.metrics.ingestRedisErrors)) >= 2, 5000, 'a failed retry');
    const ackedWhileDown = await value(deps.metrics.messagesAcked);
    const receivedWhileDown = await value(deps.metrics.messagesReceived);
    // The publisher sends the rest (about 2700 messages) while Redis stays down.
    assert.equal(await publishing, 3000);
    assert.equal(await value(deps.metrics.messagesAcked), ackedWhileDown, 'no PUBACK while Redis is down');
    assert.ok(
      (await value(deps.metrics.messagesReceived)) - receivedWhileDown < 2500,
      'reads paused (the broker keeps the rest)',
    );
    assert.equal(ingest.status().paused, true);
    assert.equal((await deps.metrics.ingestPaused.get()).values[0]?.value, 1);
    assert.ok((await value(deps.metrics.ingestRedisErrors)) >= 1);
    const outageLogs = log.records().filter((r) => String(r.msg).startsWith('cannot store jobs in Redis'));
    assert.equal(outageLogs.length, 1, 'the outage is logged once');

    await redis.start();
    await waitFor(
      async () => (await value(deps.metrics.messagesAcked)) >= 3000,
      40_000,
      'all acked after Redis returned',
    );
    assert.equal(ingest.status().paused, false);
    assert.equal((await jobIds(redis.url, prefix, 'all')).length, 3000);
  } finally {
    await ingest.stop();
    await sink.close();
    deps.redis.disconnect();
    await broker.dispose();
    await redis.dispose();
  }
});
