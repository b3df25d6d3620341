/**
 * The servers around the system under test: a private redis-server and mosquitto on free loopback
 * ports, started once per run and ended by PID. Both keep nothing on disk (AOF off, no RDB saves,
 * no mosquitto persistence): the throughput figures are for the data path, not for fsync.
 */
import { Redis } from 'ioredis';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTracked, stopProcess } from './procs.js';
import { freePort, waitForPort } from '../../src/sim/net.js';

export { freePort, waitForPort };

export interface Server {
  name: string;
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(
  name: string,
  port: number,
  dir: string,
  cmd: string,
  args: string[],
  url: string,
): Promise<Server> {
  const child: ChildProcess = spawnTracked(name, cmd, args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port);
  } catch (err) {
    await stopProcess(child, 100);
    throw new Error(`${name} did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    name,
    url,
    port,
    pid: child.pid!,
    async stop() {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private redis-server; `replicaOf`: the port of the master it replicates. */
export async function startRedis(replicaOf?: number): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  args.push('--dir', dir, '--maxmemory-policy', 'noeviction', '--loglevel', 'warning');
  return startServer('redis-server', port, dir, 'redis-server', args, `redis://127.0.0.1:${port}`);
}

/** A replica of `master` (same settings), resolved once its link is up. */
export async function startRedisReplica(master: Server): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-bench-redis-replica-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--maxmemory-policy', 'noeviction', '--loglevel', 'warning');
  args.push('--replicaof', '127.0.0.1', new URL(master.url).port);
  const replica = await startServer(
    'redis-replica',
    port,
    dir,
    'redis-server',
    args,
    `redis://127.0.0.1:${port}`,
  );
  const client = new Redis(replica.url, { maxRetriesPerRequest: 1 });
  try {
    for (let i = 0; i < 300; i++) {
      if ((await client.info('replication')).includes('master_link_status:up')) return replica;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`redis replica ${replica.url} did not sync with ${master.url}`);
  } finally {
    client.disconnect();
  }
}

export async function startMosquitto(options: { maxInflight: number }): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // Unacknowledged QoS 1 messages the broker sends one subscriber at once.
      `max_inflight_messages ${options.maxInflight}`,
      // 0 = no cap: a slow subscriber gets every message of a burst, later.
      'max_queued_messages 0',
      'log_dest none',
    ].join('\n') + '\n',
  );
  return startServer('mosquitto', port, dir, 'mosquitto', ['-c', conf], `mqtt://127.0.0.1:${port}`);
}

/** First line of `<cmd> <args>` output, or "unknown". */
export function versionOf(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .split('\n')[0]!
      .trim();
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString().split('\n')[0];
    return out?.trim() || 'unknown';
  }
}

/** Redis `used_memory` in bytes (INFO memory), for memory growth per message. */
export async function redisUsedMemory(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
  } finally {
    redis.disconnect();
  }
}
