/** The machine and the versions a result belongs to. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { DamonState } from './damon.js';
import { versionOf } from './infra.js';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  node: string;
  redis: string;
  mosquitto: string;
  nodeRed?: string;
  packages: Record<string, string>;
  flupRunner: string;
  gitCommit: string;
  /** The kernel's DAMON memory monitor during the run (absent in results from before it was recorded). */
  damon?: DamonState;
}

function pkgVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    const file = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(extra: {
  nodeRedVersion?: string;
  flupRunner: string;
  damon: DamonState;
}): MachineInfo {
  let gitCommit = 'unknown';
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  const redis = /v=(\S+)/.exec(versionOf('redis-server', ['--version']))?.[1] ?? 'unknown';
  const mosquitto = /version (\S+)/.exec(versionOf('mosquitto', ['-h']))?.[1] ?? 'unknown';
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    redis,
    mosquitto,
    nodeRed: extra.nodeRedVersion,
    packages: Object.fromEntries(['mqtt', 'bullmq', 'ioredis', 'undici'].map((p) => [p, pkgVersion(p)])),
    flupRunner: extra.flupRunner,
    gitCommit,
    damon: extra.damon,
  };
}
