import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import { createRedisClient, waitForReplicas, type RedisClient } from '../../src/redis/factory.js';
import { startSentinelGroup, type SentinelGroup } from '../helpers/redis-topology.js';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import { startWriter } from '../helpers/redis-writer.js';

let group: SentinelGroup;
let client: RedisClient;

before(async () => {
  group = await startSentinelGroup();
  client = createRedisClient(
    { kind: 'sentinel', name: group.name, nodes: group.sentinels },
    { name: 'test-sentinel' },
  );
  client.on('error', () => {});
});

after(async () => {
  client.disconnect();
  await group.stop();
});

async function onNode<T>(port: number, read: (direct: Redis) => Promise<T>): Promise<T> {
  const direct = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    return await read(direct);
  } finally {
    direct.disconnect();
  }
}

test('a BullMQ Queue and Worker on factory clients carry on after SENTINEL FAILOVER', async (t) => {
  const prefix = uniquePrefix('sentinel-bullmq');
  const blocking = createRedisClient(
    { kind: 'sentinel', name: group.name, nodes: group.sentinels },
    { name: 'test-sentinel-worker', blocking: true },
  );
  blocking.on('error', () => {});
  const queue = new Queue('wh.ops', { connection: client, prefix });
  const processed = new Set<number>();
  const worker = new Worker(
    'wh.ops',
    async (job: Job<{ i: number }>) => {
      processed.add(job.data.i);
    },
    { connection: blocking, prefix },
  );
  worker.on('error', () => {});
  try {
    await queue.add('d', { i: 0 });
    await waitFor(() => processed.has(0), 30_000, 'a job before the failover');
    const switched = await group.failover();
    const started = Date.now();
    // Adds may fail while the client reconnects; they are retried until Redis takes them.
    const added = await waitFor(
      () => queue.add('d', { i: 1 }).catch(() => undefined),
      30_000,
      'an add after the failover',
    );
    // On the new master, not on the old one that still takes writes until Sentinel demotes it.
    assert.deepEqual(
      await onNode(switched.to, (direct) => direct.hget(`${prefix}:wh.ops:${added!.id!}`, 'data')),
      JSON.stringify({ i: 1 }),
    );
    await waitFor(() => processed.has(1), 30_000, 'the worker to take a job from the new master');
    t.diagnostic(
      `${switched.from} -> ${switched.to}: job added and processed ${Date.now() - started} ms after the sentinels agreed`,
    );
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    blocking.disconnect();
  }
});

test('a factory client keeps writing through SENTINEL FAILOVER and through SIGKILL of the master', async (t) => {
  const key = `${uniquePrefix('sentinel')}:acked`;
  // While a replica exists a write counts only once WAIT saw it there (redis.minReplicas: 1);
  // after the SIGKILL the promoted replica is alone, so what it takes counts.
  let minReplicas = 1;
  const writer = startWriter(
    async (i) => {
      await client.rpush(key, String(i));
      return waitForReplicas(client, minReplicas, 1000);
    },
    () => minReplicas,
  );
  await waitFor(() => writer.acked.length >= 100, 30_000, 'first writes');

  const steps = [
    ['SENTINEL FAILOVER', () => group.failover()],
    ['SIGKILL of the master', () => group.killMaster()],
  ] as const;
  for (const [label, act] of steps) {
    const started = Date.now();
    const switched = await act();
    // Only now: a write acknowledged without a replica just before the kill would be lost.
    if (label.startsWith('SIGKILL')) minReplicas = 0;
    const agreedAfter = Date.now() - started;
    const ackedAtSwitch = writer.acked.length;
    await waitFor(() => writer.acked.length >= ackedAtSwitch + 100, 60_000, `writes after ${label}`);
    t.diagnostic(
      `${label}: ${switched.from} -> ${switched.to}; sentinels agreed after ${agreedAfter} ms; ` +
        `100 acknowledged writes after ${Date.now() - started} ms; ` +
        `longest gap between writes ${writer.longestGapSince(started)} ms; ` +
        `errors ${JSON.stringify(writer.errors())}`,
    );
    const role = (await client.call('ROLE')) as unknown[];
    assert.equal(role[0], 'master', `after ${label} the client talks to the primary`);
  }

  await writer.stop();
  const stored = new Set(await onNode(await group.masterPort(), (direct) => direct.lrange(key, 0, -1)));
  const missing = writer.acked.filter((i) => !stored.has(String(i)));
  assert.deepEqual(missing, [], 'every acknowledged write is on the new master');
  await client.del(key);
});
