/**
 * Issue 18 item 9: a broker that lost its state (restarted without persistence) answers the
 * reconnect with sessionPresent false: warned, counted in flup_mqtt_session_lost_total, shown in
 * the ingest status (which /readyz and the dashboard read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIngest } from '../../src/ingest/index.js';
import { QueueJobWriter } from '../../src/queue/index.js';
import { StaticMqttCredentials } from '../../src/sources/index.js';
import { captureLogger } from '../helpers/logger.js';
import { SHARED_REDIS_URL, startMosquitto, uniquePrefix, waitFor } from '../helpers/servers.js';
import { configFrom, hook, testDeps } from './support.js';

test('reconnect without the expected session: warn, count, status', async () => {
  const broker = await startMosquitto({ persistence: false });
  const prefix = uniquePrefix('session');
  const config = configFrom({
    source: { kind: 'mqtt', mqtt: { url: broker.url, clientId: prefix, topics: ['t/#'] } },
    redis: { url: SHARED_REDIS_URL, prefix },
    ingest: { reconnectMaxDelay: '1s' },
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
    await waitFor(() => ingest.status().grantedQos['t/#'] === 1, 10_000, 'subscribed');
    assert.equal(ingest.status().sessionsLost, undefined);
    await broker.restart();
    await waitFor(() => ingest.status().sessionsLost === 1, 30_000, 'the lost session noticed');
    assert.ok(ingest.status().lastSessionLostAt);
    assert.equal((await deps.metrics.mqttSessionLost.get()).values[0]?.value, 1);
    const warnings = log
      .records()
      .filter((r) => r.level === 40 && String(r.msg).includes('did not keep our session'));
    assert.equal(warnings.length, 1);
  } finally {
    await ingest.stop();
    await sink.close();
    deps.redis.disconnect();
    await broker.dispose();
  }
});
