/**
 * Issue 18 items 10 and 11 at the delivery workers: a breaker that opens names the last error in
 * its log line, and a job that waits on the open breaker is handed back (delayed, no attempt
 * spent) instead of staying active, so it never outlives its BullMQ lock during a long outage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { freePort, uniquePrefix, waitFor } from '../helpers/servers.js';
import { listenLoopback, closeServer } from '../../src/sim/net.js';
import { DelayedError, Worker, type Job } from 'bullmq';
import { EndpointState } from '../../src/delivery/endpoint-state.js';
import { HttpClients } from '../../src/delivery/http.js';
import { WebhookProcessor } from '../../src/delivery/processor.js';
import { Slots } from '../../src/delivery/slots.js';
import type { StoredJobData } from '../../src/delivery/index.js';
import { queueName } from '../../src/queue/index.js';
import { cleanup, flightEvent, startBridge, testConfig, testDeps, TestProducer } from './support.js';

/** Short enough that a job held active across a few cool-downs loses its lock. */
const LOCK_MS = 3000;

test('jobs waiting on an open breaker are handed back delayed, never outlive their lock, and are delivered when the receiver returns', async (t) => {
  // Nothing listens on the port yet: every request is refused (ECONNREFUSED).
  const port = await freePort();
  const config = testConfig(uniquePrefix('breaker-wait'), [
    {
      id: 'down',
      url: `http://127.0.0.1:${port}/hook`,
      concurrency: 4,
      retry: { attempts: 1000, initialDelay: 50, maxDelay: 200 },
      breaker: { failureThreshold: 2, cooldown: 300, maxCooldown: 2000 },
    },
  ]);
  const bridge = await startBridge(config, { lockDurationMs: LOCK_MS });
  const received = new Set<string>();
  const server = createServer((req, res) => {
    received.add(String(req.headers['webhook-id']));
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  t.after(async () => {
    await bridge.stop();
    if (server.listening) await closeServer(server);
  });

  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push(await bridge.producer.add('down', { event: flightEvent() }));
  const queue = bridge.producer.queue('down');
  const opened = () => bridge.log.lines.filter((l) => l.includes('circuit opened')).length;

  // The breaker opens, and while it is open the waiting jobs are delayed, not active.
  let sawDelayed = false;
  await waitFor(
    async () => {
      if (opened() === 0) return false;
      sawDelayed ||= (await queue.getDelayedCount()) > 0;
      return sawDelayed;
    },
    20_000,
    'jobs delayed behind the open breaker',
  );
  // Several cool-downs (each failed probe reopens it), together well beyond the lock.
  await waitFor(() => opened() >= 5, 30_000, 'the breaker reopened after failed probes');
  const first = bridge.log.records().find((r) => String(r.msg).startsWith('circuit opened'))!;
  assert.match(String(first.lastError), /ECONNREFUSED/, 'the opening names the refused connection');
  assert.match(String(first.msg), /last error: .*ECONNREFUSED/);

  await listenLoopback(server, port);
  await waitFor(
    async () => (await queue.getCompletedCount()) === ids.length,
    30_000,
    'every job delivered after the receiver came back',
  );
  assert.equal(received.size, ids.length, 'each message reached the receiver');
  assert.equal(await queue.getFailedCount(), 0, 'nothing dead-lettered');
  const lockErrors = bridge.log.lines.filter((l) => /Missing lock|lock.*(lost|renew)/i.test(l));
  assert.deepEqual(lockErrors, [], 'no job outlived its lock');
});

test('a job that meets the open breaker is already delayed (no attempt spent, no lock held) when the queue pauses', async (t) => {
  const config = testConfig(uniquePrefix('breaker-handback'), [
    {
      id: 'down',
      url: 'http://127.0.0.1:9/hook',
      breaker: { failureThreshold: 1, cooldown: 60_000, maxCooldown: 60_000 },
    },
  ]);
  const webhook = config.webhooks[0]!;
  const { deps } = testDeps(config);
  const producer = new TestProducer(config);
  // Fetches the job by hand, as a BullMQ worker does: active, locked with this token.
  const worker = new Worker(queueName(webhook.id), null, {
    connection: { url: config.redis.url },
    prefix: config.redis.prefix,
  });
  const http = new HttpClients([webhook]);
  t.after(async () => {
    await worker.close();
    await producer.close();
    await http.close();
    deps.redis.disconnect();
    await cleanup(config.redis.prefix);
  });

  const state = new EndpointState(deps.redis, config.redis.prefix, webhook.id);
  const opened = await state.record(false, deps.clock.now(), webhook.breaker);
  assert.equal(opened.to, 'open');

  const jobId = await producer.add(webhook.id, { event: flightEvent() });
  const token = 'test-token';
  const job = (await worker.getNextJob(token)) as Job<StoredJobData>;
  assert.equal(job.id, jobId);
  assert.equal(await job.getState(), 'active');
  const lockKey = `${config.redis.prefix}:${queueName(webhook.id)}:${jobId}:lock`;
  assert.equal(await deps.redis.get(lockKey), token, 'the fetched job holds its lock');

  let pausedFor: number | undefined;
  let stateWhenPausing: string | undefined;
  const processor = new WebhookProcessor({
    webhook,
    http,
    state,
    rateLimit: async (ms) => {
      pausedFor = ms;
      stateWhenPausing = await job.getState();
    },
    metrics: deps.metrics,
    logger: deps.logger,
    clock: deps.clock,
    secrets: deps.secrets,
    userAgent: 'test',
    probeLeaseMs: 1000,
    slots: new Slots(1),
  });
  await assert.rejects(processor.process(job, token), (err) => err instanceof DelayedError);

  assert.ok(pausedFor !== undefined && pausedFor > 0, 'the queue paused for the cool-down');
  // Handed back before the pause: nothing is active (so no lock to lose) however long it lasts.
  assert.equal(stateWhenPausing, 'delayed');
  const after = await producer.queue(webhook.id).getJob(jobId);
  assert.equal(await after!.getState(), 'delayed');
  assert.equal(after!.attemptsMade, 0, 'waiting on the breaker spends no attempt');
  assert.equal(await deps.redis.exists(lockKey), 0, 'its lock released');
});
