/** The generic MQTT source end to end: real mosquitto, real Redis, the real job writer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { connectAsync } from 'mqtt';
import type { Config } from '../../src/config/index.js';
import { createIngest } from '../../src/ingest/index.js';
import { FlightUpdatePublisher } from '../../src/sim/publisher.js';
import type { AppDeps } from '../../src/app.js';
import {
  SHARED_MQTT_URL,
  SHARED_REDIS_URL,
  startMosquitto,
  uniquePrefix,
  waitFor,
} from '../helpers/servers.js';
import { configFrom, deleteKeys, hook, jobIds, testDeps } from './support.js';
import { queueName, QueueJobWriter, isBatch } from '../../src/queue/index.js';
import { StaticMqttCredentials } from '../../src/sources/index.js';

async function counter(metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

async function runIngest(config: Config) {
  const deps: AppDeps = testDeps(config);
  const sink = new QueueJobWriter({ config, redis: deps.redis, logger: deps.logger });
  const ingest = createIngest(deps, {
    credentials: new StaticMqttCredentials({ source: config.source.mqtt }),
    sink,
  });
  await ingest.start();
  await waitFor(
    () => ingest.status().connected && Object.keys(ingest.status().grantedQos).length > 0,
    10_000,
    'subscribed',
  );
  return {
    deps,
    ingest,
    acked: () => counter(deps.metrics.messagesAcked),
    async close() {
      await ingest.stop();
      await sink.close();
      deps.redis.disconnect();
      await deleteKeys(config.redis.url, config.redis.prefix);
    },
  };
}

function sequence(base: string, count: number) {
  let i = 0;
  return () =>
    i < count
      ? { topic: `${base}/${i % 2 === 0 ? 'even' : 'odd'}/${i}`, payload: JSON.stringify({ seq: i++ }) }
      : undefined;
}

test('10,000 QoS 1 messages become exactly 10,000 jobs on the right queues', async () => {
  const broker = await startMosquitto();
  const prefix = uniquePrefix('ingest');
  const config = configFrom({
    source: { kind: 'mqtt', mqtt: { url: broker.url, clientId: prefix, topics: ['t/#'] } },
    redis: { prefix },
    webhooks: [
      hook('all', { topics: ['t/#'] }),
      hook('even', { topics: ['t/even/#'] }),
      hook('odd', { topics: ['t/+/#'], where: { seq: [1, 3, 5] } }),
    ],
  });
  const run = await runIngest(config);
  try {
    const published = await new FlightUpdatePublisher({
      target: { url: broker.url },
      next: sequence('t', 10_000),
    }).run();
    assert.equal(published, 10_000);
    await waitFor(async () => (await run.acked()) === 10_000, 40_000, 'all messages acked');
    assert.equal((await jobIds(SHARED_REDIS_URL, prefix, 'all')).length, 10_000);
    assert.equal((await jobIds(SHARED_REDIS_URL, prefix, 'even')).length, 5000);
    assert.equal((await jobIds(SHARED_REDIS_URL, prefix, 'odd')).length, 3);
    const queue = new Queue(queueName('even'), { connection: run.deps.redis, prefix });
    const [job] = await queue.getJobs(['waiting'], 0, 0);
    // Under load ingest writes batch jobs (webhook.batchSize); each item is one message.
    const first = isBatch(job!.data) ? job!.data.batch[0]!.data : job!.data;
    assert.equal((first.event.data as { seq: number }).seq % 2, 0);
    assert.equal(first.event.type, 'mqtt.message');
    await queue.close();
    assert.equal(await counter(run.deps.metrics.messagesRouted), 10_000);
    assert.equal(await counter(run.deps.metrics.mqttQosDowngrades), 0);
  } finally {
    await run.close();
    await broker.dispose();
  }
});

test('oversized and unreadable payloads become reject jobs, unrouted messages are acked, nothing crashes', async () => {
  const prefix = uniquePrefix('ingest');
  const base = prefix;
  const config = configFrom({
    source: { kind: 'mqtt', mqtt: { url: SHARED_MQTT_URL, clientId: prefix, topics: [`${base}/#`] } },
    redis: { prefix },
    ingest: { maxPayloadBytes: 1000, invalidPayload: 'deadletter' },
    webhooks: [
      hook('in', { topics: [`${base}/in/#`] }),
      hook('codes', { topics: [`${base}/in/#`], where: { code: 'A' } }),
    ],
  });
  const run = await runIngest(config);
  const publisher = await connectAsync(SHARED_MQTT_URL, { clientId: `${prefix}-pub` });
  try {
    await publisher.publishAsync(`${base}/in/ok`, JSON.stringify({ code: 'A' }), { qos: 1 });
    await publisher.publishAsync(`${base}/in/binary`, Buffer.from([0xff, 0xfe, 0x01]), { qos: 1 });
    await publisher.publishAsync(`${base}/in/big`, JSON.stringify({ code: 'A', pad: 'x'.repeat(2000) }), {
      qos: 1,
    });
    await publisher.publishAsync(`${base}/elsewhere`, JSON.stringify({ code: 'A' }), { qos: 1 });
    await waitFor(async () => (await run.acked()) === 4, 10_000, 'four acks');
    const queue = new Queue(queueName('in'), { connection: run.deps.redis, prefix });
    const jobs = await queue.getJobs(['waiting']);
    const byTopic = Object.fromEntries(jobs.map((j) => [j.data.event.topic.split('/').pop(), j.data]));
    assert.deepEqual(Object.keys(byTopic).sort(), ['big', 'binary', 'ok']);
    assert.equal(byTopic.ok.reject, undefined);
    assert.deepEqual(byTopic.ok.event.data, { code: 'A' });
    assert.equal(byTopic.binary.reject, 'invalid-payload');
    assert.equal(byTopic.binary.event.dataEncoding, 'base64');
    assert.equal(byTopic.big.reject, 'oversized');
    assert.equal(byTopic.big.event.data, '', 'an oversized payload is not copied into Redis');
    await queue.close();
    // Unreadable messages go to every webhook whose topics match (the where cannot be evaluated).
    assert.deepEqual((await jobIds(SHARED_REDIS_URL, prefix, 'codes')).length, 3);
    assert.equal(await counter(run.deps.metrics.messagesUnrouted), 1);
    const rejected = (await run.deps.metrics.messagesRejected.get()).values.map((v) => [
      v.labels.reason,
      v.value,
    ]);
    assert.deepEqual(rejected.sort(), [
      ['invalid-payload', 1],
      ['oversized', 1],
    ]);
  } finally {
    await publisher.endAsync();
    await run.close();
    // Drop the persistent session from the shared broker.
    await (await connectAsync(SHARED_MQTT_URL, { clientId: prefix, clean: true })).endAsync();
  }
});

test('broker restarted mid-stream (mosquitto with persistence): reconnects, nothing lost', async () => {
  const broker = await startMosquitto({ persistence: true });
  // mosquitto started as root drops to the mosquitto user, which cannot write the helper's 0700
  // data folder: without this its persistence silently fails (reported to the lead).
  const prefix = uniquePrefix('ingest');
  const config = configFrom({
    source: { kind: 'mqtt', mqtt: { url: broker.url, clientId: prefix, topics: ['t/#'] } },
    redis: { prefix },
    ingest: { reconnectMaxDelay: '2s' },
    webhooks: [hook('all', { topics: ['t/#'] })],
  });
  const run = await runIngest(config);
  try {
    const publisher = new FlightUpdatePublisher({
      target: { url: broker.url },
      rate: 1000,
      next: sequence('t', 4000),
    });
    const publishing = publisher.run();
    await waitFor(async () => (await run.acked()) > 1000, 10_000, 'a first part delivered');
    await broker.restart('SIGTERM', 500);
    assert.equal(await publishing, 4000);
    await waitFor(
      async () =>
        (await run.acked()) >= 4000 && (await jobIds(SHARED_REDIS_URL, prefix, 'all')).length === 4000,
      30_000,
      'all 4000 stored',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: acked ${await run.acked()}, stored ${(await jobIds(SHARED_REDIS_URL, prefix, 'all')).length}, received ${await counter(run.deps.metrics.messagesReceived)}`,
      );
    });
    assert.ok((await counter(run.deps.metrics.mqttReconnects)) >= 1);
    assert.equal(run.ingest.status().connected, true);
  } finally {
    await run.close();
    await broker.dispose();
  }
});

test('MQTT 5: the session (with its expiry interval) survives a bridge restart; messages sent meanwhile arrive', async () => {
  const prefix = uniquePrefix('ingest5');
  const config = configFrom({
    source: {
      kind: 'mqtt',
      mqtt: { url: SHARED_MQTT_URL, clientId: prefix, topics: [`${prefix}/#`], protocolVersion: 5 },
    },
    redis: { prefix },
    ingest: { sessionExpiryInterval: '1m' },
    webhooks: [hook('all', { topics: [`${prefix}/#`] })],
  });
  const publisher = await connectAsync(SHARED_MQTT_URL, { clientId: `${prefix}-pub` });
  const first = await runIngest(config);
  let second: Awaited<ReturnType<typeof runIngest>> | undefined;
  try {
    for (let i = 0; i < 50; i++)
      await publisher.publishAsync(`${prefix}/a/${i}`, JSON.stringify({ i }), { qos: 1 });
    await waitFor(async () => (await first.acked()) === 50, 10_000, '50 acked');
    assert.equal(first.ingest.status().sessionPresent, false);
    await first.ingest.stop();
    for (let i = 50; i < 70; i++)
      await publisher.publishAsync(`${prefix}/a/${i}`, JSON.stringify({ i }), { qos: 1 });
    second = await runIngest(config);
    assert.equal(second.ingest.status().sessionPresent, true);
    await waitFor(async () => (await second!.acked()) === 20, 10_000, 'the 20 sent while away');
    assert.equal((await jobIds(SHARED_REDIS_URL, prefix, 'all')).length, 70);
  } finally {
    await publisher.endAsync();
    await first.close();
    await second?.close();
    // Drop the broker's stored session.
    const cleaner = await connectAsync(SHARED_MQTT_URL, {
      clientId: prefix,
      protocolVersion: 5,
      clean: true,
      properties: { sessionExpiryInterval: 0 },
    });
    await cleaner.endAsync();
  }
});
