import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDuration } from '../../src/config/index.js';
import { parseSince } from '../../src/cli/commands/dlq.js';
import { parseSince as apiSince } from '../../src/admin/api.js';

const dir = mkdtempSync(join(tmpdir(), 'flup-durations-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `c${n++}.yaml`);
  writeFileSync(
    file,
    `source:\n  kind: mqtt\n  mqtt: { url: mqtt://127.0.0.1:1883, topics: ["a/#"] }\n${yaml}`,
  );
  return loadConfig({ file, env });
}
function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(yaml, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message.split('\n');
  }
  return assert.fail('config was accepted');
}
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('compound durations are the sum of their parts', () => {
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('2m 30s'), 150_000);
  assert.equal(parseDuration('1d12h'), 129_600_000);
  assert.equal(parseDuration('1s500ms'), 1500);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('1h30'), /must be a duration/);
  assert.throws(() => parseDuration('h1'), /must be a duration/);
});

test('compound durations work in the file, env vars, list items, the dlq CLI and the admin API', () => {
  const config = load(
    `delivery:\n  shutdownTimeout: 1m30s\nwebhooks:\n  - id: ops\n    url: http://127.0.0.1:1/x\n    secret: ${SECRET}\n    maxAge: 1h30m\n    retry: { initialDelay: 1s500ms, schedule: [5s, 1h30m] }\n`,
    { FLUP_DELIVERY_DEAD_LETTER_RETENTION: '2d12h' },
  );
  assert.equal(config.delivery.shutdownTimeout, 90_000);
  assert.equal(config.delivery.deadLetterRetention, 216_000_000);
  assert.equal(config.webhooks[0]!.maxAge, 5_400_000);
  assert.equal(config.webhooks[0]!.retry!.initialDelay, 1500);
  assert.deepEqual(config.webhooks[0]!.retry!.schedule, [5000, 5_400_000]);
  const now = Date.parse('2026-12-01T12:00:00Z');
  assert.equal(parseSince('1h30m', now)!.toISOString(), '2026-12-01T10:30:00.000Z');
  assert.equal(apiSince('1h30m', now)!.toISOString(), '2026-12-01T10:30:00.000Z');
});

test('a number without a unit is an error naming the key, wherever it comes from', () => {
  assert.deepEqual(problems('delivery:\n  shutdownTimeout: "5"\n'), [
    'delivery.shutdownTimeout: "5" has no unit: write 5ms, 5s, 5m, 5h or 5d',
  ]);
  assert.deepEqual(problems('delivery:\n  shutdownTimeout: 5\n'), [
    'delivery.shutdownTimeout: 5 has no unit: write 5ms, 5s, 5m, 5h or 5d',
  ]);
  assert.deepEqual(problems('', { FLUP_DELIVERY_SHUTDOWN_TIMEOUT: '5' }), [
    'delivery.shutdownTimeout: "5" has no unit: write 5ms, 5s, 5m, 5h or 5d',
  ]);
  const inItems = problems(
    `webhooks:\n  - id: ops\n    url: http://127.0.0.1:1/x\n    secret: ${SECRET}\n    maxAge: 30\n    retry: { schedule: [5s, 10] }\n`,
  );
  assert.ok(
    inItems.includes('webhooks[0].maxAge: 30 has no unit: write 30ms, 30s, 30m, 30h or 30d'),
    inItems.join('\n'),
  );
  assert.ok(
    inItems.includes('webhooks[0].retry.schedule[1]: 10 has no unit: write 10ms, 10s, 10m, 10h or 10d'),
    inItems.join('\n'),
  );
});

test('zero needs no unit', () => {
  assert.equal(load('delivery:\n  shutdownTimeout: 0\n').delivery.shutdownTimeout, 0);
});
