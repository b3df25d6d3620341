import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveEvents, eventTypesOf, flightChanges } from '../../src/flights/index.js';
import { summary } from './fixtures.js';

const derive = (
  from: ReturnType<typeof summary> | undefined,
  to: ReturnType<typeof summary>,
  threshold?: number,
) =>
  deriveEvents('flight.gate-changed', flightChanges(from, to).changes, to, {
    delayThresholdMinutes: threshold,
  }).derivedEvents;

test('a first gate is flight.gate-assigned, another gate flight.gate-changed, a gate removed neither', () => {
  assert.deepEqual(derive(summary(null, null), summary('A12', null)), ['flight.gate-assigned']);
  assert.deepEqual(derive(summary('A12', null), summary('B20', null)), ['flight.gate-changed']);
  assert.deepEqual(derive(summary('A12', null), summary(null, null)), []);
  assert.deepEqual(derive(undefined, summary('A12', null)), [], 'first status: nothing changed');
});

test('flight.delayed: an estimate >= threshold later than the last one, or crossing the threshold past the schedule', () => {
  // Schedule 13:50. +10 vs the schedule: no; then +25 (15 more than the last estimate): yes.
  assert.deepEqual(derive(summary('A1', null), summary('A1', '2026-11-23T14:00Z')), []);
  assert.deepEqual(derive(summary('A1', '2026-11-23T14:00Z'), summary('A1', '2026-11-23T14:15Z')), [
    'flight.delayed',
  ]);
  // 14:00 -> 14:05: 5 min later, but now 15 past the schedule: crossing.
  assert.deepEqual(derive(summary('A1', '2026-11-23T14:00Z'), summary('A1', '2026-11-23T14:05Z')), [
    'flight.delayed',
  ]);
  // Already 20 late, creeps 5 more: not again. Earlier again: no.
  assert.deepEqual(derive(summary('A1', '2026-11-23T14:10Z'), summary('A1', '2026-11-23T14:15Z')), []);
  assert.deepEqual(derive(summary('A1', '2026-11-23T14:30Z'), summary('A1', '2026-11-23T14:00Z')), []);
  // A configurable threshold.
  assert.deepEqual(derive(summary('A1', null), summary('A1', '2026-11-23T14:00Z'), 10), ['flight.delayed']);
  assert.deepEqual(derive(summary('A1', '2026-11-23T14:00Z'), summary('A1', '2026-11-23T14:15Z'), 30), []);
});

test('type stays, derived types are listed once in a stable order, filters see both', () => {
  const from = summary('A1', '2026-11-23T13:50Z');
  const to = summary('B2', '2026-11-23T14:30Z');
  to.arrival.gate = 'C3';
  to.arrival.estimatedTimeUtc = '2026-11-23T23:30Z';
  const types = deriveEvents('flight.schedule-changed', flightChanges(from, to).changes, to);
  assert.deepEqual(types, {
    type: 'flight.schedule-changed',
    derivedEvents: ['flight.gate-assigned', 'flight.gate-changed', 'flight.delayed'],
  });
  assert.deepEqual(eventTypesOf({ type: 'flight.gate-changed', derivedEvents: ['flight.gate-changed'] }), [
    'flight.gate-changed',
  ]);
  assert.throws(() => deriveEvents('x', [], to, { delayThresholdMinutes: -1 }), /events\.delayThreshold/);
});
