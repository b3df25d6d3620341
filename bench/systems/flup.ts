/**
 * Systems 4 and 5: flup-bridge as a user runs it (`flup-bridge run --config`), with the shipped
 * defaults (no ingest or delivery tuning keys in the config): one process with role all, or one
 * ingest and two worker processes sharing the Redis prefix. A generic MQTT source, because the
 * Lufthansa source needs the vendor's credentials; the data path after the MQTT client is the same.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort } from '../lib/infra.js';
import { spawnTracked, stopProcess } from '../lib/procs.js';
import type { RunningSystem, StartContext, SystemSpec } from './types.js';

export type FlupRunner = 'dist' | 'tsx';

/** dist (compiled, as shipped) when built, else the TypeScript sources through tsx. */
export function flupRunner(repoRoot: string, wanted?: FlupRunner): FlupRunner {
  if (wanted) return wanted;
  return existsSync(join(repoRoot, 'dist', 'cli', 'main.js')) ? 'dist' : 'tsx';
}

/** The harness's environment without FLUP_* variables: only the generated config counts. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FLUP_')) env[key] = value;
  return env;
}

function config(
  ctx: StartContext,
  clientId: string,
  adminPort: number,
  extra: Record<string, unknown>,
  redisExtra: Record<string, unknown>,
): object {
  return {
    source: { kind: 'mqtt', mqtt: { url: ctx.mqttUrl, clientId, topics: [ctx.topic], qos: 1 } },
    redis: { url: ctx.redisUrl, prefix: `bench-${ctx.cell}`, ...redisExtra },
    webhooks: ctx.targets.map((url, i) => ({
      id: `target-${i}`,
      url,
      secret: `whsec_${randomBytes(24).toString('base64')}`,
      topics: ['#'],
      ...extra,
    })),
    admin: { listen: `127.0.0.1:${adminPort}` },
    log: { level: 'warn', format: 'json' },
  };
}

async function waitReady(port: number, exited: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('flup-bridge exited during start (see its log in the cell folder)');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`flup-bridge not ready (GET /readyz on 127.0.0.1:${port}) after ${timeoutMs} ms`);
}

/** Sums the flup_* counters named in wanted from a Prometheus text page. */
function counters(text: string, wanted: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(flup_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || !wanted.includes(match[1]!)) continue;
    out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[3]);
  }
  return out;
}

const COUNTERS = [
  'flup_messages_received_total',
  'flup_messages_acked_total',
  'flup_deliveries_total',
  'flup_retries_total',
  'flup_dead_letters_total',
  'flup_ingest_redis_errors_total',
];

function flupSystem(
  id: string,
  label: string,
  roles: string[],
  runner: () => FlupRunner,
  webhookExtra: Record<string, unknown>,
  distDir?: string,
  redisExtra: Record<string, unknown> = {},
): SystemSpec {
  return {
    id,
    label,
    usesRedis: true,
    async start(ctx: StartContext): Promise<RunningSystem> {
      const clientId = `bench-${id}-${ctx.cell}`;
      const how = runner();
      const entry = distDir
        ? [resolve(distDir, 'cli', 'main.js')]
        : how === 'dist'
          ? [join(ctx.repoRoot, 'dist', 'cli', 'main.js')]
          : ['--import', 'tsx', join(ctx.repoRoot, 'src', 'cli', 'main.ts')];
      const procs: { child: ChildProcess; port: number }[] = [];
      for (const [i, role] of roles.entries()) {
        const port = await freePort();
        // One file per process: only the admin port differs.
        const file = join(ctx.workDir, `flup-${role}-${i}.yaml`);
        writeFileSync(file, stringify(config(ctx, clientId, port, webhookExtra, redisExtra)));
        const log = openSync(join(ctx.workDir, `flup-${role}-${i}.log`), 'a');
        const nodeArgs = ctx.profileDir ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir] : [];
        // Experiments only (e.g. --trace-gc): extra node flags for the flup-bridge processes.
        nodeArgs.push(...(process.env.BENCH_FLUP_NODE_ARGS ?? '').split(' ').filter(Boolean));
        const child = spawnTracked(
          `flup-bridge ${role}`,
          process.execPath,
          [...nodeArgs, ...entry, 'run', '--config', file, '--role', role],
          {
            stdio: ['ignore', log, log],
            cwd: ctx.repoRoot,
            env: cleanEnv(),
          },
        );
        closeSync(log);
        procs.push({ child, port });
      }
      const stop = async () => {
        // Workers first, then ingest: the order a rolling shutdown would take.
        await Promise.all([...procs].reverse().map(({ child }) => stopProcess(child, 10_000)));
      };
      try {
        await Promise.all(
          procs.map(({ child, port }) =>
            waitReady(port, () => child.exitCode !== null || child.signalCode !== null),
          ),
        );
      } catch (err) {
        await stop();
        throw err;
      }
      return {
        pids: procs.map(({ child }) => child.pid!),
        clientIds: [clientId],
        stop,
        async counters() {
          const all: Record<string, number> = {};
          // Only the first process (role all or ingest) acks; scraping workers would cost them CPU.
          for (const { port } of procs.slice(0, 1)) {
            try {
              const res = await fetch(`http://127.0.0.1:${port}/metrics`);
              for (const [k, v] of Object.entries(counters(await res.text(), COUNTERS))) {
                all[k] = (all[k] ?? 0) + v;
              }
            } catch {
              // a process without metrics: leave its counters out
            }
          }
          return all;
        },
      };
    },
  };
}

export function flupSystems(
  repoRoot: string,
  wanted?: FlupRunner,
  webhookExtra: Record<string, unknown> = {},
  distDir?: string,
  /** Keys merged into the redis section (e.g. minReplicas with --min-replicas). */
  redisExtra: Record<string, unknown> = {},
): SystemSpec[] {
  const runner = () => flupRunner(repoRoot, wanted);
  const listed = (what: string, keys: Record<string, unknown>) =>
    Object.keys(keys).length
      ? `${what}: ${Object.entries(keys)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ')}`
      : '';
  const changes = [listed('webhooks', webhookExtra), listed('redis', redisExtra)].filter(Boolean);
  const tuned = changes.length ? ` (${changes.join('; ')})` : '';
  return [
    flupSystem(
      'flup',
      `flup-bridge, 1 process${tuned || ', shipped defaults'}`,
      ['all'],
      runner,
      webhookExtra,
      distDir,
      redisExtra,
    ),
    flupSystem(
      'flup-1w',
      `flup-bridge, 1 ingest + 1 worker${tuned}`,
      ['ingest', 'worker'],
      runner,
      webhookExtra,
      distDir,
      redisExtra,
    ),
    flupSystem(
      'flup-split',
      `flup-bridge, 1 ingest + 2 workers${tuned}`,
      ['ingest', 'worker', 'worker'],
      runner,
      webhookExtra,
      distDir,
      redisExtra,
    ),
  ];
}
