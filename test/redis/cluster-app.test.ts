/**
 * The bridge on a real Redis Cluster (3 masters + 3 replicas, started here, shared by the tests):
 * - `App` with `redis.cluster.nodes` and `redis.minReplicas: 1`, notifications from the simulated
 *   Lufthansa broker to three local HTTP receivers. One webhook orders per flight (its pending
 *   sets ride in the webhook's transaction), one is enriched, one writes one job per message; every message reaches
 *   every receiver once, the timeline has them all, and the keys sit on at least two masters.
 * - QueueJobWriter on its own: redeliveries refused per webhook, extra commands inside the
 *   webhook's transaction, and WAIT asked of the master that took the write.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { createRedisClient, flightBucket, RedisKeys, webhookQueueName } from '../../src/redis/index.js';
import { messageFlight } from '../../src/subscriptions/index.js';
import { WebhookReceiver } from '../../src/sim/receiver.js';
import { LufthansaApiSim } from '../../src/sim/index.js';
import { LufthansaBrokerSim } from '../../src/sim/broker.js';
import { FlightBoard } from '../../src/sim/flights.js';
import { mountFlightStatus } from '../../src/sim/flight-status.js';
import {
  openWebhookQueue,
  QueueJobWriter,
  ReplicationTimeoutError,
  type EventEnvelope,
  type JobEntry,
} from '../../src/queue/index.js';
import { configFrom, hook, silentLogger } from '../ingest/support.js';
import { startRedisCluster, type RedisClusterTopology } from '../helpers/redis-topology.js';
import { waitFor } from '../helpers/servers.js';

const SECRET = 'whsec_Y2x1c3Rlci1hcHAtdGVzdC1zaWduaW5nLWtleS0zMmI=';
const PREFIX = 'flup';
const MESSAGES = 120;

let cluster: RedisClusterTopology;
before(async () => {
  cluster = await startRedisCluster();
});
after(async () => {
  await cluster.stop();
});

/** Three webhook ids whose slots are owned by at least two masters (ids are hashed, not chosen). */
async function spreadWebhookIds(): Promise<string[]> {
  const slotKey = (id: string) => `${PREFIX}:${webhookQueueName(id, 'cluster')}:meta`;
  const candidates = ['ops', 'crew', 'pax', 'cargo', 'ground', 'fuel', 'catering', 'gates'];
  const owners = await Promise.all(candidates.map((id) => cluster.masterFor(slotKey(id))));
  const second = owners.findIndex((owner) => owner !== owners[0]);
  assert.ok(second > 0, `all of ${candidates.join(', ')} on one master`);
  const third = candidates.findIndex((_, i) => i !== 0 && i !== second);
  return [candidates[0]!, candidates[second]!, candidates[third]!];
}

