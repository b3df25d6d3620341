/**
 * The kernel's DAMON memory monitors (kdamonds). On the VM these benchmarks were written on, one
 * samples the access bits of physical memory every 500 ms and pages out cold memory. On one such
 * VM every sampling pass stalled every process for up to ~20 ms, which doubled the steady p99 of
 * every system (direct, naive BullMQ and flup-bridge alike; docs/BENCHMARKS.md, session 32); on
 * another, with the same settings, p99s were close to the paused figures (session 33). The report
 * says whether one ran; `--pause-damon` switches them off for the run (root only) and back on
 * afterwards.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/kernel/mm/damon/admin/kdamonds';

/** DAMON during the run: none configured, running, or paused by `--pause-damon`. */
export type DamonState = 'none' | 'running' | 'paused';

/** The state files of the kdamonds that are on now. */
function runningKdamonds(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(ROOT).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries
    .map((name) => join(ROOT, name, 'state'))
    .filter((file) => {
      try {
        return readFileSync(file, 'utf8').trim() === 'on';
      } catch {
        return false;
      }
    });
}

export function damonState(): DamonState {
  return runningKdamonds().length > 0 ? 'running' : 'none';
}

/**
 * Switches the running kdamonds off; the returned function switches them back on (call it once,
 * also when the run fails). Throws when they cannot be switched (not root).
 */
export function pauseDamon(): () => void {
  const paused = runningKdamonds();
  for (const file of paused) {
    try {
      writeFileSync(file, 'off');
    } catch (err) {
      throw new Error(
        `--pause-damon: cannot write ${file} (${(err as Error).message}); run as root or drop the flag`,
      );
    }
  }
  return () => {
    for (const file of paused) {
      try {
        writeFileSync(file, 'on');
      } catch {
        // The kdamond may be gone (reconfigured meanwhile): nothing to restore.
      }
    }
  };
}
