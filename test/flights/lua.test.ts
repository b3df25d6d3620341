/** The flight-store-status script's first-writer-wins and staleness answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScript } from '../../src/redis/index.js';
import { sharedRedis } from './fixtures.js';

test('store-status: first writer wins; changes computed against a no longer nearest status are stale', async (t) => {
  const {
    prefix,
    clients: [redis],
  } = sharedRedis(t, 'flights-lua');
  const script = loadScript('flight-store-status');
  const keys = [`${prefix}:{f}:state`, `${prefix}:{f}:statuses`];
  const expiry = Date.now() + 60_000;
  const store = (seq: number, status: string, changes: string, against: number) =>
    script.run(redis!, keys, [seq, status, changes, String(against), expiry, 10]);
  assert.deepEqual(await store(1, '"s1"', '', 0), ['ok']);
  assert.deepEqual(await store(1, '"other"', '', 0), ['stored', '"s1"', null]);
  // Sequence 3's changes were computed with no lower status, but 1 has one: stale.
  assert.deepEqual(await store(3, '"s3"', '[1]', 0), ['stale']);
  assert.deepEqual(await store(3, '"s3"', '[0]', 1), ['ok']);
  assert.deepEqual(await store(3, '"s3b"', '[0,"x"]', 1), ['stored', '"s3"', '[0]']);
  // A status recorded for 5 differs from the one the changes were computed for: stale.
  assert.deepEqual(await store(5, '"s5"', '', 0), ['ok']);
  assert.deepEqual(await store(5, '"s5b"', '[0]', 3), ['stale']);
  assert.ok((await redis!.pexpiretime(keys[0]!)) === expiry);
});
