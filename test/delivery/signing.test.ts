import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { signatureHeaders } from '../../src/delivery/signing.js';
import { classifyStatus, parseRetryAfter } from '../../src/delivery/outcome.js';
import { newSecret } from './support.js';
import { retryDelay } from '../../src/delivery/index.js';

const retry = { attempts: 20, initialDelay: 1000, factor: 2, maxDelay: 3_600_000, schedule: [] };

test('signatures verify with the standardwebhooks library, for each secret during a rotation', () => {
  const [oldSecret, newOne] = [newSecret(), newSecret()];
  const body = Buffer.from(JSON.stringify({ id: 'msg_1', type: 'flight.departed', data: { ä: 'ü' } }));
  const ts = Math.floor(Date.now() / 1000);
  const headers = signatureHeaders([oldSecret, newOne], 'msg_1', ts, body);
  assert.equal(headers['webhook-signature'].split(' ').length, 2);
  for (const secret of [oldSecret, newOne]) {
    const verified = new Webhook(secret).verify(body.toString('utf8'), { ...headers });
    assert.equal((verified as { id: string }).id, 'msg_1');
  }
  assert.throws(() => new Webhook(newSecret()).verify(body.toString('utf8'), { ...headers }));
  // A changed body or id fails.
  assert.throws(() => new Webhook(oldSecret).verify(body.toString('utf8') + ' ', { ...headers }));
  assert.throws(() =>
    new Webhook(oldSecret).verify(body.toString('utf8'), { ...headers, 'webhook-id': 'msg_2' }),
  );
});

test('exponential full jitter stays between 0 and the capped exponential', () => {
  assert.equal(
    retryDelay(retry, 1, undefined, () => 0.999999),
    1000,
  );
  assert.equal(
    retryDelay(retry, 4, undefined, () => 0.999999),
    8000,
  );
  assert.equal(
    retryDelay(retry, 40, undefined, () => 1),
    3_600_000,
  );
  assert.equal(
    retryDelay(retry, 3, undefined, () => 0),
    0,
  );
  assert.equal(
    retryDelay(retry, 3, undefined, () => 0.5),
    2000,
  );
});

test('an explicit schedule replaces the exponential one; its last step repeats', () => {
  const svix = { ...retry, schedule: [5000, 300_000, 1_800_000] };
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => retryDelay(svix, n)),
    [5000, 300_000, 1_800_000, 1_800_000],
  );
});

test('Retry-After wins over the schedule and is capped at maxDelay', () => {
  assert.equal(retryDelay(retry, 1, 2000), 2000);
  assert.equal(retryDelay({ ...retry, maxDelay: 60_000 }, 1, 86_400_000), 60_000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('status classes: 2xx done, 410 gone, 408/425/429/5xx retry, 3xx and other 4xx dead', () => {
  const kind = (s: number) => classifyStatus(s, undefined, 0).kind;
  assert.deepEqual([200, 204].map(kind), ['delivered', 'delivered']);
  assert.equal(kind(410), 'gone');
  assert.deepEqual([408, 425, 429, 500, 503].map(kind), ['retry', 'retry', 'retry', 'retry', 'retry']);
  assert.deepEqual(classifyStatus(302, undefined, 0), { kind: 'dead', reason: 'redirect' });
  assert.deepEqual(classifyStatus(400, undefined, 0), { kind: 'dead', reason: 'refused' });
  assert.deepEqual(classifyStatus(429, '3', 0), { kind: 'retry', retryAfterMs: 3000 });
});
