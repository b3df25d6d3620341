/**
 * The flup-bridge systems of the bench: the shipped defaults in one process or split over
 * processes, and variants that each change one thing against `flup`, so one interleaved run (same
 * machine load) shows what it costs: another build (flup-base), the Lufthansa source and
 * `ordering: flight` (issue 20), v1a signing and tracing (issue 22), `redis.minReplicas` (issue 19).
 */
import { resolve } from 'node:path';
import { flupRunner, flupSystem, type FlupCommon, type FlupRunner, type FlupVariant } from './flup.js';
import type { SystemSpec } from './types.js';

export interface FlupSystemsOptions {
  runner?: FlupRunner;
  /** --flup-webhook: keys merged into every webhook of every variant. */
  webhook: Record<string, unknown>;
  /** --flup-ingest: keys merged into the ingest section of every variant. */
  ingest?: Record<string, unknown>;
  /** --min-replicas: keys merged into the redis section of every variant. */
  redis: Record<string, unknown>;
  /** --flup-dist: the build every variant but flup-base runs from. */
  distDir?: string;
  /** --base-dist: the build flup-base runs from. */
  baseDist?: string;
}

function listed(what: string, keys: Record<string, unknown>): string {
  const entries = Object.entries(keys);
  return entries.length ? `${what}: ${entries.map(([k, v]) => `${k} ${String(v)}`).join(', ')}` : '';
}

export function flupSystems(repoRoot: string, options: FlupSystemsOptions): SystemSpec[] {
  const runner = () => flupRunner(repoRoot, options.runner);
  const common: FlupCommon = {
    webhook: options.webhook,
    ingest: options.ingest ?? {},
    redis: options.redis,
    distDir: options.distDir,
  };
  const changes = [
    listed('webhooks', options.webhook),
    listed('ingest', options.ingest ?? {}),
    listed('redis', options.redis),
  ].filter(Boolean);
  const tuned = changes.length ? ` (${changes.join('; ')})` : '';
  const build = options.distDir ? `, from ${options.distDir}` : '';
  const lhSource = 'Lufthansa source (simulated API, bench broker), messages carry a flight';
  const variants: FlupVariant[] = [
    {
      id: 'flup',
      label: `flup-bridge, 1 process${tuned || ', shipped defaults'}${build}`,
      roles: ['all'],
    },
    { id: 'flup-1w', label: `flup-bridge, 1 ingest + 1 worker${tuned}${build}`, roles: ['ingest', 'worker'] },
    {
      id: 'flup-split',
      label: `flup-bridge, 1 ingest + 2 workers${tuned}${build}`,
      roles: ['ingest', 'worker', 'worker'],
    },
    {
      id: 'flup-base',
      label: `flup as above, run from the build in ${options.baseDist ? resolve(options.baseDist) : '--base-dist'}${tuned}`,
      roles: ['all'],
      distDir: options.baseDist,
    },
    { id: 'flup-lh', label: `flup with the ${lhSource}${tuned}`, roles: ['all'], source: 'lufthansa' },
    {
      id: 'flup-ordered',
      label: `flup-lh with the webhook's ordering: flight (one job per message)${tuned}`,
      roles: ['all'],
      source: 'lufthansa',
      webhook: { ordering: 'flight' },
    },
    {
      id: 'flup-v1a',
      label: `flup with an ed25519 (whsk_) secret: v1a signatures${tuned}`,
      roles: ['all'],
      secret: 'whsk',
    },
    {
      id: 'flup-traced',
      label: `flup with v1a signatures and OpenTelemetry tracing on (OTLP/HTTP to a discarding local sink)${tuned}`,
      roles: ['all'],
      secret: 'whsk',
      tracing: true,
    },
    {
      id: 'flup-replica',
      label: `flup with redis.minReplicas 1 (WAIT per write batch), on a Redis master with one local replica${tuned}`,
      roles: ['all'],
      redis: { minReplicas: 1 },
      redisServer: 'replicated',
    },
    {
      id: 'flup-replica-nowait',
      label: `flup on that master with one replica, minReplicas 0 (replication without WAIT)${tuned}`,
      roles: ['all'],
      redis: { minReplicas: 0 },
      redisServer: 'replicated',
    },
    {
      id: 'flup-group3',
      label: `flup with ingest.groupWindow 3ms (a lone message waits up to 3 ms for a second)${tuned}`,
      roles: ['all'],
      ingest: { groupWindow: '3ms' },
    },
  ];
  return variants.map((v) => flupSystem(v, runner, common));
}
