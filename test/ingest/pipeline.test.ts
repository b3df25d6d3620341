/** AckPipeline and JobBuilder without a broker: batching, ack order, pause on write failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../src/core/metrics.js';
import type { JobEntry, JobSink } from '../../src/queue/job.js';
import { AckPipeline } from '../../src/ingest/ack-pipeline.js';
import { JobBuilder, type ReceivedMessage } from '../../src/routing/job-builder.js';
import { waitFor } from '../helpers/servers.js';
import { configFrom, hook, silentLogger } from './support.js';

/** Resolves once every promise continuation already queued has run (the pipeline has no I/O here). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A sink whose writes the test completes or fails by hand. */
class ManualSink implements JobSink {
  readonly writes: Array<{ entries: JobEntry[]; resolve(): void; reject(err: Error): void }> = [];
  addBulk(entries: JobEntry[]): Promise<void> {
    return new Promise((resolve, reject) => this.writes.push({ entries, resolve, reject }));
  }
}

const message = (n: number): ReceivedMessage => ({
  topic: `t/${n}`,
  payload: Buffer.from(`{"n":${n}}`),
  receivedAt: 0,
});
const asEntries = (messages: ReceivedMessage[]): JobEntry[] =>
  messages.map((m) => ({
    webhookId: 'w',
    jobId: m.topic.replace('/', '-'),
    data: { event: { id: m.topic } as never },
  }));

