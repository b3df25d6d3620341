/**
 * redis.minReplicas against a real master + replica: a batch is acknowledged (the PUBACK callback)
 * only once WAIT confirms the replica has it; with the replica stopped (SIGSTOP) nothing is acked
 * and every unconfirmed write is counted; after SIGCONT the batch goes through, stored once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../src/core/metrics.js';
import { connectRedis } from '../../src/redis/connection.js';
import { AckPipeline } from '../../src/ingest/ack-pipeline.js';
import { isBatch, QueueJobWriter, queueName, type JobEntry } from '../../src/queue/index.js';
import type { ReceivedMessage } from '../../src/routing/index.js';
import { startRedis, uniquePrefix, waitFor } from '../helpers/servers.js';
import { configFrom, hook, silentLogger } from '../ingest/support.js';
import { Queue } from 'bullmq';

const message = (key: string): ReceivedMessage => ({ topic: key, payload: Buffer.from(key), receivedAt: 0 });
const asEntries = (messages: ReceivedMessage[]): JobEntry[] =>
  messages.map((m) => ({
    webhookId: 'a',
    jobId: m.topic,
    data: { event: { id: m.topic, type: 'mqtt.message', topic: m.topic } as never },
  }));

test('minReplicas 1: PUBACK only after WAIT confirms; replica stopped → no PUBACK, counted; resumed → acked, stored once', async () => {
  const master = await startRedis();
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const prefix = uniquePrefix('minrep');
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { url: master.url, prefix, minReplicas: 1, minReplicasTimeout: '200ms' },
    webhooks: [hook('a', { batchSize: 10 })],
  });
  const redis = connectRedis(master.url, { name: 'writer' });
  const replicaRedis = connectRedis(replica.url, { name: 'replica-reader' });
  let timeouts = 0;
  const writer = new QueueJobWriter({
    config,
    redis,
    logger: silentLogger(),
    onReplicationTimeout: () => (timeouts += 1),
  });
  const pipeline = new AckPipeline({
    sink: writer,
    build: asEntries,
    batchMaxSize: 10,
    batchMaxWait: 5,
    retryDelay: () => 20,
    logger: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const acked: string[] = [];
  const push = (key: string, onAck?: () => void) =>
    pipeline.push({ message: message(key), ack: () => (acked.push(key), onAck?.(), true) });
  const queue = new Queue(queueName('a'), { connection: redis, prefix });
  try {
    await waitFor(
      async () => /master_link_status:up/.test(await replicaRedis.info('replication')),
      20_000,
      'replica in sync',
    );
    // At the moment of the PUBACK the replica already holds the dedup record of the message.
    let onReplicaAtAck: Promise<number> | undefined;
    push('k1', () => (onReplicaAtAck = replicaRedis.zcard(`${prefix}:dedup:a`)));
    await waitFor(() => acked.length === 1, 10_000, 'k1 acked');
    assert.equal(await onReplicaAtAck, 1);
    // (On a busy machine the replica may miss a WAIT's timeout: that write is then retried.)
    const before = timeouts;

    process.kill(replica.pid!, 'SIGSTOP');
    for (const key of ['k2', 'k3', 'k4']) push(key);
    await waitFor(() => timeouts >= before + 3, 20_000, 'unconfirmed writes counted');
    assert.deepEqual(acked, ['k1'], 'no PUBACK while the replica cannot confirm');
    assert.equal(pipeline.paused, true);

    process.kill(replica.pid!, 'SIGCONT');
    await waitFor(() => acked.length === 4, 20_000, 'acked after the replica resumed');
    assert.deepEqual(acked, ['k1', 'k2', 'k3', 'k4']);
    const jobs = await queue.getJobs(['waiting']);
    const messages = jobs.flatMap((j) => (isBatch(j.data) ? j.data.batch.map((i) => i.jobId) : [j.id]));
    assert.deepEqual(messages.sort(), ['k1', 'k2', 'k3', 'k4'], 'each message stored once');
    assert.equal(await pipeline.close(5000), true);
  } finally {
    if (replica.pid) process.kill(replica.pid, 'SIGCONT');
    await queue.close();
    await writer.close();
    redis.disconnect();
    replicaRedis.disconnect();
    await replica.dispose();
    await master.dispose();
  }
});
