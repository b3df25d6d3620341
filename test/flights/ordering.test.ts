/**
 * FlightOrdering against the machine's Redis: a flight's events go out in sequence order per
 * webhook, sequences not routed to the webhook hold nothing back, a dead-lettered event releases
 * the next, and two worker processes keep the order while other flights flow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteByPrefix } from '../../src/redis/index.js';
import { FlightKeys, FlightOrdering } from '../../src/flights/index.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { LH400, sharedRedis } from './fixtures.js';

const clock = { now: () => Date.now() };

test('canDeliver waits for lower routed sequences; unrouted ones are skipped; done releases the next', async (t) => {
  const {
    prefix,
    clients: [a, b],
  } = sharedRedis(t, 'ordering', 2);
  const keys = new FlightKeys(prefix);
  const ingest = new FlightOrdering({ redis: a!, keys, clock });
  const worker = new FlightOrdering({ redis: b!, keys, clock });
  // Ingest routes sequences 1, 2, 4, 5 to wh1 (3 went elsewhere), in the MULTI of the job write.
  const multi = a!.multi();
  for (const sequence of [1, 2, 4, 5]) ingest.addRouted(multi, 'wh1', LH400, sequence, `job${sequence}`);
  await multi.exec();

  assert.equal(await worker.canDeliver('wh1', LH400, 1), true);
  assert.equal(await worker.canDeliver('wh1', LH400, 2), false);
  assert.equal(await worker.canDeliver('wh2', LH400, 5), true, 'another webhook is not held back');
  assert.deepEqual(
    await worker.markDone('wh1', LH400, 1),
    { jobId: 'job2', sequence: 2 },
    'the next one that may go',
  );
  assert.equal(await worker.canDeliver('wh1', LH400, 2), true);
  assert.equal(await worker.canDeliver('wh1', LH400, 4), false);
  // 2 is dead-lettered: done too. 3 was never routed to wh1: 4 may go.
  assert.deepEqual(await worker.markDone('wh1', LH400, 2), { jobId: 'job4', sequence: 4 });
  assert.equal(await worker.canDeliver('wh1', LH400, 4), true);
  assert.equal(await worker.canDeliver('wh1', LH400, 5), false);
  assert.deepEqual(await worker.markDone('wh1', LH400, 4), { jobId: 'job5', sequence: 5 });
  assert.equal(await worker.markDone('wh1', LH400, 5), undefined);
  assert.equal(await a!.exists(keys.pending('wh1', LH400)), 0, 'nothing left behind');
  await ingest.markRouted('wh1', LH400, 6);
  assert.ok((await a!.pexpiretime(keys.pending('wh1', LH400))) > Date.now(), 'the pending set expires');
  // A redelivered duplicate of a done sequence is not pending again (it would block 7 for good).
  await ingest.markRouted('wh1', LH400, 2, 'job2');
  assert.equal(await worker.canDeliver('wh1', LH400, 6), true);
});

test(
  'two worker processes: flight X in order 1,2,3,5 behind a failing 2 while flight Y flows',
  { timeout: 120_000 },
  async (t) => {
    const prefix = uniquePrefix('ordering-procs');
    const redis = new Redis(SHARED_REDIS_URL);
    const workers: ReturnType<typeof spawn>[] = [];
    t.after(async () => {
      await redis.set(`${prefix}:stop`, '1');
      await Promise.all(
        workers.map((w) =>
          w.exitCode === null ? new Promise((resolve) => w.once('exit', resolve)) : undefined,
        ),
      );
      await deleteByPrefix(redis, prefix);
      await redis.quit();
    });
    const ordering = new FlightOrdering({ redis, keys: new FlightKeys(prefix), clock });
    const x = { ...LH400, flightNumber: '400' };
    const y = { ...LH400, flightNumber: '401' };
    // X's 4 went to another webhook only. Jobs are queued out of order, as retries and two workers make them.
    const routed = { x: [1, 2, 3, 5], y: [1, 2, 3, 4, 5] };
    const multi = redis.multi();
    for (const s of routed.x) ordering.addRouted(multi, 'wh1', x, s, `x${s}`);
    for (const s of routed.y) ordering.addRouted(multi, 'wh1', y, s, `y${s}`);
    const jobs = [
      'wh1|400|5',
      'wh1|401|3',
      'wh1|400|3',
      'wh1|401|1',
      'wh1|400|2',
      'wh1|401|5',
      'wh1|400|1',
      'wh1|401|2',
      'wh1|401|4',
    ];
    await multi.exec();

    const script = fileURLToPath(new URL('./ordering-worker.ts', import.meta.url));
    for (let i = 0; i < 2; i++) {
      const worker = spawn(process.execPath, ['--import', 'tsx', script, SHARED_REDIS_URL, prefix], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      workers.push(worker);
    }
    // Jobs go out once both workers run, so both can take part.
    await waitFor(async () => (await redis.get(`${prefix}:ready`)) === '2', 60_000, 'two workers');
    await redis.rpush(`${prefix}:jobs`, ...jobs);
    await waitFor(
      async () => (await redis.llen(`${prefix}:delivered`)) === jobs.length || undefined,
      100_000,
    );
    assert.deepEqual(await redis.lrange(`${prefix}:delivered:wh1:400`, 0, -1), ['1', '2', '3', '5']);
    assert.deepEqual(await redis.lrange(`${prefix}:delivered:wh1:401`, 0, -1), ['1', '2', '3', '4', '5']);
    const order = (await redis.lrange(`${prefix}:delivered`, 0, -1)).map((d) =>
      d.split('|').slice(1, 3).join('|'),
    );
    assert.ok(order.indexOf('401|5') < order.indexOf('400|2'), `Y flowed while X waited: ${order.join(' ')}`);
    assert.ok(Number(await redis.get(`${prefix}:failures`)) > 0, 'X 2 failed at least once');
    const pids = new Set((await redis.lrange(`${prefix}:delivered`, 0, -1)).map((d) => d.split('|')[3]));
    t.diagnostic(`deliveries by ${pids.size} worker process(es): ${order.join(' ')}`);
  },
);