test('batches up to batchMaxSize, acks only after the write and in arrival order', async () => {
  const sink = new ManualSink();
  const pipeline = new AckPipeline({
    sink,
    build: asEntries,
    batchMaxSize: 3,
    batchMaxWait: 1000,
    maxConcurrentWrites: 4,
    logger: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const acked: number[] = [];
  for (let n = 0; n < 7; n++) pipeline.push({ message: message(n), ack: () => acked.push(n) > 0 });
  await waitFor(() => sink.writes.length === 3, 2000, 'three writes');
  assert.deepEqual(
    sink.writes.map((w) => w.entries.length),
    [3, 3, 1],
  );
  sink.writes[1]!.resolve();
  sink.writes[2]!.resolve();
  await settled();
  assert.deepEqual(acked, [], 'later batches wait for the first');
  sink.writes[0]!.resolve();
  await waitFor(() => acked.length === 7, 1000, 'all acked');
  assert.deepEqual(acked, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(pipeline.inFlight, 0);
  assert.equal(await pipeline.close(100), true);
});

test('a failed write pauses (no acks, not accepting) and retries the same batch until it succeeds', async () => {
  let fail = true;
  const attempts: number[] = [];
  const sink: JobSink = {
    async addBulk(entries) {
      attempts.push(entries.length);
      if (fail) throw new Error('Connection is closed.');
    },
  };
  const metrics = new Metrics({ defaultMetrics: false });
  const pipeline = new AckPipeline({
    sink,
    build: asEntries,
    batchMaxSize: 10,
    batchMaxWait: 5,
    retryDelay: () => 20,
    logger: silentLogger(),
    metrics,
  });
  const acked: number[] = [];
  pipeline.push({ message: message(1), ack: () => acked.push(1) > 0 });
  pipeline.push({ message: message(2), ack: () => acked.push(2) > 0 });
  await waitFor(() => pipeline.paused, 1000, 'paused');
  assert.equal(pipeline.accepting, false);
  let resumed = false;
  void pipeline.whenAccepting().then(() => (resumed = true));
  await waitFor(() => attempts.length >= 3, 2000, 'three attempts');
  assert.deepEqual(acked, []);
  assert.ok(
    attempts.every((n) => n === 2),
    'the same two entries retried',
  );
  assert.equal((await metrics.ingestPaused.get()).values[0]?.value, 1);
  fail = false;
  await waitFor(() => acked.length === 2, 1000, 'acked after recovery');
  assert.equal(pipeline.paused, false);
  await waitFor(() => resumed, 1000, 'reader resumed');
  assert.equal((await metrics.ingestPaused.get()).values[0]?.value, 0);
  await pipeline.close(100);
});

test('close gives up on a write that cannot finish, without acking', async () => {
  const sink: JobSink = { addBulk: () => Promise.reject(new Error('down')) };
  const pipeline = new AckPipeline({
    sink,
    build: asEntries,
    batchMaxSize: 10,
    batchMaxWait: 1,
    retryDelay: () => 10,
    logger: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  let acked = false;
  pipeline.push({ message: message(1), ack: () => (acked = true) });
  assert.equal(await pipeline.close(100), false);
  await settled();
  assert.equal(acked, false);
});

test('JobBuilder: forward policy keeps unreadable payloads as base64; raw webhooks get the bytes', () => {
  const config = configFrom({
    source: { kind: 'mqtt' },
    webhooks: [hook('env'), hook('raw', { body: 'raw' }), hook('off', { enabled: false })],
  });
  const metrics = new Metrics({ defaultMetrics: false });
  const builder = new JobBuilder(config, metrics, silentLogger());
  const payload = Buffer.from([0xc3, 0x28, 0x01]);
  const entries = builder.build([{ topic: 'a/b', payload, receivedAt: Date.parse('2026-11-23T10:00:00Z') }]);
  assert.deepEqual(
    entries.map((e) => e.webhookId),
    ['env', 'raw'],
  );
  const [env, raw] = entries;
  assert.equal(env!.jobId, raw!.jobId);
  assert.match(env!.jobId, /^[0-9a-f]{64}$/);
  assert.equal(env!.data.reject, undefined);
  assert.equal(env!.data.event.dataEncoding, 'base64');
  assert.equal(env!.data.event.data, payload.toString('base64'));
  assert.equal(env!.data.event.receivedAt, '2026-11-23T10:00:00.000Z');
  assert.equal(env!.data.raw, undefined);
  assert.equal(raw!.data.raw, payload.toString('base64'));
  assert.equal(
    builder.build([{ topic: 'a/b', payload, receivedAt: 1 }])[0]!.jobId,
    env!.jobId,
    'a redelivery maps to the same job id',
  );
});

test('a job that cannot be serialized is dead-lettered alone; the rest of its batch is stored and acked', async () => {
  const written: JobEntry[] = [];
  // Like BullMQ: the sink serializes every job before anything is sent.
  const sink: JobSink = {
    async addBulk(entries) {
      const text = entries.map((e) => JSON.stringify(e.data));
      void text;
      written.push(...entries);
    },
  };
  const cyclic: Record<string, unknown> = { n: 1 };
  cyclic.self = cyclic;
  const metrics = new Metrics({ defaultMetrics: false });
  const pipeline = new AckPipeline({
    sink,
    build: (messages) =>
      messages.map((m, i) => ({
        webhookId: 'w',
        jobId: `j${i}`,
        data: {
          event: { id: m.topic, topic: m.topic, data: i === 1 ? cyclic : {}, dataEncoding: 'json' } as never,
        },
      })),
    batchMaxSize: 3,
    batchMaxWait: 1000,
    logger: silentLogger(),
    metrics,
  });
  const acked: number[] = [];
  for (let n = 0; n < 3; n++) pipeline.push({ message: message(n), ack: () => acked.push(n) > 0 });
  await waitFor(() => acked.length === 3, 2000, 'all three acked');
  assert.equal(written.length, 3);
  assert.match(String(written[1]!.data.reject), /^unstorable: /);
  assert.equal(written[1]!.data.event.id, 't/1');
  assert.equal(written[0]!.data.reject, undefined);
  assert.equal((await metrics.messagesRejected.get()).values[0]?.value, 1);
  assert.equal(await pipeline.close(100), true);
});

test('a write Redis never answers (held during a failover) times out and is retried; acks follow the retry', async () => {
  const sink = new ManualSink();
  const pipeline = new AckPipeline({
    sink,
    build: asEntries,
    batchMaxSize: 10,
    batchMaxWait: 5,
    retryDelay: () => 10,
    writeTimeoutMs: 50,
    logger: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const acked: number[] = [];
  for (let n = 0; n < 3; n++) pipeline.push({ message: message(n), ack: () => acked.push(n) > 0 });
  // The first write hangs; the timeout makes the pipeline send the batch again.
  await waitFor(() => sink.writes.length === 2, 5000, 'the write retried after its timeout');
  assert.deepEqual(acked, [], 'nothing acked while no write succeeded');
  assert.equal(pipeline.paused, true);
  assert.deepEqual(
    sink.writes[1]!.entries.map((e) => e.jobId),
    sink.writes[0]!.entries.map((e) => e.jobId),
  );
  sink.writes[1]!.resolve();
  await waitFor(() => acked.length === 3, 5000, 'acked after the retry');
  // The held write answering late changes nothing (dedup refuses its copy in Redis).
  sink.writes[0]!.resolve();
  await settled();
  assert.deepEqual(acked, [0, 1, 2]);
  assert.equal(await pipeline.close(1000), true);
});

test('at a steady rate a lone message waits for a second one, and the two share one write', async () => {
  const sink = new ManualSink();
  const pipeline = new AckPipeline({
    sink,
    build: asEntries,
    batchMaxSize: 10,
    // Neither timer can fire during the test: only the second message may end the wait.
    batchMaxWait: 600_000,
    groupWindow: 600_000,
    logger: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const acked: number[] = [];
  pipeline.push({ message: message(1), ack: () => acked.push(1) > 0 });
  await settled();
  await settled();
  assert.equal(sink.writes.length, 0, 'the lone message waits');
  pipeline.push({ message: message(2), ack: () => acked.push(2) > 0 });
  await waitFor(() => sink.writes.length === 1, 2000, 'one write');
  assert.deepEqual(
    sink.writes[0]!.entries.map((e) => e.jobId),
    ['t-1', 't-2'],
  );
  sink.writes[0]!.resolve();
  await waitFor(() => acked.length === 2, 1000, 'both acked');
  assert.deepEqual(acked, [1, 2]);
  assert.equal(await pipeline.close(100), true);
});

test('a message after a quiet spell, or with groupWindow 0, is written at once', async () => {
  for (const groupWindow of [0, 1]) {
    const sink = new ManualSink();
    const pipeline = new AckPipeline({
      sink,
      build: asEntries,
      batchMaxSize: 10,
      batchMaxWait: 600_000,
      // 1 ms: the average gap starts at a quiet spell's (1 s), far above it.
      groupWindow,
      logger: silentLogger(),
      metrics: new Metrics({ defaultMetrics: false }),
    });
    pipeline.push({ message: message(1), ack: () => true });
    await waitFor(() => sink.writes.length === 1, 2000, `the write (groupWindow ${groupWindow})`);
    assert.equal(sink.writes[0]!.entries.length, 1);
    sink.writes[0]!.resolve();
    assert.equal(await pipeline.close(1000), true);
  }
});
