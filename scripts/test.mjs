#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20 has no glob support in --test).
// --unit skips the slow end-to-end folders (chaos, package); extra arguments are file filters.
// test/package (npm pack + install + demo) runs on its own with a longer per-file timeout.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
// test/package (npm pack + install) runs on its own, with a longer per-file limit.
const LONG = join('test', 'package') + '/';
const run = (group, timeoutMs) =>
  group.length === 0
    ? 0
    : (spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-concurrency=2',
          `--test-timeout=${timeoutMs}`,
          ...reporters,
          ...group,
        ],
        { stdio: 'inherit', env: { ...process.env, FLUP_LOG_LEVEL: process.env.FLUP_LOG_LEVEL ?? 'silent' } },
      ).status ?? 1);
const status = [
  run(
    files.filter((f) => !f.startsWith(LONG)),
    180_000,
  ),
  run(
    files.filter((f) => f.startsWith(LONG)),
    900_000,
  ),
].find((s) => s !== 0);
process.exit(status ?? 0);
