/**
 * Jobs the ingest write hands straight to this process's worker (src/queue/claims.ts): delivered
 * once and completed like fetched jobs, retried like them, never ahead of an older waiting job,
 * and still recovered by BullMQ's stalled check when the process that claimed them is gone.
 * Real Redis, real BullMQ workers, a real HTTP receiver.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  jobOptionsFor,
  QueueJobWriter,
  queueName,
  type JobClaims,
  type JobEntry,
} from '../../src/queue/index.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { silentLogger } from '../ingest/support.js';
import {
  flightEvent,
  gaugeValue,
  startBridge,
  startReceiver,
  testConfig,
  type Bridge,
  type Handler,
} from './support.js';

const fast = { retry: { initialDelay: 50, maxDelay: 200, attempts: 5 } };

function entry(webhookId: string, n: number): JobEntry {
  const event = flightEvent({ id: `msg_claim_${n}` });
  return { webhookId, jobId: `${event.id}.${webhookId}`, data: { event } };
}

function writerFor(bridge: Bridge, claims: JobClaims | undefined = bridge.workers.claims) {
  const { config } = bridge;
  return new QueueJobWriter({
    config,
    redis: bridge.deps.redis,
    logger: silentLogger(),
    jobOptions: (webhook) => jobOptionsFor(webhook, config),
    claims,
  });
}

async function claimed(bridge: Bridge, webhook: string): Promise<number> {
  return (await gaugeValue(bridge.metrics, 'flup_claimed_jobs_total', { webhook })) ?? 0;
}

/** A receiver, a bridge with webhook `a` (one job per message) and a writer claiming for its workers; stopped after the test. */
async function claimingBridge(
  t: TestContext,
  name: string,
  options: { respond?: Handler; webhook?: Record<string, unknown>; beforeStop?: () => void } = {},
) {
  const receiver = await startReceiver(options.respond);
  const bridge = await startBridge(
    testConfig(uniquePrefix(name), [{ id: 'a', url: receiver.url, batchSize: 1, ...options.webhook }]),
  );
  const writer = writerFor(bridge);
  t.after(async () => {
    options.beforeStop?.();
    await writer.close();
    await bridge.stop();
    await receiver.close();
  });
  return { receiver, bridge, writer };
}

test('a message written while the worker is idle is claimed: delivered once, completed, no wake-up left behind', async (t) => {
  const { receiver, bridge, writer } = await claimingBridge(t, 'claim');
  const one = entry('a', 1);
  await writer.addBulk([one]);
  await waitFor(
    async () => (await bridge.state('a', one.jobId)) === 'completed',
    10_000,
    'claimed job completed',
  );
  assert.equal(receiver.requests.length, 1);
  assert.equal(receiver.requests[0]!.headers['webhook-id'], one.data.event.id);
  assert.equal(await claimed(bridge, 'a'), 1);
  const queue = bridge.producer.queue('a');
  const job = await queue.getJob(one.jobId);
  assert.equal(job?.attemptsStarted, 1);
  assert.ok(job?.processedOn, 'processedOn set as BullMQ would');
  // The marker would only wake the worker for an empty queue.
  const redis = await queue.client;
  assert.equal(await redis.zscore(queue.keys.marker!, '0'), null);
  assert.equal(await redis.llen(queue.keys.wait!), 0);
  assert.equal(await redis.llen(queue.keys.active!), 0);
});

test("a claimed job's completion rides with the next write; a stopping worker sends it at once", async (t) => {
  const { receiver, bridge, writer } = await claimingBridge(t, 'claim-held');
  const claims = bridge.workers.claims;
  // Held far longer than the test: only a write (or the stop) can complete these jobs.
  claims.completionHoldMs = 3_600_000;
  const queue = bridge.producer.queue('a');
  const redis = (await queue.client).duplicate();
  t.after(async () => {
    redis.disconnect();
  });
  const stateOf = (jobId: string) => queue.getJobState(jobId);
  const first = entry('a', 30);
  await writer.addBulk([first]);
  await waitFor(() => claims.heldCompletions === 1, 10_000, 'first delivered, its completion held');
  assert.equal(receiver.requests.length, 1);
  assert.equal(await stateOf(first.jobId), 'active');
  const second = entry('a', 31);
  await writer.addBulk([second]);
  await waitFor(async () => (await stateOf(first.jobId)) === 'completed', 10_000, 'carried by the write');
  await waitFor(() => claims.heldCompletions === 1, 10_000, 'second delivered, its completion held');
  assert.equal(await claimed(bridge, 'a'), 2);
  await bridge.workers.stop();
  assert.equal(await stateOf(second.jobId), 'completed');
  assert.equal(await redis.llen(queue.keys.active!), 0);
  assert.equal(receiver.requests.length, 2);
});

test('a redelivered message is refused by the claimed write too: no second job, no second delivery', async (t) => {
  const { receiver, bridge, writer } = await claimingBridge(t, 'claim-dedup');
  const queue = bridge.producer.queue('a');
  const one = entry('a', 40);
  await writer.addBulk([one]);
  await waitFor(async () => (await queue.getJobState(one.jobId)) === 'completed', 10_000, 'delivered');
  // The completed job is gone (retention), as after a while in production: only the dedup memory
  // still knows the message.
  await queue.remove(one.jobId);
  await writer.addBulk([one]);
  assert.equal(await queue.getJob(one.jobId), undefined);
  const redis = await queue.client;
  assert.equal(await redis.llen(queue.keys.active!), 0);
  assert.equal(await redis.llen(queue.keys.wait!), 0);
  // A new message after it is claimed and delivered as usual.
  const next = entry('a', 41);
  await writer.addBulk([next]);
  await waitFor(async () => (await queue.getJobState(next.jobId)) === 'completed', 10_000, 'next delivered');
  assert.deepEqual(
    receiver.requests.map((r) => r.headers['webhook-id']),
    [one.data.event.id, next.data.event.id],
  );
  assert.equal(await claimed(bridge, 'a'), 2);
});

