import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../src/core/metrics.js';
import { systemClock } from '../../src/core/clock.js';
import { LeaderLock } from '../../src/ingest/leader-lock.js';
import { connectRedis } from '../../src/redis/connection.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { silentLogger } from './support.js';
import { LockWatch } from '../helpers/lock-watch.js';

function lock(key: string, ttl: number, events: string[], name: string) {
  const redis = connectRedis(SHARED_REDIS_URL, { name: `lock-${name}` });
  const metrics = new Metrics({ defaultMetrics: false });
  const l = new LeaderLock({
    redis,
    key,
    ttl,
    logger: silentLogger(),
    metrics,
    clock: systemClock,
    owner: name,
    onAcquired: () => events.push(`${name}+`),
    onLost: () => events.push(`${name}-`),
  });
  return { lock: l, redis, metrics };
}

test('one holder; a clean stop hands over at once; a holder that vanishes is replaced once its key expires', async () => {
  const key = `${uniquePrefix('lock')}:ingest:leader`;
  const events: string[] = [];
  const a = lock(key, 1500, events, 'a');
  const b = lock(key, 1500, events, 'b');
  const watch = new LockWatch(SHARED_REDIS_URL, key);
  try {
    await a.lock.start();
    await b.lock.start();
    assert.deepEqual(events, ['a+']);
    assert.equal((await a.metrics.leader.get()).values[0]?.value, 1);
    assert.equal((await b.metrics.leader.get()).values[0]?.value, 0);
    // Three renewals span a TTL (one every ttl/3), while b keeps trying.
    assert.equal(await watch.renewals(3), 'a');
    assert.deepEqual(events, ['a+'], 'renewals keep the lock past its TTL');

    await a.lock.stop();
    // Deleted by stop() itself, not left to expire: nobody or b holds it the moment stop returns.
    assert.notEqual(await watch.owner(), 'a', 'released on stop');
    await waitFor(() => events.includes('b+'), 3000, 'b to take over');

    // b is cut off from Redis without releasing (as in a crash): the key stays until it expires.
    const c = lock(key, 1500, events, 'c');
    await c.lock.start();
    b.redis.disconnect();
    await waitFor(() => events.includes('c+'), 5000, 'c to take over');
    assert.equal(await watch.owner(), 'c');
    await c.lock.stop();
    c.redis.disconnect();
  } finally {
    watch.close();
    await a.lock.stop();
    await b.lock.stop();
    a.redis.disconnect();
    b.redis.disconnect();
    const cleanup = connectRedis(SHARED_REDIS_URL);
    await cleanup.del(key);
    cleanup.disconnect();
  }
});

test('a holder whose key was taken by someone else loses at its next renewal', async () => {
  const key = `${uniquePrefix('lock')}:ingest:leader`;
  const events: string[] = [];
  const a = lock(key, 900, events, 'a');
  try {
    await a.lock.start();
    assert.deepEqual(events, ['a+']);
    await a.redis.set(key, 'intruder', 'PX', 60_000);
    await waitFor(() => events.includes('a-'), 2000, 'a to notice');
    assert.equal(a.lock.held, false);
    assert.equal((await a.metrics.leader.get()).values[0]?.value, 0);
    await a.lock.stop();
    assert.equal(await a.redis.get(key), 'intruder', 'stop never deletes a key it does not own');
  } finally {
    await a.redis.del(key);
    a.redis.disconnect();
  }
});
