import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withReference } from '../../src/config/reference.js';
import { leaves } from '../../src/config/index.js';

test('the README configuration reference matches the schema (run `npm run docs:config`)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(withReference(readme), readme);
});

test('config/example.yaml mentions every top-level and nested key of the schema', () => {
  const example = readFileSync('config/example.yaml', 'utf8');
  for (const [path] of leaves()) {
    const key = path.split('.').at(-1)!;
    assert.match(example, new RegExp(`^\\s*${key}:`, 'm'), `${path} missing from config/example.yaml`);
  }
});