test('a claimed job that fails is retried like any job, with the same webhook-id', async (t) => {
  let calls = 0;
  const { receiver, bridge, writer } = await claimingBridge(t, 'claim-retry', {
    respond: (_r, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(503).end('busy');
      else res.end('ok');
    },
    webhook: fast,
  });
  const one = entry('a', 2);
  await writer.addBulk([one]);
  await waitFor(
    async () => (await bridge.state('a', one.jobId)) === 'completed',
    10_000,
    'delivered after a retry',
  );
  assert.equal(await claimed(bridge, 'a'), 1);
  assert.equal(receiver.requests.length, 2);
  assert.deepEqual(
    receiver.requests.map((r) => r.headers['webhook-id']),
    [one.data.event.id, one.data.event.id],
  );
  assert.equal(await gaugeValue(bridge.metrics, 'flup_retries_total', { webhook: 'a' }), 1);
});

test('while the worker is busy, later messages wait in the queue and go in order; only the first was claimed', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const { receiver, bridge, writer } = await claimingBridge(t, 'claim-busy', {
    respond: (r, res) => {
      if (r.headers['webhook-id'] === 'msg_claim_10') void held.then(() => res.end('ok'));
      else res.end('ok');
    },
    webhook: { concurrency: 1 },
    beforeStop: () => release(),
  });
  const entries = [10, 11, 12, 13].map((n) => entry('a', n));
  await writer.addBulk([entries[0]!]);
  await waitFor(() => receiver.requests.length === 1, 10_000, 'first request held by the receiver');
  for (const e of entries.slice(1)) await writer.addBulk([e]);
  release();
  await waitFor(() => receiver.requests.length === 4, 10_000, 'all four delivered');
  assert.deepEqual(
    receiver.requests.map((r) => r.headers['webhook-id']),
    entries.map((e) => e.data.event.id),
  );
  assert.equal(await claimed(bridge, 'a'), 1);
});

test('a write behind an older waiting job claims nothing: the worker takes them in order', async (t) => {
  const prefix = uniquePrefix('claim-backlog');
  const config = testConfig(prefix, [{ id: 'a', url: 'http://127.0.0.1:9/hook', batchSize: 1 }]);
  const redis = new Redis(SHARED_REDIS_URL);
  const queue = new Queue(queueName('a'), { connection: redis, prefix });
  let offered = 0;
  const ran: string[] = [];
  const claims: JobClaims = {
    offer: (_webhook, count) => {
      offered += 1;
      return { lockDurationMs: 30_000, tokens: Array.from({ length: count }, (_, i) => `t-${i}`) };
    },
    run: (_webhook, jobs) => ran.push(...jobs.map((j) => j.jobId)),
    takeCompletions: () => [],
  };
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger(), claims });
  t.after(async () => {
    await writer.close();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });
  await queue.add('older', { event: flightEvent() }, { jobId: 'older' });
  const later = entry('a', 20);
  await writer.addBulk([later]);
  // Claimed jobs are handed over in the next turn (after the write's PUBACKs).
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(offered, 1);
  assert.deepEqual(ran, []);
  assert.deepEqual(await queue.getWaiting().then((jobs) => jobs.map((j) => j.id)), ['older', later.jobId]);
  // With the backlog gone, the next write is claimed.
  await redis.del(queue.keys.wait!);
  const next = entry('a', 21);
  await writer.addBulk([next]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, [next.jobId]);
  assert.equal(await queue.getJobState(next.jobId), 'active');
  assert.equal(await redis.get(`${queue.toKey(next.jobId)}:lock`), 't-0');
});

test('a claimed job whose process died before running it is recovered by the stalled check and processed', async (t) => {
  const prefix = uniquePrefix('claim-crash');
  const config = testConfig(prefix, [{ id: 'a', url: 'http://127.0.0.1:9/hook', batchSize: 1 }]);
  const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName('a'), { connection: redis, prefix });
  // The "dead" process: claims with a short lock, then never runs the job.
  const claims: JobClaims = {
    offer: (_webhook, count) => ({
      lockDurationMs: 300,
      tokens: Array.from({ length: count }, () => 'dead'),
    }),
    run: () => undefined,
    takeCompletions: () => [],
  };
  const writer = new QueueJobWriter({ config, redis, logger: silentLogger(), claims });
  const processed: string[] = [];
  const workers: Worker[] = [];
  const workerRedis = redis.duplicate();
  t.after(async () => {
    await Promise.all(workers.map((w) => w.close()));
    workerRedis.disconnect();
    await writer.close();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });
  const lost = entry('a', 30);
  await writer.addBulk([lost]);
  assert.equal(await queue.getJobState(lost.jobId), 'active');
  // Another process's worker: BullMQ's stalled check finds the job without a lock and retakes it.
  const worker = new Worker(
    queueName('a'),
    async (job) => {
      processed.push(job.id!);
    },
    { connection: workerRedis, prefix, stalledInterval: 200, lockDuration: 1000 },
  );
  workers.push(worker);
  await waitFor(() => processed.length === 1, 20_000, 'stalled claimed job processed by another worker');
  assert.deepEqual(processed, [lost.jobId]);
  await waitFor(async () => (await queue.getJobState(lost.jobId)) === 'completed', 10_000, 'completed');
});
