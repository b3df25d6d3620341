import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import { flightEvent, startBridge, startReceiver, testConfig, type Bridge } from './support.js';

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

/** Sends n jobs to the fast webhook a few ms apart; returns each job's queue-to-done latency. */
async function fastLatencies(bridge: Bridge, n: number): Promise<number[]> {
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
  const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
  return jobs.map((job) => job!.finishedOn! - job!.timestamp);
}

test('an endpoint that hangs until its timeout does not raise another endpoint’s p99 latency', async (t) => {
  const hanging: ServerResponse[] = [];
  const slow = await startReceiver((_r, res) => hanging.push(res));
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

  const alone = p99(await fastLatencies(bridge, 40));
  for (let i = 0; i < 30; i++) await bridge.producer.add('slow', { event: flightEvent() });
  await waitFor(() => slow.requests.length >= 4, 5000, 'slow endpoint busy');
  const beside = p99(await fastLatencies(bridge, 40));
  assert.ok(slow.requests.length >= 4 && hanging.length >= 4, 'the slow endpoint held its slots');
  const slowDone = await bridge.producer.queue('slow').getJobCounts('completed');
  assert.equal(slowDone.completed, 0);
  // Generous: separate queues, workers and pools keep it near `alone`; sharing would cost seconds.
  assert.ok(
    beside < Math.max(alone * 5, alone + 1000),
    `fast p99 ${beside} ms beside the hanging endpoint vs ${alone} ms alone`,
  );
});
