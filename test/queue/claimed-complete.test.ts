/**
 * complete-claimed-job.lua against BullMQ's own moveToFinished: twin jobs, one completed by each,
 * must leave the same job hash, lists, sets and events, keep the same completed jobs, and refuse
 * the same wrong completions with the same codes. Real Redis, real BullMQ.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { completedKept, sendClaimedCompletion } from '../../src/queue/index.js';
import type { RedisClient } from '../../src/redis/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';

interface Side {
  queue: Queue;
  worker: Worker;
  redis: Redis;
  /** Adds `n` jobs and makes them active under tokens t0..t(n-1), as a claim would. */
  active(n: number, opts?: JobsOptions): Promise<Job[]>;
  complete(job: Job, token?: string): Promise<number>;
}

/** One queue completed the BullMQ way (`bullmq`) or by the script (`lean`). */
async function side(t: TestContext, how: 'bullmq' | 'lean'): Promise<Side> {
  const prefix = uniquePrefix(`cc-${how}`);
  const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('q', { connection: redis, prefix });
  const worker = new Worker('q', null, { connection: redis.duplicate(), prefix, autorun: false });
  t.after(async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });
  let tokens = 0;
  return {
    queue,
    worker,
    redis,
    async active(n, opts = { removeOnComplete: { count: 2 }, attempts: 3 }) {
      await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'deliver', data: { n: i }, opts })));
      const jobs: Job[] = [];
      for (let i = 0; i < n; i++) {
        const token = `t${tokens++}`;
        const job = (await worker.getNextJob(token)) as Job;
        job.token = token;
        jobs.push(job);
      }
      return jobs;
    },
    async complete(job, token = job.token!) {
      if (how === 'bullmq') {
        try {
          await job.moveToCompleted({ status: 200 }, token, false);
          return 0;
        } catch (err) {
          return codeOf((err as Error).message);
        }
      }
      const kept = completedKept(job, worker);
      assert.notEqual(kept, undefined, 'the script covers these jobs');
      return sendClaimedCompletion(redis as unknown as RedisClient, worker, {
        job,
        token,
        returnValue: JSON.stringify({ status: 200 }),
        finishedOn: Date.now(),
        kept: kept!,
      });
    },
  };
}

/** BullMQ's finishedErrors messages, back to moveToFinished's codes. */
function codeOf(message: string): number {
  if (/Missing key/.test(message)) return -1;
  if (/Missing lock/.test(message)) return -2;
  if (/not in the active state/.test(message)) return -3;
  if (/Lock mismatch/.test(message)) return -6;
  return Number.NaN;
}

/** The job hash with the times that differ between twins left out. */
async function hashOf(s: Side, id: string): Promise<Record<string, string>> {
  const hash = await s.redis.hgetall(s.queue.toKey(id));
  for (const volatile of ['timestamp', 'processedOn', 'finishedOn']) {
    if (hash[volatile] !== undefined) hash[volatile] = '<time>';
  }
  return hash;
}

/** The events after `from`, with job ids replaced by their order among the side's jobs. */
async function eventsOf(s: Side, ids: string[]): Promise<string[][]> {
  const entries = (await s.redis.xrange(s.queue.keys.events!, '-', '+')) as Array<[string, string[]]>;
  return entries
    .map(([, fields]) => fields.map((f, i) => (fields[i - 1] === 'jobId' ? `job${ids.indexOf(f)}` : f)))
    .filter((fields) => fields[1] === 'completed' || fields[1] === 'drained');
}

async function stateOf(s: Side, jobs: Job[]) {
  const ids = jobs.map((j) => j.id!);
  return {
    hashes: await Promise.all(ids.map((id) => hashOf(s, id))),
    locks: await Promise.all(ids.map((id) => s.redis.exists(`${s.queue.toKey(id)}:lock`))),
    active: await s.redis.lrange(s.queue.keys.active!, 0, -1),
    completed: (await s.redis.zrange(s.queue.keys.completed!, 0, -1)).map((id) => ids.indexOf(id)),
    stalled: await s.redis.smembers(s.queue.keys.stalled!),
    events: await eventsOf(s, ids),
    counts: await s.queue.getJobCounts('active', 'completed', 'wait'),
  };
}

