/**
 * flup-bridge as a user runs it (`flup-bridge run --config`): one process per role, sharing the
 * Redis prefix, with the shipped defaults plus what a variant (bench/systems/flup-variants.ts)
 * changes. The generic MQTT source by default; the Lufthansa source (whose messages carry a flight,
 * so sequences, ordering and the timeline apply) against the simulated Lufthansa API for the
 * credentials and the bench's broker.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort } from '../lib/infra.js';
import { spawnTracked, stopProcess } from '../lib/procs.js';
import { generateSigningKeyPair } from '../../src/signing-keys/index.js';
import type { RunningSystem, StartContext, SystemSpec } from './types.js';

export type FlupRunner = 'dist' | 'tsx';

/** dist (compiled, as shipped) when built, else the TypeScript sources through tsx. */
export function flupRunner(repoRoot: string, wanted?: FlupRunner): FlupRunner {
  if (wanted) return wanted;
  return existsSync(join(repoRoot, 'dist', 'cli', 'main.js')) ? 'dist' : 'tsx';
}

/** The harness's environment without FLUP_* and OTEL_* variables: only the generated config counts. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('FLUP_') && !key.startsWith('OTEL_')) env[key] = value;
  }
  return env;
}

/** One flup-bridge configuration under test: its processes and what differs from the shipped defaults. */
export interface FlupVariant {
  id: string;
  label: string;
  /** One process per role (all, ingest, worker). */
  roles: string[];
  /** Keys merged into every webhook (after --flup-webhook). */
  webhook?: Record<string, unknown>;
  /** Keys merged into the redis section (after --min-replicas). */
  redis?: Record<string, unknown>;
  /** mqtt (generic source, the default) or lufthansa (simulated API, messages carry a flight). */
  source?: 'mqtt' | 'lufthansa';
  /** whsec (HMAC, v1; the default) or whsk (ed25519, v1a). */
  secret?: 'whsec' | 'whsk';
  /** OpenTelemetry tracing on, exported to the bench's sink. */
  tracing?: boolean;
  /** Build folder (holding cli/main.js) to run instead of this repo's. */
  distDir?: string;
  /** Keys of the ingest section. */
  ingest?: Record<string, unknown>;
  /** replicated: the bench's second Redis master, which has one replica. */
  redisServer?: 'main' | 'replicated';
}

/** What --flup-webhook, --min-replicas and --flup-dist set for every variant. */
export interface FlupCommon {
  webhook: Record<string, unknown>;
  ingest: Record<string, unknown>;
  redis: Record<string, unknown>;
  distDir?: string;
}

function sourceConfig(ctx: StartContext, clientId: string, variant: FlupVariant): object {
  if (variant.source !== 'lufthansa') {
    return { kind: 'mqtt', mqtt: { url: ctx.mqttUrl, clientId, topics: [ctx.topic], qos: 1 } };
  }
  const api = ctx.lufthansa;
  if (!api) throw new Error(`${variant.id} needs the simulated Lufthansa API`);
  const broker = new URL(ctx.mqttUrl);
  return {
    kind: 'lufthansa',
    lufthansa: {
      apiBase: api.url,
      clientKey: api.clientKey,
      clientSecret: api.clientSecret,
      clientId,
      topics: [ctx.topic],
      qos: 1,
      broker: { host: broker.hostname, port: Number(broker.port), tls: false },
    },
  };
}

function secretFor(variant: FlupVariant): string {
  return variant.secret === 'whsk'
    ? generateSigningKeyPair().secretKey
    : `whsec_${randomBytes(24).toString('base64')}`;
}

function config(
  ctx: StartContext,
  clientId: string,
  adminPort: number,
  variant: FlupVariant,
  common: FlupCommon,
): object {
  if (variant.tracing && !ctx.traceSinkUrl) throw new Error(`${variant.id} needs the OTLP sink`);
  return {
    source: sourceConfig(ctx, clientId, variant),
    redis: { url: ctx.redisUrl, prefix: `bench-${ctx.cell}`, ...common.redis, ...variant.redis },
    webhooks: ctx.targets.map((url, i) => ({
      id: `target-${i}`,
      url,
      secret: secretFor(variant),
      topics: ['#'],
      ...common.webhook,
      ...variant.webhook,
    })),
    ...(variant.ingest || Object.keys(common.ingest).length
      ? { ingest: { ...common.ingest, ...variant.ingest } }
      : {}),
    admin: { listen: `127.0.0.1:${adminPort}` },
    log: { level: 'warn', format: 'json' },
    ...(variant.tracing
      ? { telemetry: { enabled: true, endpoint: ctx.traceSinkUrl, serviceName: `bench-${variant.id}` } }
      : {}),
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

export function flupSystem(variant: FlupVariant, runner: () => FlupRunner, common: FlupCommon): SystemSpec {
  const { id, label, roles } = variant;
  const distDir = variant.distDir ?? common.distDir;
  return {
    id,
    label,
    usesRedis: true,
    redis: variant.redisServer ?? 'main',
    tracing: variant.tracing ?? false,
    signsV1a: variant.secret === 'whsk',
    lufthansa: variant.source === 'lufthansa',
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
        writeFileSync(file, stringify(config(ctx, clientId, port, variant, common)));
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
        // The Lufthansa source connects with the client id the Certificate Manager issued.
        clientIds:
          variant.source === 'lufthansa'
            ? (ctx.lufthansa?.issuedClientIds().filter((c) => c.startsWith(`${clientId}_`)) ?? [])
            : [clientId],
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
