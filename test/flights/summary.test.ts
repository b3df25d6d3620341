import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryFromFlightStatus } from '../../src/flights/index.js';
import { FlightBoard } from '../../src/sim/flights.js';
import { flightResource, LH400, wrap } from './fixtures.js';

const dep = {
  airport: 'FRA',
  scheduled: '2026-11-23T13:50Z',
  estimated: '2026-11-23T14:20Z',
  gate: 'B20',
  terminal: 1,
  timeStatus: 'DL',
};
const arr = { airport: 'JFK', scheduled: '2026-11-23T22:40Z', offset: -5 };

test('a one-flight resource (Flight as an object) becomes a flat summary; missing fields are null', () => {
  const summary = summaryFromFlightStatus(
    wrap(flightResource(dep, arr, { status: 'DP', aircraft: '744' })),
    LH400,
  );
  assert.deepEqual(summary, {
    carrier: 'LH',
    flightNumber: '400',
    date: '2026-11-23',
    status: 'DP',
    equipment: '744',
    departure: {
      airport: 'FRA',
      scheduledTimeUtc: '2026-11-23T13:50Z',
      estimatedTimeUtc: '2026-11-23T14:20Z',
      actualTimeUtc: null,
      terminal: '1',
      gate: 'B20',
      timeStatus: 'DL',
    },
    arrival: {
      airport: 'JFK',
      scheduledTimeUtc: '2026-11-23T22:40Z',
      estimatedTimeUtc: null,
      actualTimeUtc: null,
      terminal: null,
      gate: null,
      timeStatus: null,
    },
  });
});

test('Flight as an array: the flight with the ref carrier, number and departure date is chosen', () => {
  const other = flightResource(dep, arr, { number: '401' });
  const dayBefore = flightResource({ ...dep, scheduled: '2026-11-22T13:50Z', gate: 'Z1' }, arr);
  const wanted = flightResource({ ...dep, gate: 'A12' }, arr, { number: '0400' });
  const resource = wrap([other, dayBefore, wanted]);
  assert.equal(summaryFromFlightStatus(resource, LH400)?.departure.gate, 'A12');
  assert.equal(
    summaryFromFlightStatus([other, dayBefore, wanted], LH400)?.departure.gate,
    'A12',
    'the enricher list',
  );
  assert.equal(summaryFromFlightStatus(wrap([other]), LH400), undefined, 'no flight LH400');
  assert.equal(summaryFromFlightStatus({ unexpected: true }, LH400), undefined);
});

test('UTC times missing from the resource come from the local times and the airport offset', () => {
  const resource = wrap(
    flightResource(
      { ...dep, actual: '2026-11-23T14:25Z' },
      { ...arr, estimated: '2026-11-23T23:05Z' },
      { utcFields: false },
    ),
  );
  const summary = summaryFromFlightStatus(resource, LH400)!;
  assert.equal(summary.departure.estimatedTimeUtc, '2026-11-23T14:20Z');
  assert.equal(summary.departure.actualTimeUtc, '2026-11-23T14:25Z');
  assert.equal(summary.arrival.estimatedTimeUtc, '2026-11-23T23:05Z');
});

test('the Lufthansa simulator resource reads field by field, its gate changes show', () => {
  const board = new FlightBoard({ apiBase: 'http://127.0.0.1:1', date: '2026-11-23', random: () => 0.5 });
  const { flightNumber, date } = board.flights()[0]!;
  const ref = { carrier: flightNumber.slice(0, 2), flightNumber: flightNumber.slice(2), date };
  const before = summaryFromFlightStatus(board.flightStatus(flightNumber, date), ref)!;
  assert.match(before.departure.scheduledTimeUtc ?? '', /^2026-11-2\dT\d\d:\d\dZ$/);
  assert.ok(before.departure.airport && before.arrival.airport && before.equipment && before.status);
  board.update(flightNumber, 'Y', date);
  const after = summaryFromFlightStatus(board.flightStatus(flightNumber, date), ref)!;
  assert.notEqual(after.departure.gate, before.departure.gate);
});
