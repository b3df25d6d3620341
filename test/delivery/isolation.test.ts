import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import { flightEvent, startBridge, startReceiver, testConfig, type Bridge } from './support.js';

/** Sends n jobs to the fast webhook a few ms apart and waits until every one is delivered. */
async function deliverFast(bridge: Bridge, n: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(await bridge.producer.add('fast', { event: flightEvent() }));
    await new Promise((r) => setTimeout(r, 5));
  }
  const queue = bridge.producer.queue('fast');
  await waitFor(
    async () => (await Promise.all(ids.map((id) => queue.getJobState(id)))).every((s) => s === 'completed'),
    20_000,
    'fast deliveries',
  );
}

test('an endpoint that hangs until its timeout does not hold up another endpoint’s deliveries', async (t) => {
  const hanging: ServerResponse[] = [];
  let slowEnded = 0;
  const slow = await startReceiver((_r, res) => {
    hanging.push(res);
    res.on('close', () => (slowEnded += 1));
  });
  const fast = await startReceiver();
  const config = testConfig(uniquePrefix('iso'), [
    { id: 'slow', url: slow.url, timeout: '2s', concurrency: 4, connections: 4 },
    { id: 'fast', url: fast.url, concurrency: 4 },
  ]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    for (const res of hanging) res.destroy();
    await slow.close();
    await fast.close();
  });

  for (let i = 0; i < 30; i++) await bridge.producer.add('slow', { event: flightEvent() });
  await waitFor(() => slow.requests.length >= 4, 5000, 'slow endpoint busy');
  const endedBefore = slowEnded;
  await deliverFast(bridge, 40);
  const freed = slowEnded - endedBefore;
  assert.ok(slow.requests.length >= 4 && hanging.length >= 4, 'the slow endpoint held its slots');
  const slowDone = await bridge.producer.queue('slow').getJobCounts('completed');
  assert.equal(slowDone.completed, 0);
  // Counted in events, not milliseconds: sharing workers, slots or connections with the slow
  // endpoint, a fast delivery could only start when a slow request ended (its timeout), so 40
  // fast deliveries would need about 40 or more slow requests to end first. Separate ones need none.
  assert.ok(freed < 40, `40 fast deliveries while ${freed} slow requests ended`);
});