test('App on a Redis Cluster: 3 webhooks, minReplicas 1, every message delivered, keys on 2+ masters', async (t) => {
  const ids = await spreadWebhookIds();
  const receivers = ids.map(() => new WebhookReceiver({ secrets: [SECRET] }));
  await Promise.all(receivers.map((r) => r.start()));
  // The Lufthansa source: its flight topics give events a flight, so sequencing, the ordered
  // webhook's pending sets and the timeline are written too.
  const api = new LufthansaApiSim({ brokerEndpoint: '127.0.0.1' });
  await api.start();
  const board = new FlightBoard({ apiBase: api.url, count: 8 });
  mountFlightStatus(api, board);
  const broker = new LufthansaBrokerSim({ verifyLogin: (u, p) => api.verifyBrokerLogin(u, p) });
  await broker.start();
  const dir = mkdtempSync(join(tmpdir(), 'flup-cluster-app-'));
  const file = join(dir, 'config.yaml');
  const [ordered, batched, single] = ids;
  writeFileSync(
    file,
    `
redis:
  cluster: { nodes: ${JSON.stringify(cluster.nodes)} }
  prefix: ${PREFIX}
  minReplicas: 1
  minReplicasTimeout: 10s
source:
  kind: lufthansa
  lufthansa:
    apiBase: ${api.url}
    clientKey: demo-key
    clientSecret: demo-secret
    clientId: cluster-app-test
    topics: ["prd/FlightUpdate/#"]
    broker: { port: ${broker.port}, tls: false }
admin: { listen: "off" }
log: { level: silent }
webhooks:
  - { id: ${ordered}, url: "${receivers[0]!.url}/h", secret: "${SECRET}", ordering: flight }
  - { id: ${batched}, url: "${receivers[1]!.url}/h", secret: "${SECRET}", enrich: [flightStatus] }
  - { id: ${single}, url: "${receivers[2]!.url}/h", secret: "${SECRET}", batchSize: 1 }
`,
  );
  const level = process.env.APP_TEST_LOG === 'info' ? 'info' : 'silent';
  const app = new App(loadConfig({ file, env: {} }), { logger: createLogger({ level, format: 'json' }) });
  t.after(async () => {
    await app.stop();
    await Promise.all([...receivers.map((r) => r.stop()), broker.stop(), api.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  await app.start();
  // Messages published before the first SUBACK would have no subscriber (a new session).
  await waitFor(() => broker.stats.subscriptions > 0, 60_000, 'the bridge to log in and subscribe');

  const published = new Set<string>();
  for (let i = 0; i < MESSAGES; i++) {
    const update = board.randomUpdate();
    published.add(`${update.topic}\0${update.payload}`);
    await broker.publish(update.topic, update.payload);
  }
  await waitFor(
    () => receivers.every((r) => r.uniqueIds >= published.size),
    120_000,
    `${published.size} messages at each of ${ids.join(', ')}`,
  );
  for (const [n, receiver] of receivers.entries()) {
    assert.equal(receiver.rejected, 0, `signatures at ${ids[n]}`);
    assert.equal(receiver.uniqueIds, published.size, `distinct messages at ${ids[n]}`);
  }
  // Enriched through the Flight Status cache, lock and rate limiter, all on the Cluster.
  for (const delivery of receivers[1]!.deliveries) {
    const event = delivery.json as EventEnvelope;
    assert.ok(Array.isArray(event.flightStatus), `flightStatus on ${event.id}: ${event.flightStatusError}`);
  }
  // Numbered per flight, and the ordered webhook got each flight's events in that order.
  const lastSequence = new Map<string, number>();
  for (const delivery of receivers[0]!.deliveries) {
    const flight = (delivery.json as EventEnvelope).flight!;
    const key = `${flight.carrier}${flight.flightNumber}/${flight.date}`;
    assert.ok(Number(flight.sequence) > (lastSequence.get(key) ?? 0), `order of ${key}`);
    lastSequence.set(key, Number(flight.sequence));
  }

  // The timeline recorded every notification under its flight (keys on several nodes).
  const flights = new Set(
    receivers[0]!.deliveries.map((d) => {
      const { carrier, flightNumber, date } = (d.json as EventEnvelope).flight!;
      return flightBucket(messageFlight(carrier, flightNumber), date);
    }),
  );
  const reader = createRedisClient({ kind: 'cluster', nodes: cluster.nodes }, { name: 'test-reader' });
  t.after(() => reader.disconnect());
  const timeline = new RedisKeys(PREFIX, 'cluster').timeline();
  const recorded = await Promise.all(
    [...flights].map((bucket) => reader.zcard(timeline.notifications(bucket))),
  );
  assert.equal(
    recorded.reduce((a, b) => a + b, 0),
    published.size,
    'notifications in the timeline',
  );

  const nodes = await cluster.dbsizePerNode();
  t.diagnostic(`DBSIZE per node: ${nodes.map((n) => `${n.port} ${n.role} ${n.keys}`).join(', ')}`);
  assert.ok(nodes.filter((n) => n.role === 'master' && n.keys > 0).length >= 2, 'keys on at least 2 masters');
});

function entry(webhookId: string, jobId: string): JobEntry {
  const event = {
    id: `msg_${jobId}`,
    type: 'mqtt.message',
    topic: 't',
    receivedAt: new Date(0).toISOString(),
    data: { n: jobId },
    dataEncoding: 'json' as const,
  };
  return { webhookId, jobId, data: { event } };
}

test('job writer on a Cluster: one transaction per webhook, redeliveries refused, one WAIT per master that took writes', async (t) => {
  // `{wh.ops}`, `{wh.crew}`, `{wh.pax}`: slots 13007, 1706 and 7348, three masters.
  const prefix = 'writer';
  const config = configFrom({
    source: { kind: 'mqtt' },
    redis: { prefix, minReplicas: 1, minReplicasTimeout: '300ms' },
    webhooks: [hook('ops', { batchSize: 1 }), hook('crew', { batchSize: 3 }), hook('pax')],
  });
  const redis = createRedisClient({ kind: 'cluster', nodes: cluster.nodes }, { name: 'test-writer' });
  redis.on('error', () => undefined);
  let extra = 0;
  const writer = new QueueJobWriter({
    config,
    redis,
    logger: silentLogger(),
    // An extra command in the webhook's transaction: its key must carry the webhook's tag.
    extraCommands: (webhookId, entries, into) => {
      into.eval(
        "return redis.call('INCRBY', KEYS[1], ARGV[1])",
        1,
        `${prefix}:{wh.${webhookId}}:extra`,
        entries.length,
      );
      extra += 1;
      return 1;
    },
  });
  const queues = ['ops', 'crew', 'pax'].map((id) => openWebhookQueue(redis, prefix, id));
  t.after(async () => {
    await writer.close();
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  });

  const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
  await writer.addBulk(['ops', 'crew', 'pax'].flatMap((id) => keys.map((k) => entry(id, k))));
  const waitingFirst = await Promise.all(queues.map((q) => q.getWaitingCount()));
  // ops: one job per message; crew: batches of 3 (k1-k3, k4-k5); pax: one batch job.
  assert.deepEqual(waitingFirst, [5, 2, 1]);
  // A redelivery of k1-k3 with a new k6: only k6 is added, at every webhook.
  await writer.addBulk(
    ['ops', 'crew', 'pax'].flatMap((id) => ['k1', 'k2', 'k3', 'k6'].map((k) => entry(id, k))),
  );
  assert.deepEqual(await Promise.all(queues.map((q) => q.getWaitingCount())), [6, 3, 2]);
  assert.ok(extra >= 6, `extra commands queued ${extra}`);
  assert.equal(Number(await redis.get(`${prefix}:{wh.ops}:extra`)), 9);

  // WAIT goes to the master that took the write: with pax's replica stopped, a write to ops
  // still confirms, a write to pax does not (and is refused, so ingest would not PUBACK it).
  const replica = await cluster.replicaFor(`${prefix}:{wh.pax}:meta`);
  process.kill(replica.pid!, 'SIGSTOP');
  try {
    await writer.addBulk([entry('ops', 'k7')]);
    await assert.rejects(writer.addBulk([entry('pax', 'k7')]), ReplicationTimeoutError);
  } finally {
    process.kill(replica.pid!, 'SIGCONT');
  }
  // Written again until confirmed, as ingest does, once the replica runs again.
  await waitFor(
    () =>
      writer.addBulk([entry('pax', 'k7')]).then(
        () => true,
        () => undefined,
      ),
    30_000,
    'the pax write confirmed after SIGCONT',
  );
  assert.equal(await queues[2]!.getWaitingCount(), 3);
});
