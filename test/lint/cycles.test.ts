import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(import.meta.dirname, '../../scripts/check-cycles.mjs');

function check(dir: string) {
  return spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
}

test('the cycle check fails on a scratch import cycle and names it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flup-cycle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
  writeFileSync(
    join(dir, 'b.ts'),
    "import type { a } from './a.js';\nexport const b = 1 as unknown as typeof a;\n",
  );
  writeFileSync(join(dir, 'c.ts'), 'export const c = 1;\n');
  const run = check(dir);
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /a\.ts > b\.ts > a\.ts/);
});

test('the same check passes on a tree without cycles', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flup-cycle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
  writeFileSync(join(dir, 'b.ts'), 'export const b = 1;\n');
  const run = check(dir);
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('src/ has no import cycle', () => {
  const run = check(join(import.meta.dirname, '../../src'));
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /no import cycles/);
});
