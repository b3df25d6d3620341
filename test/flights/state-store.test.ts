/**
 * FlightStateStore against the machine's Redis (unique prefix per test): sequences, statuses and
 * the changes stored per sequence, shared by several connections as by several processes.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  FlightStateStore,
  type FlightStateStoreOptions,
  type FlightSummary,
} from '../../src/flights/index.js';
import { LH400, sharedRedis, summary } from './fixtures.js';

/** Redis expires keys by its own clock: the stores' clock must agree with it. */
const clock = { now: () => Date.now() };

/** Stores over `connections` separate Redis connections with one prefix, closed after the test. */
function stores(t: TestContext, connections = 1, options: Partial<FlightStateStoreOptions> = {}) {
  const { prefix, clients } = sharedRedis(t, 'flights', connections);
  const list = clients.map((redis) => new FlightStateStore({ redis, prefix, clock, ...options }));
  return { prefix, redis: clients[0]!, stores: list, store: list[0]! };
}

test('sequences run 1..n without gaps across connections; a duplicate gets its first number back', async (t) => {
  const { stores: all } = stores(t, 3);
  const keys = Array.from({ length: 30 }, (_, i) => `msg-${i}`);
  // Every message arrives three times, once per connection, all at once.
  const results = await Promise.all(
    keys.flatMap((key) => all.map(async (store) => [key, await store.assignSequence(LH400, key)] as const)),
  );
  const byKey = new Map<string, Set<number>>();
  for (const [key, sequence] of results) byKey.set(key, (byKey.get(key) ?? new Set()).add(sequence));
  for (const [key, numbers] of byKey) assert.equal(numbers.size, 1, `${key} got ${[...numbers].join(',')}`);
  const numbers = [...byKey.values()].map((s) => [...s][0]!).sort((a, b) => a - b);
  assert.deepEqual(
    numbers,
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  assert.equal(await all[1]!.assignSequence(LH400, 'msg-7'), byKey.get('msg-7')!.values().next().value);
  assert.equal(await all[2]!.assignSequence(LH400, 'msg-new'), 31);
  const other = { ...LH400, flightNumber: '401' };
  assert.equal(await all[0]!.assignSequence(other, 'msg-0'), 1, 'each flight has its own numbers');
});

test('keys share the flight hash tag and expire retention after the flight date (an hour at least)', async (t) => {
  const { store, redis, prefix } = stores(t, 1, { retentionMs: 86_400_000 });
  const future = { ...LH400, date: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10) };
  await store.assignSequence(future, 'm1');
  await store.changesFor(future, 1, { ...summary('A1', null), ...future });
  const keys = await redis.keys(`${prefix}*`);
  assert.equal(keys.length, 3);
  for (const key of keys) {
    assert.ok(key.startsWith(`${prefix}:{flight:LH400:${future.date}}:`), key);
    assert.equal(await redis.pexpiretime(key), Date.parse(`${future.date}T00:00:00Z`) + 2 * 86_400_000, key);
  }
  // LH400 of 2026-11-23 is past its retention: its keys live an hour, not zero.
  const before = Date.now();
  await store.assignSequence(LH400, 'm1');
  const expiry = await redis.pexpiretime(store.keys.state(LH400));
  assert.ok(expiry >= before + 3_600_000 && expiry <= Date.now() + 3_600_000, String(expiry));
  assert.throws(() => store.keys.state({ ...LH400, date: '23.11.2026' }), /flight date "23.11.2026"/);
  assert.throws(() => new FlightStateStore({ redis, prefix: 'a{b}', clock }), /redis\.prefix/);
});

