/**
 * Every process the harness starts goes through here, so each one is ended by its PID: after its
 * cell, on an error, on Ctrl-C or SIGTERM. Also reads RSS and CPU time of a PID from /proc.
 */
import { fork, spawn, type ChildProcess, type ForkOptions, type SpawnOptions } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const live = new Map<number, { name: string; child: ChildProcess }>();

function track(name: string, child: ChildProcess): ChildProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start (no PID)`);
  live.set(pid, { name, child });
  child.once('exit', () => live.delete(pid));
  return child;
}

export function spawnTracked(
  name: string,
  cmd: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  return track(name, spawn(cmd, args, options));
}

export function forkTracked(
  name: string,
  module: string,
  args: string[],
  options: ForkOptions = {},
): ChildProcess {
  return track(name, fork(module, args, options));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!exited(child)) child.kill('SIGKILL');
  }, graceMs);
  await done;
  clearTimeout(timer);
}

/** Synchronous last resort (exit handlers): SIGKILL every PID still running. */
export function killAllNow(): void {
  for (const [pid, { child }] of live) {
    if (exited(child)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function liveProcesses(): { pid: number; name: string }[] {
  return [...live].map(([pid, { name }]) => ({ pid, name }));
}

let installed = false;
/** Ends every tracked PID when the harness exits, is interrupted or crashes. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: ending ${live.size} process(es) by PID`);
      killAllNow();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    console.error(err);
    killAllNow();
    process.exit(1);
  });
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Resident set size in bytes (VmRSS), or 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time in ms (utime + stime of /proc/<pid>/stat), or 0 when gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return 0;
  }
}

/** Samples RSS of a group of PIDs every intervalMs; keeps the peak of their sum. */
export class ResourceSampler {
  peakRssBytes = 0;
  readonly #pids: number[];
  readonly #cpuStart: number;
  readonly #timer: NodeJS.Timeout;
  readonly samples: { atMs: number; rssBytes: number }[] = [];
  readonly #t0 = Date.now();

  constructor(pids: number[], intervalMs = 200) {
    this.#pids = pids;
    this.#cpuStart = this.cpuNow();
    for (const pid of pids) this.#cpuStartByPid.set(pid, this.#lastCpu.get(pid) ?? 0);
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  readonly #lastCpu = new Map<number, number>();
  readonly #cpuStartByPid = new Map<number, number>();

  /** CPU ms of the group; a PID that has exited keeps its last reading. */
  cpuNow(): number {
    let sum = 0;
    for (const pid of this.#pids) {
      const now = Math.max(cpuMs(pid), this.#lastCpu.get(pid) ?? 0);
      this.#lastCpu.set(pid, now);
      sum += now;
    }
    return sum;
  }

  /** CPU ms one PID of the group used since construction. */
  cpuOf(pid: number): number {
    const now = Math.max(cpuMs(pid), this.#lastCpu.get(pid) ?? 0);
    return now - (this.#cpuStartByPid.get(pid) ?? 0);
  }

  rssNow(): number {
    return this.#pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  }

  sample(): number {
    const rss = this.rssNow();
    this.cpuNow();
    if (rss > this.peakRssBytes) this.peakRssBytes = rss;
    this.samples.push({ atMs: Date.now() - this.#t0, rssBytes: rss });
    return rss;
  }

  /** Stops sampling; returns CPU ms used by the group since construction. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.cpuNow() - this.#cpuStart;
  }
}
