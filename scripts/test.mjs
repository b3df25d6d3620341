#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20 has no glob support in --test).
// --unit skips the slow end-to-end folders (chaos, package); extra arguments are file filters.
// test/package (npm pack + install + demo) runs beside the rest with a longer per-file timeout.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === 'helpers' || (unit && (name === 'chaos' || name === 'package')) ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = find('test')
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// spec: every test's result (in file order); test-progress.mjs: which file starts and ends when,
// as it happens, on stderr, so a long file never leaves the terminal silent.
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(import.meta.dirname, 'test-progress.mjs')}`,
  '--test-reporter-destination=stderr',
];
// test/package (npm pack + install) runs as a group of its own, with a longer per-file limit, beside
// the others (it mostly waits on npm and the network): run one after the other, it added ~1.5 min.
// Its spec output is held back until the main group is done, so the two never interleave.
const LONG = join('test', 'package') + '/';
const run = (group, timeoutMs, { holdOutput = false } = {}) =>
  new Promise((resolve) => {
    if (group.length === 0) {
      resolve({ status: 0, output: '' });
      return;
    }
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-concurrency=2',
        `--test-timeout=${timeoutMs}`,
        // A file ends when its tests have: a client left reconnecting to a killed server (Cluster
        // failover tests) must not hold the file until the timeout after every test passed.
        '--test-force-exit',
        ...reporters,
        ...group,
      ],
      {
        stdio: ['inherit', holdOutput ? 'pipe' : 'inherit', 'inherit'],
        env: { ...process.env, FLUP_LOG_LEVEL: process.env.FLUP_LOG_LEVEL ?? 'silent' },
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ status: code ?? 1, output }));
  });
const main = run(
  files.filter((f) => !f.startsWith(LONG)),
  180_000,
);
const long = run(
  files.filter((f) => f.startsWith(LONG)),
  900_000,
  { holdOutput: true },
);
const results = [await main, await long];
process.stdout.write(results[1].output);
process.exit(results.find((r) => r.status !== 0)?.status ?? 0);