test('changes per sequence: gate A→B→C, estimate +10 then +15 vs the previous estimate', async (t) => {
  const { store } = stores(t);
  const statuses: FlightSummary[] = [
    summary('A', '2026-11-23T13:50Z'),
    summary('B', '2026-11-23T13:50Z'),
    summary('B', '2026-11-23T14:00Z'),
    summary('C', '2026-11-23T14:00Z'),
    summary('C', '2026-11-23T14:15Z'),
  ];
  const seen = [];
  for (const [i, status] of statuses.entries()) {
    const sequence = await store.assignSequence(LH400, `m${i}`);
    const { changes, firstSeen, summary: stored } = await store.changesFor(LH400, sequence, status);
    assert.equal(stored.sequence, sequence);
    seen.push({
      sequence,
      firstSeen,
      changes: changes.map(
        (c) => `${c.field} ${c.from}→${c.to}${c.minutes === undefined ? '' : ` ${c.minutes}`}`,
      ),
    });
  }
  assert.deepEqual(seen, [
    { sequence: 1, firstSeen: true, changes: [] },
    { sequence: 2, firstSeen: false, changes: ['departure.gate A→B'] },
    {
      sequence: 3,
      firstSeen: false,
      changes: ['departure.estimatedTimeUtc 2026-11-23T13:50Z→2026-11-23T14:00Z 10'],
    },
    { sequence: 4, firstSeen: false, changes: ['departure.gate B→C'] },
    {
      sequence: 5,
      firstSeen: false,
      changes: ['departure.estimatedTimeUtc 2026-11-23T14:00Z→2026-11-23T14:15Z 15'],
    },
  ]);
});

test('the same sequence gets the same changes and status at every caller, first writer wins', async (t) => {
  const { stores: all } = stores(t, 4);
  await all[0]!.changesFor(LH400, 1, summary('A', null));
  // Four webhooks' workers fetched the status for sequence 2 at different moments: different gates.
  const answers = await Promise.all(
    all.map((store, i) => store.changesFor(LH400, 2, summary(`B${i}`, null))),
  );
  for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0]);
  assert.equal(answers[0]!.changes.length, 1);
  // A retry or replay, with yet another fetched status, gets the stored answer.
  assert.deepEqual(await all[3]!.changesFor(LH400, 2, summary('Z', '2026-11-23T18:00Z')), answers[0]);
  assert.deepEqual(await all[0]!.recordStatus(LH400, 2, summary('Q', null)), answers[0]!.summary);
});

test('a sequence compares with the nearest lower one that has a status; a status recorded first is kept', async (t) => {
  const { store } = stores(t);
  await store.recordStatus(LH400, 1, summary('A', null));
  // Sequence 2 went only to webhooks without enrichment: no status. 3 compares with 1.
  const third = await store.changesFor(LH400, 3, summary('C', null));
  assert.deepEqual(third.changes, [{ field: 'departure.gate', from: 'A', to: 'C' }]);
  // Sequence 4's status was recorded (by recordStatus) before anyone asked for its changes.
  await store.recordStatus(LH400, 4, summary('D', null));
  const fourth = await store.changesFor(LH400, 4, summary('not this one', null));
  assert.deepEqual(fourth.changes, [{ field: 'departure.gate', from: 'C', to: 'D' }]);
  assert.equal(fourth.summary.departure.gate, 'D');
  await assert.rejects(
    store.changesFor(LH400, 0, summary('A', null)),
    /flight sequence must be an integer >= 1/,
  );
});

test('memory per flight is bounded by maxSequencesPerFlight; bytes per flight of 20 notifications', async (t) => {
  const { store, redis } = stores(t);
  const capped = stores(t, 1, { maxSequencesPerFlight: 5 }).store;
  const feed = async (s: FlightStateStore) => {
    for (let i = 0; i < 20; i++) {
      // Message keys as ingest makes them: 64 hex digits.
      const sequence = await s.assignSequence(LH400, `${i}`.padStart(64, 'f'));
      const estimate =
        new Date(Date.parse('2026-11-23T13:50Z') + i * 5 * 60_000).toISOString().slice(0, 16) + 'Z';
      await s.changesFor(LH400, sequence, summary(`A${i % 7}`, estimate));
    }
  };
  await feed(store);
  await feed(capped);
  const bytes = async (s: FlightStateStore) => {
    let total = 0;
    for (const key of s.keys.flightKeys(LH400))
      total += Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
    return total;
  };
  const full = await bytes(store);
  const cappedBytes = await bytes(capped);
  t.diagnostic(`flight state bytes per flight, 20 notifications: ${full} (cap 100), ${cappedBytes} (cap 5)`);
  assert.equal(await redis.zcard(capped.keys.messages(LH400)), 5);
  assert.equal(await redis.zcard(capped.keys.statuses(LH400)), 5);
  assert.equal(await redis.hlen(capped.keys.state(LH400)), 11, 'seq + 5 statuses + 5 changes');
  assert.ok(cappedBytes < full, `capped ${cappedBytes} < full ${full}`);
  assert.equal(await capped.assignSequence(LH400, 'next'), 21, 'numbers continue after trimming');
});
