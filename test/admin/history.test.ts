/**
 * DeliveryHistory against Redis: two replicas' counts land in the same minute buckets, p95 comes
 * from the merged latency buckets, a new process (restart) reads the same hour, and the buckets
 * are bounded (one hash per webhook and minute, with a TTL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DeliveryHistory, HOUR_MINUTES, MINUTE_MS } from '../../src/admin/history.js';
import { Metrics, type Clock } from '../../src/core/index.js';
import { deleteByPrefix } from '../../src/redis/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';

class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

test('replicas add up, a restart reads the same hour, buckets expire', async () => {
  const redis = new Redis(SHARED_REDIS_URL);
  const prefix = uniquePrefix('history');
  const clock = new FakeClock(Date.parse('2026-12-01T12:00:30Z'));
  try {
    const metricsA = new Metrics({ defaultMetrics: false });
    const metricsB = new Metrics({ defaultMetrics: false });
    const a = new DeliveryHistory({ redis, prefix, metrics: metricsA, clock });
    const b = new DeliveryHistory({ redis, prefix, metrics: metricsB, clock });
    await a.flush(); // baselines
    await b.flush();
    // Replica A: 90 fast deliveries; replica B: 10 slow ones and 5 failures.
    for (let i = 0; i < 90; i++) {
      metricsA.deliveries.inc({ webhook: 'ops', outcome: 'delivered' });
      metricsA.deliverySeconds.observe({ webhook: 'ops' }, 0.02);
    }
    for (let i = 0; i < 10; i++) {
      metricsB.deliveries.inc({ webhook: 'ops', outcome: 'delivered' });
      metricsB.deliverySeconds.observe({ webhook: 'ops' }, 4);
    }
    for (let i = 0; i < 5; i++) metricsB.deliveries.inc({ webhook: 'ops', outcome: 'retry' });
    metricsB.deliveries.inc({ webhook: 'ops', outcome: 'deferred' });
    await a.flush();
    await b.flush();
    // The next minute: 2 more on A.
    clock.ms += MINUTE_MS;
    metricsA.deliveries.inc({ webhook: 'ops', outcome: 'delivered' }, 2);
    await a.flush();
    await a.flush(); // nothing new: no change

    const restarted = new DeliveryHistory({
      redis,
      prefix,
      metrics: new Metrics({ defaultMetrics: false }),
      clock,
    });
    const hour = (await restarted.lastHour(['ops', 'idle']))!;
    assert.equal(hour.ops!.length, HOUR_MINUTES);
    assert.equal(hour.ops!.at(-1)!.at, '2026-12-01T12:01:00.000Z');
    const [before, last] = hour.ops!.slice(-2);
    assert.deepEqual([before!.delivered, before!.failed], [100, 5], 'both replicas, deferred left out');
    assert.deepEqual([last!.delivered, last!.failed, last!.p95Seconds], [2, 0, null]);
    // 10 of 100 took 4 s: the merged p95 lies in the slow bucket, not near the fast one.
    assert.ok(before!.p95Seconds! > 2, `p95 ${before!.p95Seconds}`);
    assert.deepEqual(await a.lastHour(['ops']), { ops: hour.ops }, 'every process reads the same');
    assert.ok(hour.idle!.every((p) => p.delivered === 0 && p.p95Seconds === null));

    const keys = await redis.keys(`${prefix}:history:*`);
    assert.equal(keys.length, 2, 'one hash per webhook and minute');
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      assert.ok(ttl > 60 * MINUTE_MS && ttl <= 70 * MINUTE_MS, `ttl ${ttl}`);
    }
    // An hour later the old minutes are out of the window.
    clock.ms += HOUR_MINUTES * MINUTE_MS;
    const later = await restarted.lastHour(['ops']);
    assert.ok(later.ops!.every((p) => p.delivered === 0));
  } finally {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
});
