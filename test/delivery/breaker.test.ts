import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryWorkers } from '../../src/delivery/index.js';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import { flightEvent, startBridge, startReceiver, testConfig, testDeps } from './support.js';

test('an endpoint failing for a while: all delivered, none dead-lettered, breaker opens and closes, no attempts spent while open', async (t) => {
  const OUTAGE_MS = 4000;
  let outageStart: number | undefined;
  const receiver = await startReceiver((r, res) => {
    outageStart ??= r.at;
    res.statusCode = r.at - outageStart < OUTAGE_MS ? 500 : 200;
    res.end(res.statusCode === 500 ? 'upstream down' : 'ok');
  });
  const config = testConfig(uniquePrefix('breaker'), [
    {
      id: 'flaky',
      url: receiver.url,
      concurrency: 2,
      retry: { attempts: 20, initialDelay: 100, maxDelay: 400 },
      breaker: { failureThreshold: 3, cooldown: 200, maxCooldown: 1000 },
    },
  ]);
  const bridge = await startBridge(config);
  // A second worker process on the same Redis shares the breaker.
  const other = testDeps(config);
  const otherWorkers = new DeliveryWorkers({ deps: other.deps, tokenProviders: new Map() });
  await otherWorkers.start();
  t.after(async () => {
    await otherWorkers.stop();
    other.deps.redis.disconnect();
    await bridge.stop();
    await receiver.close();
  });

  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await bridge.producer.add('flaky', { event: flightEvent() }));
  let sawOpen = false;
  await waitFor(
    async () => {
      sawOpen ||= (await bridge.webhooks.list())[0]!.breaker === 'open';
      const counts = await bridge.producer.queue('flaky').getJobCounts('completed', 'failed');
      return counts.completed + counts.failed === ids.length;
    },
    40_000,
    'all jobs finished',
  );
  const queue = bridge.producer.queue('flaky');
  assert.equal(await queue.getFailedCount(), 0, 'nothing dead-lettered');
  const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
  const attempts = jobs.reduce((sum, job) => sum + job!.attemptsMade, 0);
  const failures = receiver.requests.filter((r) => r.at - outageStart! < OUTAGE_MS).length;
  // Every attempt BullMQ counted was a real request: waiting behind the open breaker spent none.
  assert.equal(attempts, receiver.requests.length);
  assert.equal(
    new Set(
      receiver.requests.filter((r) => r.at - outageStart! >= OUTAGE_MS).map((r) => r.headers['webhook-id']),
    ).size,
    10,
  );
  // Without the breaker ten jobs retrying every 0-400 ms for 4 s would send well over 100 requests.
  assert.ok(failures <= 30, `${failures} requests during the outage`);
  const logs = [...bridge.log.lines, ...other.log.lines];
  assert.ok(sawOpen || logs.some((l) => l.includes('circuit opened')), 'breaker opened');
  assert.ok(logs.some((l) => l.includes('circuit opened')));
  assert.ok(logs.some((l) => l.includes('circuit closed')));
  assert.equal((await bridge.webhooks.list())[0]!.breaker, 'closed');
});
