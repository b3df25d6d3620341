import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTypeAllowed, eventTypeMatches } from '../../src/routing/index.js';

test('event type filters: exact types, one-segment and trailing wildcards', () => {
  assert.equal(eventTypeMatches('flight.cancelled', 'flight.cancelled'), true);
  assert.equal(eventTypeMatches('flight.cancelled', 'flight.diverted'), false);
  assert.equal(eventTypeMatches('flight.cancelled', 'flight.cancelled.extra'), false);
  assert.equal(eventTypeMatches('flight.*', 'flight.gate-changed'), true);
  assert.equal(eventTypeMatches('flight.*', 'flight'), false);
  assert.equal(eventTypeMatches('flight.*', 'mqtt.message'), false);
  assert.equal(eventTypeMatches('flight.*', 'flightx.cancelled'), false);
  assert.equal(eventTypeMatches('*', 'mqtt.message'), true);
  assert.equal(eventTypeMatches('*.message', 'mqtt.message'), true);
  assert.equal(eventTypeMatches('*.message', 'mqtt.other'), false);
  assert.equal(eventTypeMatches('sensor.*', 'sensor.room.temperature'), true);
});

test('a webhook filter list: empty = all, otherwise any match', () => {
  assert.equal(eventTypeAllowed([], 'flight.departed'), true);
  assert.equal(eventTypeAllowed(['flight.cancelled'], 'flight.cancelled'), true);
  assert.equal(eventTypeAllowed(['flight.cancelled'], 'flight.departed'), false);
  assert.equal(eventTypeAllowed(['flight.cancelled', 'flight.diverted'], 'flight.diverted'), true);
});
