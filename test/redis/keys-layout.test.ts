import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Queue } from 'bullmq';
import { openWebhookQueue } from '../../src/queue/index.js';
import {
  connectRedis,
  createRedisClient,
  deleteByPrefix,
  RedisKeys,
  type RedisClient,
} from '../../src/redis/index.js';
import { startRedisCluster, type RedisClusterTopology } from '../helpers/redis-topology.js';
import { SHARED_REDIS_URL } from '../helpers/servers.js';

// ioredis' own slot function (CRC16 of the hash tag), as the cluster computes it.
const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

test('single server: the names earlier versions wrote (an upgrade finds its waiting jobs)', () => {
  const keys = new RedisKeys('flup');
  assert.equal(keys.queueName('ops'), 'wh.ops');
  assert.equal(keys.dedup('ops'), 'flup:dedup:ops');
  assert.equal(keys.breaker('ops'), 'flup:delivery:ops:breaker');
  assert.equal(keys.disabled('ops'), 'flup:delivery:ops:disabled');
  assert.equal(keys.enrichFault('*'), 'flup:enrich:fault:*');
  assert.equal(keys.enrichProbation(), 'flup:enrich:probation');
});

test('cluster: a webhook queue, dedup record and breaker share one slot; webhooks differ', () => {
  const keys = new RedisKeys('flup', 'cluster');
  const slotsOf = (id: string) =>
    new Set(
      [
        `flup:${keys.queueName(id)}:wait`,
        `flup:${keys.queueName(id)}:meta`,
        `flup:${keys.queueName(id)}:${id}-job-1`,
        keys.dedup(id),
        keys.breaker(id),
        keys.disabled(id),
      ].map((key) => calculateSlot(key)),
    );
  assert.equal(slotsOf('ops').size, 1);
  assert.equal(slotsOf('crew').size, 1);
  assert.notDeepEqual([...slotsOf('ops')], [...slotsOf('crew')]);
  assert.equal(calculateSlot(keys.enrichFault('https://x/1')), calculateSlot(keys.enrichFault('*')));
  assert.equal(calculateSlot(keys.enrichFault('*')), calculateSlot(keys.enrichProbation()));
});

test('a job left in the old queue by the previous version is in the queue the workers open', async (t) => {
  const prefix = `keys-layout-${process.pid}`;
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'keys-layout' });
  t.after(async () => {
    await deleteByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  });
  // What an earlier version did: Queue('wh.<id>') under the prefix.
  const old = new Queue('wh.ops', { connection: redis, prefix });
  await old.add('flight.cancelled', { n: 1 }, { jobId: 'm1' });
  await old.close();
  const queue = openWebhookQueue(redis, prefix, 'ops');
  t.after(() => queue.close());
  assert.deepEqual((await queue.getJob('m1'))?.data, { n: 1 });
});

let cluster: RedisClusterTopology | undefined;
let clusterClient: RedisClient | undefined;
before(async () => {
  cluster = await startRedisCluster();
  clusterClient = createRedisClient({ kind: 'cluster', nodes: cluster.nodes }, { name: 'keys-layout' });
  clusterClient.on('error', () => {});
});
after(async () => {
  clusterClient?.disconnect();
  await cluster?.stop();
});

test('cluster: openWebhookQueue tags the queue; keys land on several masters; deleteByPrefix clears every master', async () => {
  const redis = clusterClient!;
  const ids = ['ops', 'crew', 'pax', 'cargo', 'gate', 'fuel'];
  for (const id of ids) {
    const queue = openWebhookQueue(redis, 'flup', id);
    assert.equal(queue.name, `{wh.${id}}`);
    await queue.add('e', { id }, { jobId: `${id}-1` });
    await redis.zadd(RedisKeys.for(redis, 'flup').dedup(id), Date.now(), `${id}-1`);
    await queue.close();
  }
  const perNode = await cluster!.dbsizePerNode();
  const masters = perNode.filter((n) => n.role === 'master' && n.keys > 0).length;
  assert.ok(masters >= 2, `keys on ${masters} master(s): ${JSON.stringify(perNode)}`);
  assert.ok((await deleteByPrefix(redis, 'flup:')) > 0);
  const left = (await cluster!.dbsizePerNode()).filter((n) => n.role === 'master' && n.keys > 0);
  assert.deepEqual(left, []);
});
