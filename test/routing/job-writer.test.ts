import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { connectRedis } from '../../src/redis/connection.js';
import { SHARED_REDIS_URL, startRedis, uniquePrefix } from '../helpers/servers.js';
import { configFrom, deleteKeys, hook, jobIds, silentLogger } from '../ingest/support.js';
import {
  QueueJobWriter,
  isBatch,
  queueName,
  type BatchJobData,
  type JobEntry,
} from '../../src/queue/index.js';

function entry(webhookId: string, jobId: string): JobEntry {
  return {
    webhookId,
    jobId,
    data: {
      event: {
        id: `msg_${jobId}`,
        type: 'mqtt.message',
        topic: 't',
        receivedAt: new Date(0).toISOString(),
        data: { n: jobId },
        dataEncoding: 'json',
      },
    },
  };
}

test('writes each entry to its webhook queue with retention options; a repeated job id adds nothing', async () => {
  const prefix = uniquePrefix('writer');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { prefix },
    webhooks: [hook('a', { batchSize: 1 }), hook('b', { batchSize: 1 })],
  });
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'writer-test' });
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger() });
  try {
    await writer.addBulk([entry('a', 'k1'), entry('b', 'k1'), entry('a', 'k2')]);
    await writer.addBulk([entry('a', 'k1'), entry('a', 'k3'), entry('b', 'k1')]);
    assert.deepEqual((await jobIds(SHARED_REDIS_URL, prefix, 'a')).sort(), ['k1', 'k2', 'k3']);
    assert.deepEqual(await jobIds(SHARED_REDIS_URL, prefix, 'b'), ['k1']);
    const queue = new Queue(queueName('a'), { connection: redis, prefix });
    const job = await queue.getJob('k2');
    assert.deepEqual(job?.opts.removeOnComplete, { count: 100 });
    assert.equal(job?.opts.removeOnFail, false);
    assert.deepEqual(job?.data.event.data, { n: 'k2' });
    await queue.close();
    await assert.rejects(writer.addBulk([entry('nope', 'k1')]), /no queue for webhook "nope"/);
  } finally {
    await writer.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    redis.disconnect();
  }
});

test('batches: one job per batchSize messages; a rejected message and a rate-limited webhook get jobs of their own; redeliveries add nothing', async () => {
  const prefix = uniquePrefix('writer');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { prefix },
    webhooks: [hook('a', { batchSize: 3 }), hook('limited', { rateLimit: { max: 10, duration: '1s' } })],
  });
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'writer-test' });
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger() });
  const queue = new Queue(queueName('a'), { connection: redis, prefix });
  try {
    const rejected = entry('a', 'bad');
    rejected.data.reject = 'oversized';
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
    await writer.addBulk([
      ...keys.map((k) => entry('a', k)),
      rejected,
      entry('a', 'k1'),
      entry('limited', 'k1'),
    ]);
    const jobs = await queue.getJobs(['waiting']);
    const batches = jobs
      .filter((j) => isBatch(j.data))
      .map((j) => (j.data as BatchJobData).batch.map((i) => i.jobId));
    assert.deepEqual(batches.flat().sort(), ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    assert.ok(batches.every((b) => b.length === 3));
    // The 7th message alone is written as a plain job, like the rejected one.
    assert.deepEqual(
      jobs
        .filter((j) => !isBatch(j.data))
        .map((j) => j.id)
        .sort(),
      ['bad', 'k7'],
    );
    assert.deepEqual(await jobIds(SHARED_REDIS_URL, prefix, 'limited'), ['k1']);

    // A redelivery of stored messages (same keys) adds nothing; a new one is written.
    await writer.addBulk([entry('a', 'k2'), entry('a', 'k5'), entry('a', 'k8'), entry('limited', 'k1')]);
    assert.deepEqual((await jobIds(SHARED_REDIS_URL, prefix, 'a')).sort(), [...keys, 'bad', 'k8'].sort());
    assert.deepEqual(await jobIds(SHARED_REDIS_URL, prefix, 'limited'), ['k1']);

    // The dedup record was written with the jobs (one transaction), so a writer started afresh
    // (a restart) refuses the same redeliveries; the record holds exactly the stored messages.
    assert.equal(await redis.zcard(`${prefix}:dedup:a`), 9);
    const restarted = new QueueJobWriter({ config, redis, logger: silentLogger() });
    await restarted.addBulk([entry('a', 'k3'), entry('a', 'k6'), entry('a', 'bad'), entry('a', 'k9')]);
    await restarted.close();
    assert.deepEqual(
      (await jobIds(SHARED_REDIS_URL, prefix, 'a')).sort(),
      [...keys, 'bad', 'k8', 'k9'].sort(),
    );
  } finally {
    await queue.close();
    await writer.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    redis.disconnect();
  }
});

