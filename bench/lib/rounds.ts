/**
 * Interleaved rounds for the micro-benches that compare builds: each round of each build runs in
 * a process of its own (so one build's garbage is not collected on another's time), or with
 * `--same-process` in alternating blocks in one process; the builds alternate so machine load hits
 * each alike, and the medians per build and of the per-round ratios are printed.
 * The bench file runs itself as the child: `<file> --one <dist>` prints one number.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spread } from './stats.js';

/** One round of one build in a child process of `benchFile`; resolves with what it printed. */
export function roundInChild(benchFile: string, dist: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, benchFile, '--one', dist], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((done, fail) =>
    child.on('close', (code) =>
      code === 0 ? done(Number(out.trim())) : fail(new Error(`round exited ${code}`)),
    ),
  );
}

/**
 * Imports a module of the build in `dist` by its path there (e.g. `config/index.js`). The build
 * under test is loaded at run time, so its exports are used untyped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BuildModule = Record<string, any>;

export function buildLoader(dist: string): (path: string) => Promise<BuildModule> {
  const base = pathToFileURL(resolve(dist)).href;
  return (path) => import(`${base}/${path}`) as Promise<BuildModule>;
}

/** One build, loaded and wired against the plain HTTP server, ready to be measured. */
export interface BuildUnderTest {
  /** Runs `units` of work (requests, messages); resolves with the CPU µs per unit. */
  measure(units: number): Promise<number>;
  close(): Promise<void>;
}

export interface CompareOptions {
  /** The bench file's import.meta.url: it is run again as each round's child. */
  benchUrl: string;
  /** Rounds per build; the ROUNDS environment variable overrides it. */
  rounds: number;
  /** Units of work measured per round, after `warmUp` units not measured. */
  units: number;
  warmUp: number;
  what: string;
  unit: string;
  /** Loads build `dist` and wires it against a plain HTTP server at `url` (see startPlainServer). */
  prepare(dist: string, url: string): Promise<BuildUnderTest>;
}

/**
 * argv: the builds to compare (default `dist`). Each round of each build runs in a process of its
 * own, the builds alternating. With `--same-process` all builds are loaded into this process and
 * measured in alternating blocks instead (a GC between blocks when node runs with --expose-gc):
 * finer interleaving, so the VM's drift cancels better, at the price of sharing one heap.
 * `--one <dist>` is a child's round. Prints the median per build and of the per-round ratios.
 */
export async function compareBuilds(options: CompareOptions): Promise<void> {
  const argv = process.argv.slice(2);
  const rounds = Number(process.env.ROUNDS) || options.rounds;
  if (argv[0] === '--one') {
    console.log((await oneRound(options, argv[1]!)).toFixed(2));
    return;
  }
  const sameProcess = argv.includes('--same-process');
  const dists = argv.filter((a) => a !== '--same-process');
  if (dists.length === 0) dists.push('dist');
  const results = sameProcess
    ? await blocksInProcess(options, dists, rounds)
    : await roundsInChildren(options, dists, rounds);
  for (const [i, dist] of dists.entries()) {
    const all = results[i]!.map((v) => v.toFixed(1)).join(' / ');
    console.log(`${dist}: ${options.what} ${median(results[i]!).toFixed(1)} ${options.unit} (rounds ${all})`);
  }
  // The VM's speed drifts by tens of percent over minutes: the ratio within each round (builds
  // run back to back) cancels most of that drift, where the medians above do not.
  for (const [i, dist] of dists.entries()) {
    if (i === 0) continue;
    const ratios = results[i]!.map((v, r) => v / results[0]![r]!);
    const all = ratios.map((v) => v.toFixed(2)).join(' / ');
    console.log(`${dist} / ${dists[0]}: median of per-round ratios ${median(ratios).toFixed(3)} (${all})`);
  }
}

async function oneRound(options: CompareOptions, dist: string): Promise<number> {
  const server = await startPlainServer();
  try {
    const build = await options.prepare(dist, `http://127.0.0.1:${server.port}/hook`);
    await build.measure(options.warmUp);
    const cpu = await build.measure(options.units);
    await build.close();
    return cpu;
  } finally {
    server.stop();
  }
}

async function roundsInChildren(
  options: CompareOptions,
  dists: string[],
  rounds: number,
): Promise<number[][]> {
  const benchFile = fileURLToPath(options.benchUrl);
  const results = dists.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++)
    for (const [i, dist] of dists.entries()) results[i]!.push(await roundInChild(benchFile, dist));
  return results;
}

async function blocksInProcess(
  options: CompareOptions,
  dists: string[],
  rounds: number,
): Promise<number[][]> {
  const server = await startPlainServer();
  const url = `http://127.0.0.1:${server.port}/hook`;
  const gc = (globalThis as { gc?: () => void }).gc;
  try {
    const builds = await Promise.all(dists.map((dist) => options.prepare(dist, url)));
    for (const build of builds) await build.measure(options.warmUp);
    const results = dists.map(() => [] as number[]);
    // Smaller blocks than a child's round, more of them: each pair of blocks sees the same VM.
    const blocks = rounds * 4;
    const units = Math.max(1, Math.round(options.units / 4));
    for (let b = 0; b < blocks; b++) {
      // Alternate which build goes first, so neither always runs right after the GC.
      const order = b % 2 === 0 ? builds.map((_, i) => i) : builds.map((_, i) => builds.length - 1 - i);
      for (const i of order) {
        gc?.();
        results[i]!.push(await builds[i]!.measure(units));
      }
    }
    for (const build of builds) await build.close();
    return results;
  } finally {
    server.stop();
  }
}

const median = (values: number[]): number => spread(values).median;

/** A plain HTTP server in a child process answering 200 to everything; resolves with its port. */
export async function startPlainServer(): Promise<{ port: number; stop(): void }> {
  const source = `
    const { createServer } = require('node:http');
    const server = createServer({ keepAliveTimeout: 60000 }, (req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-length': '0' }); res.end(); });
    });
    server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  `;
  const server = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((done) => server.once('message', (p) => done(p as number)));
  return { port, stop: () => server.kill() };
}
