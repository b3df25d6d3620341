/**
 * System 2, a naive durable bridge: for every message `await queue.add` (one BullMQ queue per
 * target) inside mqtt.js's handleMessage, so the PUBACK goes out only after Redis has the job; one
 * Worker per queue, concurrency 50, POSTs with undici. BullMQ defaults otherwise (completed jobs
 * kept). mqtt.js handles incoming packets one at a time while handleMessage is pending: this is
 * the cost of acking after the write without batching. Run as a child process.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { Pool } from 'undici';

interface Options {
  mqttUrl: string;
  redisUrl: string;
  prefix: string;
  clientId: string;
  topic: string;
  targets: string[];
  connections: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
const queues = options.targets.map(
  (_, i) => new Queue(`target-${i}`, { connection, prefix: options.prefix }),
);

const workers = options.targets.map((url, i) => {
  const pool = new Pool(new URL(url).origin, { connections: options.connections });
  const path = new URL(url).pathname;
  return new Worker(
    `target-${i}`,
    async (job) => {
      const res = await pool.request({
        method: 'POST',
        path,
        body: job.data.payload as string,
        headers: { 'content-type': 'application/json' },
      });
      await res.body.dump();
      if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`);
    },
    {
      concurrency: 50,
      prefix: options.prefix,
      connection: new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
    },
  );
});

const client = mqtt.connect(options.mqttUrl, {
  clientId: options.clientId,
  clean: true,
  protocolVersion: 4,
});
client.handleMessage = (packet, callback) => {
  const data = { topic: packet.topic, payload: packet.payload.toString() };
  (async () => {
    for (const queue of queues) await queue.add('deliver', data);
  })().then(
    () => callback(),
    (err: Error) => callback(err),
  );
};
client.on('connect', () => client.subscribe(options.topic, { qos: 1 }));

const shutdown = () => {
  client.end(true);
  void Promise.all(workers.map((w) => w.close(true))).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