test('completed jobs go, their messages stay refused: a redelivery after the job left Redis (and after a restart) adds nothing; no placeholder is left', async () => {
  const prefix = uniquePrefix('writer');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { prefix },
    webhooks: [hook('a', { batchSize: 1 }), hook('b', { batchSize: 10 })],
  });
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'writer-test' });
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger() });
  const queues = ['a', 'b'].map((id) => new Queue(queueName(id), { connection: redis, prefix }));
  try {
    await writer.addBulk([entry('a', 'k1'), entry('a', 'k2'), entry('b', 'k1'), entry('b', 'k2')]);
    // Delivered and removed on completion: only the dedup record remembers them.
    for (const queue of queues) await queue.obliterate({ force: true });
    assert.deepEqual(await jobIds(SHARED_REDIS_URL, prefix, 'a'), []);
    assert.equal(await redis.zcard(`${prefix}:dedup:a`), 2);

    const restarted = new QueueJobWriter({ config, redis, logger: silentLogger() });
    await restarted.addBulk([entry('a', 'k1'), entry('a', 'k3'), entry('b', 'k2'), entry('b', 'k3')]);
    await restarted.addBulk([entry('a', 'k2'), entry('b', 'k1'), entry('b', 'k2')]);
    await restarted.close();
    assert.deepEqual(await jobIds(SHARED_REDIS_URL, prefix, 'a'), ['k3']);
    const [, b] = queues;
    const waiting = await b!.getJobs(['waiting']);
    assert.deepEqual(
      waiting.flatMap((j) => (isBatch(j.data) ? j.data.batch.map((i) => i.jobId) : [j.id])),
      ['k3'],
    );
    // The gate's placeholders never outlive the write.
    const stray = await redis.keys(`${prefix}:wh.*:k[12]`);
    assert.deepEqual(stray, []);
  } finally {
    for (const queue of queues) await queue.close();
    await writer.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    redis.disconnect();
  }
});

test('a placeholder left by an aborted write never refuses a new message', async () => {
  const prefix = uniquePrefix('writer');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { prefix },
    webhooks: [hook('a', { batchSize: 1 })],
  });
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'writer-test' });
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger() });
  try {
    await redis.hset(`${prefix}:${queueName('a')}:k1`, 'flup:gate', '1');
    await writer.addBulk([entry('a', 'k1')]);
    assert.deepEqual(await jobIds(SHARED_REDIS_URL, prefix, 'a'), ['k1']);
  } finally {
    await writer.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    redis.disconnect();
  }
});

test('an injected jobOptions function decides the options per webhook', async () => {
  const prefix = uniquePrefix('writer');
  const config = configFrom({ source: { kind: 'mqtt' }, redis: { prefix }, webhooks: [hook('a')] });
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'writer-test' });
  const writer = new QueueJobWriter({
    config,
    redis,
    logger: silentLogger(),
    jobOptions: (w) => ({ attempts: w.retry.attempts, removeOnFail: { age: 60 } }),
  });
  try {
    await writer.addBulk([entry('a', 'k1')]);
    const queue = new Queue(queueName('a'), { connection: redis, prefix });
    const job = await queue.getJob('k1');
    assert.equal(job?.opts.attempts, 20);
    assert.deepEqual(job?.opts.removeOnFail, { age: 60 });
    await queue.close();
  } finally {
    await writer.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    redis.disconnect();
  }
});

test('rejects while Redis is down, succeeds once it is back', async () => {
  const server = await startRedis();
  const prefix = uniquePrefix('writer');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { prefix, url: server.url },
    webhooks: [hook('a'), hook('b')],
  });
  const redis = connectRedis(server.url, { name: 'writer-test' });
  redis.on('error', () => undefined);
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger() });
  try {
    await writer.addBulk([entry('a', 'k1')]);
    await server.stop('SIGKILL');
    await assert.rejects(writer.addBulk([entry('a', 'k2'), entry('b', 'k2')]));
    await server.start();
    // The writer's connection reconnects on its own; once it has, the same write must succeed.
    if (redis.status !== 'ready') await once(redis, 'ready');
    await writer.addBulk([entry('a', 'k2'), entry('b', 'k2')]);
    assert.deepEqual(await jobIds(server.url, prefix, 'b'), ['k2']);

    // The restarted server had none of the dedup scripts: the writer loaded them again.
    await writer.addBulk([entry('a', 'k3')]);
    await writer.addBulk([entry('a', 'k3')]);
    // (k1 went with the killed server: it kept nothing on disk.)
    assert.deepEqual((await jobIds(server.url, prefix, 'a')).sort(), ['k2', 'k3']);
    assert.equal(await redis.zcard(`${prefix}:dedup:a`), 2);
  } finally {
    await writer.close();
    redis.disconnect();
    await server.dispose();
  }
});

test('a write Redis refuses for memory (OOM inside MULTI) fails with the OOM error, not only EXECABORT', async () => {
  const server = await startRedis();
  const prefix = uniquePrefix('writer-oom');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { url: server.url, prefix },
    webhooks: [hook('a', { batchSize: 1 })],
  });
  const redis = connectRedis(server.url, { name: 'writer-oom' });
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger() });
  try {
    for (let i = 0; i < 300; i++) await redis.set(`fill:${i}`, 'f'.repeat(10_000));
    await redis.config('SET', 'maxmemory', '1mb');
    await assert.rejects(
      writer.addBulk([entry('a', 'k1'), entry('a', 'k2')]),
      /^\w*Error: OOM command not allowed/,
    );
  } finally {
    await writer.close();
    redis.disconnect();
    await server.dispose();
  }
});
