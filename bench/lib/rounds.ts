/**
 * Interleaved rounds for the micro-benches that compare builds: each round of each build runs in
 * a process of its own (so one build's garbage is not collected on another's time), the builds'
 * rounds alternate so machine load hits each alike, and the median per build is printed.
 * The bench file runs itself as the child: `<file> --one <dist>` prints one number.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
 * `argv`: `--one <dist>` runs `oneRound` here; otherwise the builds to compare (default `dist`),
 * `rounds` rounds each, interleaved, then one line per build: `<dist>: <what> <median> <unit>`.
 */
export async function compareBuilds(options: {
  /** The bench file's import.meta.url: it is run again as each round's child. */
  benchUrl: string;
  /** Rounds per build; the ROUNDS environment variable overrides it. */
  rounds: number;
  what: string;
  unit: string;
  /** One round of one build against a plain HTTP server at `url` (see startPlainServer). */
  oneRound(dist: string, url: string): Promise<number>;
}): Promise<void> {
  const argv = process.argv.slice(2);
  const benchFile = fileURLToPath(options.benchUrl);
  const rounds = Number(process.env.ROUNDS) || options.rounds;
  if (argv[0] === '--one') {
    const server = await startPlainServer();
    try {
      console.log((await options.oneRound(argv[1]!, `http://127.0.0.1:${server.port}/hook`)).toFixed(2));
    } finally {
      server.stop();
    }
    return;
  }
  const dists = argv.length > 0 ? argv : ['dist'];
  const results = dists.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++)
    for (const [i, dist] of dists.entries()) results[i]!.push(await roundInChild(benchFile, dist));
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

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
