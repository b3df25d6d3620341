import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHANGE_FIELDS, flightChanges } from '../../src/flights/index.js';
import { summary } from './fixtures.js';

test('the first status of a flight: no changes, firstSeen', () => {
  assert.deepEqual(flightChanges(undefined, summary('A12', null)), { changes: [], firstSeen: true });
});

test('gate and estimate changes, with minutes for times, in the fixed field order', () => {
  const from = summary('A12', '2026-11-23T13:50Z');
  const to = summary('B20', '2026-11-23T14:20Z', { status: 'DP', equipment: '744' });
  assert.deepEqual(flightChanges(from, to), {
    firstSeen: false,
    changes: [
      { field: 'status', from: 'NA', to: 'DP' },
      { field: 'equipment', from: '74H', to: '744' },
      {
        field: 'departure.estimatedTimeUtc',
        from: '2026-11-23T13:50Z',
        to: '2026-11-23T14:20Z',
        minutes: 30,
      },
      { field: 'departure.gate', from: 'A12', to: 'B20' },
    ],
  });
});

test('times compare as instants; a time set or cleared has no minutes; an earlier time is negative', () => {
  assert.deepEqual(
    flightChanges(summary('A1', '2026-11-23T14:20Z'), summary('A1', '2026-11-23T14:20:00Z')).changes,
    [],
  );
  assert.deepEqual(flightChanges(summary('A1', null), summary('A1', '2026-11-23T14:20Z')).changes, [
    { field: 'departure.estimatedTimeUtc', from: null, to: '2026-11-23T14:20Z' },
  ]);
  assert.equal(
    flightChanges(summary('A1', '2026-11-23T14:20Z'), summary('A1', '2026-11-23T14:05Z')).changes[0]?.minutes,
    -15,
  );
});

test('every field is compared, and only the documented fields exist', () => {
  // The list issue 20 documents (docs/envelope.schema.json), spelled out.
  const documented =
    'status equipment departure.airport departure.scheduledTimeUtc departure.estimatedTimeUtc ' +
    'departure.actualTimeUtc departure.terminal departure.gate departure.timeStatus arrival.airport ' +
    'arrival.scheduledTimeUtc arrival.estimatedTimeUtc arrival.actualTimeUtc arrival.terminal ' +
    'arrival.gate arrival.timeStatus';
  assert.deepEqual(CHANGE_FIELDS, documented.split(' '));
  const from = summary('A1', null);
  const to = structuredClone(from);
  to.status = 'CD';
  to.equipment = '320';
  for (const end of ['departure', 'arrival'] as const) {
    to[end] = {
      airport: 'X',
      scheduledTimeUtc: '2026-11-24T00:00Z',
      estimatedTimeUtc: '2026-11-24T00:00Z',
      actualTimeUtc: '2026-11-24T00:00Z',
      terminal: 'T9',
      gate: 'G9',
      timeStatus: 'NO',
    };
  }
  assert.deepEqual(
    flightChanges(from, to).changes.map((c) => c.field),
    CHANGE_FIELDS,
  );
});
