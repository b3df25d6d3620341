import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import { TestProducer, flightEvent, startBridge, startReceiver, testConfig } from './support.js';

const fast = { retry: { initialDelay: 50, maxDelay: 200, attempts: 3 } };

test('a batch job: delivered messages are done, a 5xx continues as its own job with the attempt counted, a 4xx is dead-lettered once', async (t) => {
  const events = ['ok1', 'ok2', 'flaky', 'refused'].map((name) => ({ name, event: flightEvent() }));
  const idOf = (name: string) => events.find((e) => e.name === name)!.event.id;
  const seen = new Map<string, number>();
  const receiver = await startReceiver((req, res) => {
    const id = String(req.headers['webhook-id']);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (id === idOf('refused')) res.writeHead(400).end('no');
    else if (id === idOf('flaky') && n === 1) res.writeHead(503).end('later');
    else res.end('ok');
  });
  const config = testConfig(uniquePrefix('batch'), [{ id: 'ops', url: receiver.url, ...fast }]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });

  const [, , flakyJob, refusedJob] = await bridge.producer.addBatch(
    'ops',
    events.map((e) => ({ event: e.event })),
  );
  await waitFor(() => seen.get(idOf('flaky')) === 2, 10_000, 'the 503 message retried');
  await waitFor(async () => (await bridge.state('ops', refusedJob!)) === 'failed', 10_000, 'the dead letter');
  await waitFor(async () => (await bridge.state('ops', flakyJob!)) === 'completed', 10_000, 'the retry done');

  assert.equal(seen.get(idOf('ok1')), 1);
  assert.equal(seen.get(idOf('ok2')), 1);
  assert.equal(seen.get(idOf('refused')), 1, 'a final answer is not asked again');
  const [dead] = await bridge.deadLetters.list({ webhookId: 'ops' });
  assert.equal(dead?.id, refusedJob);
  assert.equal(dead?.attempts, 1);
  assert.equal(dead?.lastStatus, 400);
  const flaky = await bridge.producer.queue('ops').getJob(flakyJob!);
  assert.equal(flaky?.data.priorAttempts, 1, 'the attempt made inside the batch counts');
  assert.equal(flaky?.data.failure?.reason, 'retrying');
  // Only messages not delivered at once become jobs of their own.
  assert.equal(await bridge.producer.queue('ops').getJob(`${idOf('ok1')}.ops`), undefined);
});

test('a batch whose message keeps failing is dead-lettered after webhook.retry.attempts in all', async (t) => {
  const receiver = await startReceiver((_req, res) => res.writeHead(500).end('down'));
  const config = testConfig(uniquePrefix('batch'), [
    { id: 'ops', url: receiver.url, ...fast, breaker: { failureThreshold: 1000 } },
  ]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const ids = await bridge.producer.addBatch('ops', [{ event: flightEvent() }, { event: flightEvent() }]);
  for (const id of ids)
    await waitFor(async () => (await bridge.state('ops', id)) === 'failed', 10_000, `${id} dead-lettered`);
  assert.equal(receiver.requests.length, 2 * fast.retry.attempts);
  const dead = await bridge.deadLetters.list({ webhookId: 'ops' });
  assert.deepEqual(
    dead.map((d) => [d.reason, d.attempts]),
    [
      ['exhausted', 3],
      ['exhausted', 3],
    ],
  );
});

test('stopping mid-batch hands the messages not yet sent off as jobs; after a restart each is delivered', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const receiver = await startReceiver((_req, res) => void gate.then(() => res.end('ok')));
  const config = testConfig(uniquePrefix('batch'), [{ id: 'ops', url: receiver.url, concurrency: 2 }]);
  const bridge = await startBridge(config);
  t.after(async () => {
    release();
    await bridge.stop();
    await receiver.close();
  });
  const events = Array.from({ length: 20 }, () => flightEvent());
  const ids = await bridge.producer.addBatch(
    'ops',
    events.map((event) => ({ event })),
  );
  await waitFor(() => receiver.requests.length === 2, 10_000, 'two requests in flight');
  const stopping = bridge.workers.stop();
  release();
  await stopping;
  // The two in flight finished; the other 18 wait as jobs of their own.
  const waiting = await bridge.producer.queue('ops').getJobs(['waiting']);
  assert.ok(
    waiting.every((j) => ids.includes(j.id!)),
    'they keep their message job ids',
  );
  assert.equal(waiting.length, 18);

  await bridge.workers.start();
  await waitFor(
    () => new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size === 20,
    10_000,
    'all 20',
  );
  assert.equal(receiver.requests.length, 20, 'each message once');
});

test('a batch re-run after a crash skips the messages its checkpoint says were delivered', async (t) => {
  const receiver = await startReceiver();
  const config = testConfig(uniquePrefix('batch'), [{ id: 'ops', url: receiver.url }]);
  // The job as a crashed worker left it: three of five delivered and checkpointed.
  const producer = new TestProducer(config);
  const events = Array.from({ length: 5 }, () => flightEvent());
  await producer.addBatch(
    'ops',
    events.map((event) => ({ event })),
  );
  const [job] = await producer.queue('ops').getJobs(['waiting']);
  await job!.updateProgress({ delivered: [0, 1, 2] });
  await producer.close();

  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  // Once the batch job has completed (and been removed) it sends nothing more: a repeat would be
  // in the requests.
  await waitFor(
    async () => ['completed', 'unknown'].includes(await bridge.state('ops', job!.id!)),
    10_000,
    'the batch job to complete',
  );
  assert.deepEqual(
    receiver.requests.map((r) => r.headers['webhook-id']).sort(),
    [events[3]!.id, events[4]!.id].sort(),
  );
});
