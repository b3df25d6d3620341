/** The flights Lua loader and the store-status script's first-writer-wins and staleness answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightScript, loadFlightScript } from '../../src/flights/lua.js';
import { sharedRedis } from './fixtures.js';

test('a script header declares its keys; calls with another number of keys are refused', async (t) => {
  const script = loadFlightScript('store-status');
  assert.equal(script.keyCount, 2);
  assert.equal(loadFlightScript('assign-sequence').keyCount, 2);
  assert.throws(() => loadFlightScript('no-such-script'), /cannot read Lua script .*no-such-script\.lua/);
  const [redis] = sharedRedis(t, 'flights-lua').clients;
  await assert.rejects(script.run(redis!, ['only-one'], []), /script store-status takes 2 keys, got 1/);
});

test('scripts run by EVALSHA and load themselves after SCRIPT FLUSH-like misses', async (t) => {
  const {
    prefix,
    clients: [redis],
  } = sharedRedis(t, 'flights-lua');
  // A script Redis has never seen (unique text): the first run falls back to EVAL.
  const fresh = new FlightScript('fresh', `-- ${prefix}\nreturn redis.call('INCR', KEYS[1])`, 1);
  assert.equal(await fresh.run(redis!, [`${prefix}:n`], []), 1);
  assert.equal(await fresh.run(redis!, [`${prefix}:n`], []), 2);
});

test('store-status: first writer wins; changes computed against a no longer nearest status are stale', async (t) => {
  const {
    prefix,
    clients: [redis],
  } = sharedRedis(t, 'flights-lua');
  const script = loadFlightScript('store-status');
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