test('a completion by the script leaves what BullMQ leaves: hash, lists, completed set kept at its count, events', async (t) => {
  const [bull, lean] = await Promise.all([side(t, 'bullmq'), side(t, 'lean')]);
  const [bullJobs, leanJobs] = await Promise.all([bull.active(4), lean.active(4)]);
  for (let i = 0; i < 4; i++) {
    assert.equal(await bull.complete(bullJobs[i]!), 0);
    assert.equal(await lean.complete(leanJobs[i]!), 0);
  }
  const [expected, actual] = await Promise.all([stateOf(bull, bullJobs), stateOf(lean, leanJobs)]);
  assert.deepEqual(actual, expected);
  // What that means: the two newest kept with their result, the older two gone, a drained event.
  assert.deepEqual(actual.completed, [2, 3]);
  assert.deepEqual(actual.hashes[0], {});
  assert.equal(actual.hashes[3]!.returnvalue, '{"status":200}');
  assert.equal(actual.hashes[3]!.atm, '1');
  assert.deepEqual(actual.events.at(-1), ['event', 'drained']);
  const job = await lean.queue.getJob(leanJobs[3]!.id!);
  assert.deepEqual(job?.returnvalue, { status: 200 });
  assert.equal(await job?.getState(), 'completed');
});

test('removeOnComplete true removes the job; false keeps every completed job', async (t) => {
  for (const removeOnComplete of [true, false]) {
    const [bull, lean] = await Promise.all([side(t, 'bullmq'), side(t, 'lean')]);
    const opts = { removeOnComplete, attempts: 3 };
    const [bullJobs, leanJobs] = await Promise.all([bull.active(3, opts), lean.active(3, opts)]);
    for (let i = 0; i < 3; i++) {
      await bull.complete(bullJobs[i]!);
      await lean.complete(leanJobs[i]!);
    }
    const [expected, actual] = await Promise.all([stateOf(bull, bullJobs), stateOf(lean, leanJobs)]);
    assert.deepEqual(actual, expected, `removeOnComplete ${removeOnComplete}`);
    assert.equal(actual.counts.completed, removeOnComplete ? 0 : 3);
  }
});

test('a wrong completion is refused with the code BullMQ gives, and changes nothing', async (t) => {
  const [bull, lean] = await Promise.all([side(t, 'bullmq'), side(t, 'lean')]);
  const [bullJobs, leanJobs] = await Promise.all([bull.active(3), lean.active(3)]);
  for (const s of [bull, lean]) {
    const jobs = s === bull ? bullJobs : leanJobs;
    // Another worker's lock; a lock that expired; a job already completed.
    assert.equal(await s.complete(jobs[0]!, 'someone-else'), -6);
    await s.redis.del(`${s.queue.toKey(jobs[1]!.id!)}:lock`);
    assert.equal(await s.complete(jobs[1]!), -2);
    assert.equal(await s.complete(jobs[2]!), 0);
    assert.equal(await s.complete(jobs[2]!), -2);
  }
  const [expected, actual] = await Promise.all([stateOf(bull, bullJobs), stateOf(lean, leanJobs)]);
  assert.deepEqual(actual, expected);
  assert.equal(actual.counts.active, 2);
});

test('jobs the script does not cover are left to BullMQ: keepJobs by age, unset, or a parent', async (t) => {
  const lean = await side(t, 'lean');
  const [byAge, unset, byCount, all, none] = await Promise.all([
    lean.active(1, { removeOnComplete: { age: 3600 } }),
    lean.active(1, {}),
    lean.active(1, { removeOnComplete: 5 }),
    lean.active(1, { removeOnComplete: false }),
    lean.active(1, { removeOnComplete: true }),
  ]);
  assert.equal(completedKept(byAge[0]!, lean.worker), undefined);
  assert.equal(completedKept(unset[0]!, lean.worker), undefined);
  assert.equal(completedKept(byCount[0]!, lean.worker), 5);
  assert.equal(completedKept(all[0]!, lean.worker), -1);
  assert.equal(completedKept(none[0]!, lean.worker), 0);
  const child = byCount[0]!;
  child.parentKey = 'bull:parents:1';
  assert.equal(completedKept(child, lean.worker), undefined);
});
