/**
 * The ingest write path alone, against a private redis-server: N lone messages (one write each,
 * as at a steady low rate) through a QueueJobWriter, for 1 and 3 webhooks. Prints, per message:
 * Redis commands and their execution time (INFO commandstats), bytes sent to Redis, and the
 * writer process's CPU. Counts, unlike latency, do not depend on how busy the machine is.
 *
 *   npx tsx bench/write-path.ts [--src DIR] [--count N] [--min-replicas N]
 * --src: another checkout's src/ (A/B against an earlier build of the writer).
 * --min-replicas: start that many replicas and set redis.minReplicas (the cost of WAIT per write);
 * also prints the mean time per write.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis } from './lib/infra.js';

const { values } = parseArgs({
  options: { src: { type: 'string' }, count: { type: 'string' }, 'min-replicas': { type: 'string' } },
});
const minReplicas = Number(values['min-replicas'] ?? 0);
const src = resolve(values.src ?? 'src');
const count = Number(values.count ?? 3000);
const load = (path: string) => import(pathToFileURL(`${src}/${path}`).href);

async function stats(redis: Redis): Promise<{ calls: number; usec: number; bytesIn: number }> {
  const commands = await redis.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const m of commands.matchAll(/calls=(\d+),usec=(\d+)/g)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  const bytesIn = Number(/total_net_input_bytes:(\d+)/.exec(await redis.info('stats'))?.[1]);
  return { calls, usec, bytesIn };
}

async function main(): Promise<void> {
  const { loadConfig } = await load('config/index.ts');
  const { QueueJobWriter } = await load('queue/index.ts');
  const { createLogger } = await load('core/index.ts');
  const server = await startRedis();
  const replicas = await Promise.all(Array.from({ length: minReplicas }, () => startRedis(server.port)));
  const redis = new Redis(server.url);
  const probe = new Redis(server.url);
  try {
    // Replicas count once their initial sync is done (WAIT answers 0 before).
    const online = async () => (await probe.info('replication')).split('state=online').length - 1;
    while ((await online()) < minReplicas) await new Promise((r) => setTimeout(r, 100));
    for (const webhooks of [1, 3]) {
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const file = `${mkdtempSync(`${tmpdir()}/flup-wp-`)}/config.yaml`;
      const hooks = Array.from({ length: webhooks }, (_, i) => ({
        id: `w${i}`,
        url: 'http://127.0.0.1:9/hook',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        topics: ['#'],
      }));
      writeFileSync(
        file,
        JSON.stringify({
          source: { kind: 'mqtt' },
          redis: { url: server.url, prefix: `wp${webhooks}`, minReplicas },
          webhooks: hooks,
        }),
      );
      const config = loadConfig({ file, env: {} });
      const logger = createLogger({ level: 'error', format: 'json' });
      const writer = new QueueJobWriter({ config, redis, logger });
      const entry = (n: number, webhookId: string) => ({
        webhookId,
        jobId: `${n.toString(16).padStart(8, '0')}${'a'.repeat(56)}`,
        data: {
          event: {
            id: `msg_${n}`,
            type: 'mqtt.message',
            topic: 't',
            receivedAt: '',
            data: { n, pad: 'x'.repeat(500) },
            dataEncoding: 'json',
          },
        },
      });
      for (let n = 0; n < 200; n++) await writer.addBulk(hooks.map((h) => entry(1e6 + n, h.id)));
      const before = await stats(probe);
      const cpu = process.cpuUsage();
      const started = performance.now();
      let timeouts = 0;
      for (let n = 0; n < count; n++) {
        // As the ack pipeline does: a write the replicas did not confirm in time is written again.
        for (;;) {
          try {
            await writer.addBulk(hooks.map((h) => entry(n, h.id)));
            break;
          } catch (err) {
            if ((err as Error).name !== 'ReplicationTimeoutError') throw err;
            timeouts += 1;
          }
        }
      }
      const used = process.cpuUsage(cpu);
      const writeMs = (performance.now() - started) / count;
      const after = await stats(probe);
      const per = (v: number) => (v / count).toFixed(1);
      console.log(
        `${webhooks} webhook(s), ${count} lone messages: Redis ${per(after.calls - before.calls - 2)} commands, ` +
          `${per(after.usec - before.usec)} µs of command time, ${per(after.bytesIn - before.bytesIn)} bytes in; ` +
          `writer CPU ${per(used.user + used.system)} µs per message; ${writeMs.toFixed(2)} ms per write ` +
          `(minReplicas ${minReplicas}, ${timeouts} WAIT timeouts)`,
      );
      await writer.close();
    }
  } finally {
    redis.disconnect();
    probe.disconnect();
    for (const replica of replicas) await replica.stop();
    await server.stop();
  }
}

await main();
