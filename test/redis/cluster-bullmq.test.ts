import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { createRedisClient, waitForReplicas, type RedisClient } from '../../src/redis/factory.js';
import { startRedisCluster, type RedisClusterTopology } from '../helpers/redis-topology.js';
import { waitFor } from '../helpers/servers.js';
import { startWriter } from '../helpers/redis-writer.js';

// One hash tag per webhook: BullMQ builds keys as `<prefix>:<queue name>:<suffix>`, so the
// queue name `{wh.<id>}` puts all of a webhook's keys (and a dedup record named alike) in one slot.
const PREFIX = 'flup';
const WEBHOOKS = ['ops', 'crew', 'pax'];
const queueName = (id: string) => `{wh.${id}}`;
const slotKey = (id: string) => `${PREFIX}:${queueName(id)}:meta`;

let cluster: RedisClusterTopology;
let redis: RedisClient;
const closers: Array<() => Promise<unknown>> = [];

before(async () => {
  cluster = await startRedisCluster();
  redis = createRedisClient({ kind: 'cluster', nodes: cluster.nodes }, { name: 'test-ingest' });
  redis.on('error', () => {});
});

/** Teardown after a failover can block (a client still waiting on the killed node): bounded, it never holds the file. */
const TEARDOWN_STEP_MS = 5000;

after(async () => {
  for (const close of closers.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, TEARDOWN_STEP_MS)));
    await Promise.race([close().catch(() => {}), bound]);
    clearTimeout(timer);
  }
  redis.disconnect();
  await cluster.stop();
});

interface Webhook {
  queue: Queue;
  processed: Set<number>;
  completedEvents: () => number;
}

async function openWebhook(id: string): Promise<Webhook> {
  const queue = new Queue(queueName(id), { connection: redis, prefix: PREFIX });
  const processed = new Set<number>();
  const blocking = createRedisClient(
    { kind: 'cluster', nodes: cluster.nodes },
    { name: `test-worker-${id}`, blocking: true },
  );
  blocking.on('error', () => {});
  const worker = new Worker(
    queueName(id),
    async (job: Job<{ i: number }>) => {
      processed.add(job.data.i);
    },
    { connection: blocking, prefix: PREFIX, concurrency: 20 },
  );
  worker.on('error', () => {});
  const events = new QueueEvents(queueName(id), { connection: blocking, prefix: PREFIX });
  events.on('error', () => {});
  let completed = 0;
  events.on('completed', () => completed++);
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  closers.push(
    () => queue.close(),
    () => worker.close(true),
    () => events.close(),
    async () => blocking.disconnect(),
  );
  return { queue, processed, completedEvents: () => completed };
}

test('the plain queue name (no hash tag) is refused on a cluster: keys in different slots', async (t) => {
  const queue = new Queue('wh.plain', { connection: redis, prefix: PREFIX });
  closers.push(() => queue.close());
  const refused = await queue.add('d', { i: 0 }).then(
    () => undefined,
    (err: Error) => err.message,
  );
  assert.match(String(refused), /CROSSSLOT/);
  t.diagnostic(`prefix ${PREFIX}, queue name wh.plain: ${refused}`);
});

test('per-webhook hash tags: Queue, Worker and QueueEvents work and webhooks spread over masters', async (t) => {
  const masters = new Set(await Promise.all(WEBHOOKS.map((id) => cluster.masterFor(slotKey(id)))));
  assert.ok(masters.size >= 2, `3 webhooks on ${masters.size} master(s)`);

  const hooks = await Promise.all(WEBHOOKS.map(openWebhook));
  const perHook = 200;
  await Promise.all(
    hooks.map((h) =>
      h.queue.addBulk(Array.from({ length: perHook }, (_, i) => ({ name: 'd', data: { i } }))),
    ),
  );
  await waitFor(() => hooks.every((h) => h.processed.size === perHook), 60_000, 'every job processed');
  await waitFor(() => hooks.every((h) => h.completedEvents() === perHook), 60_000, 'completed events');

  const nodes = await cluster.dbsizePerNode();
  t.diagnostic(`DBSIZE per node: ${nodes.map((n) => `${n.port} ${n.role} ${n.keys}`).join(', ')}`);
  assert.ok(nodes.filter((n) => n.role === 'master' && n.keys > 0).length >= 2, 'keys on at least 2 masters');
});

test('waitForReplicas runs WAIT on the primary that took the write', async () => {
  const key = `${PREFIX}:{wait.probe}:k`;
  const replica = await cluster.replicaFor(key);
  await redis.set(key, 'before');
  assert.equal(await waitForReplicas(redis, 1, 5000, key), 1, 'replica confirms while it runs');
  // A stopped replica cannot confirm: WAIT on the right primary times out with 0, while WAIT on
  // any other primary (healthy replica, nothing pending) would answer 1.
  process.kill(replica.pid!, 'SIGSTOP');
  try {
    await redis.set(key, 'while stopped');
    assert.equal(await waitForReplicas(redis, 1, 300, key), 0);
  } finally {
    process.kill(replica.pid!, 'SIGCONT');
  }
  assert.equal(await waitForReplicas(redis, 1, 10_000, key), 1, 'confirmed once the replica runs again');
  await assert.rejects(waitForReplicas(redis, 1, 100), /needs the routing key/);
});

test("SIGKILL of a webhook's master mid-stream: adds and the worker resume, no acknowledged job lost", async (t) => {
  const [id] = WEBHOOKS;
  const hook = await openWebhook(`${id!}.kill`);
  const routingKey = `${PREFIX}:${queueName(`${id!}.kill`)}:meta`;
  // Acknowledged once the shard's replica has the job; the promoted replica is alone afterwards.
  let minReplicas = 1;
  const writer = startWriter(
    async (i) => {
      await hook.queue.add('d', { i }, { jobId: `j${i}` });
      return waitForReplicas(redis, minReplicas, 1000, routingKey);
    },
    () => minReplicas,
  );
  await waitFor(() => writer.acked.length >= 100, 30_000, 'first adds');

  const started = Date.now();
  minReplicas = 0;
  const switched = await cluster.killMasterOf(routingKey);
  const promotedAfter = Date.now() - started;
  const ackedAtSwitch = writer.acked.length;
  await waitFor(() => writer.acked.length >= ackedAtSwitch + 100, 60_000, 'adds after the kill');
  await writer.stop();
  await waitFor(
    () => writer.acked.every((i) => hook.processed.has(i)),
    60_000,
    'every acknowledged job processed',
  );
  t.diagnostic(
    `killed ${switched.from}, promoted ${switched.to} after ${promotedAfter} ms; ` +
      `longest gap between adds ${writer.longestGapSince(started)} ms; errors ${JSON.stringify(writer.errors())}; ` +
      `acked ${writer.acked.length}`,
  );
});
