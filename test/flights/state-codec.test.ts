import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flightChanges } from '../../src/flights/index.js';
import { decodeChanges, decodeSummary, encodeChanges, encodeSummary } from '../../src/flights/state-codec.js';
import { LH400, summary } from './fixtures.js';

test('statuses and changes round-trip through the stored form; equal statuses are equal text', () => {
  const from = summary('A12', '2026-11-23T13:50Z');
  const to = summary('B20', '2026-11-23T14:20:00Z', { status: 'DP' });
  assert.deepEqual(decodeSummary(encodeSummary(to), LH400, 7), { ...to, sequence: 7 });
  assert.equal(encodeSummary({ ...from, sequence: 3 }), encodeSummary(structuredClone(from)));
  const changes = flightChanges(from, to);
  assert.deepEqual(decodeChanges(encodeChanges(changes)), changes);
  assert.deepEqual(decodeChanges(encodeChanges(flightChanges(undefined, to))), {
    changes: [],
    firstSeen: true,
  });
});

test('a malformed stored value is an error naming what it is', () => {
  assert.throws(() => decodeSummary('["NA"]', LH400, 1), /stored flight status is malformed/);
  assert.throws(() => decodeChanges('[2]'), /stored flight changes is malformed/);
  assert.throws(() => decodeChanges('[0,[99,"a","b"]]'), /stored flight changes is malformed/);
});
