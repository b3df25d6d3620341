/** README's admin API table and the OpenAPI document served at /api/openapi.json list the same operations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OPENAPI } from '../../src/admin/openapi.js';

test('README admin API table matches the OpenAPI document', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = new Set(
    [...readme.matchAll(/^\| `(GET|POST|DELETE|PUT|PATCH) \/api(\/[^`]*)` \|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    ),
  );
  const specified = new Set(
    Object.entries(OPENAPI.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
  assert.ok(specified.size > 10);
  assert.deepEqual([...documented].sort(), [...specified].sort());
  assert.equal(OPENAPI.openapi, '3.1.0');
});
