/**
 * Private servers for tests that stop, kill or restart them: redis-server and mosquitto on free
 * loopback ports, ended by PID. Tests that only need a Redis use the machine's one on 6379 with a
 * unique key prefix (see uniquePrefix).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { freePort, waitForPort } from '../../src/sim/net.js';

export { freePort, waitForPort };

export const SHARED_REDIS_URL = process.env.FLUP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SHARED_MQTT_URL = process.env.FLUP_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export function uniquePrefix(name = 't'): string {
  return `flup-test-${name}-${randomBytes(4).toString('hex')}`;
}

/** A server process the test owns: restartable on the same port and data directory. */
export class ManagedServer {
  #child?: ChildProcess;
  constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly command: () => [string, string[]],
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const [cmd, args] = this.command();
    const child = spawn(cmd, args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.#child = child;
    try {
      await waitForPort(this.port);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${this.name} did not start: ${(err as Error).message}\n${stderr}`);
    }
  }

  /** SIGTERM (graceful) or SIGKILL; resolves when the process has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM', downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await sleep(downMs);
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startRedis(
  options: { aof?: boolean; fsync?: 'always' | 'everysec'; args?: string[] } = {},
): Promise<ManagedServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-redis-'));
  const server = new ManagedServer('redis-server', port, dir, () => [
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      dir,
      '--appendonly',
      options.aof ? 'yes' : 'no',
      '--appendfsync',
      options.fsync ?? 'everysec',
      '--maxmemory-policy',
      'noeviction',
      ...(options.args ?? []),
    ],
  ]);
  await server.start();
  return Object.assign(server, { url: `redis://127.0.0.1:${port}` });
}

export async function startMosquitto(
  options: { persistence?: boolean } = {},
): Promise<ManagedServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-mosquitto-'));
  // Started as root, mosquitto 2 drops to the "mosquitto" user: without this it cannot write its
  // persistence file into the 0700 temp dir and silently keeps nothing across a restart.
  chmodSync(dir, 0o777);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'max_queued_messages 0',
      'max_inflight_messages 100',
      'log_dest none',
    ].join('\n') + '\n',
  );
  const server = new ManagedServer('mosquitto', port, dir, () => ['mosquitto', ['-c', conf]]);
  await server.start();
  return Object.assign(server, { url: `mqtt://127.0.0.1:${port}` });
}

/** Polls until check() is truthy; fails with the message after timeoutMs. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  message = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(25);
  }
}
