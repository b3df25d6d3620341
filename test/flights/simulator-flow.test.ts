/**
 * Notifications of the Lufthansa simulator's FlightBoard through summary, sequence and changes, as
 * two webhooks' workers would see them: identical changes, sequences 1..n, each change the
 * difference of consecutive statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue } from '../../src/flights/changes.js';
import { FlightStateStore, summaryFromFlightStatus, type FlightSummary } from '../../src/flights/index.js';
import { FlightBoard } from '../../src/sim/flights.js';
import { sharedRedis } from './fixtures.js';

test('simulator updates: two webhooks get the same changes, consecutive, numbered 1..n', async (t) => {
  const { prefix, clients } = sharedRedis(t, 'flights-sim', 2);
  const clock = { now: () => Date.now() };
  const [hook1, hook2] = clients.map((redis) => new FlightStateStore({ redis, prefix, clock }));
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const date = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const board = new FlightBoard({ apiBase: 'http://127.0.0.1:1', date, random });
  const { flightNumber } = board.flights()[0]!;
  const ref = { carrier: flightNumber.slice(0, 2), flightNumber: flightNumber.slice(2), date };

  let previous: FlightSummary | undefined;
  const codes = ['Y', 'MVT ED', 'Y', 'MVT ED', 'ASM TIM', 'MVT AD', 'MVT EA', 'Y', 'MVT AA'];
  for (const [i, code] of codes.entries()) {
    const notification = board.update(flightNumber, code, date);
    const messageKey = `${i}:${notification.payload}`;
    const status = summaryFromFlightStatus(board.flightStatus(flightNumber, date), ref)!;
    // Both webhooks' jobs carry the sequence ingest gave (a redelivery asks again: same number).
    const sequence = await hook1.assignSequence(ref, messageKey);
    assert.equal(await hook2.assignSequence(ref, messageKey), sequence);
    assert.equal(sequence, i + 1);
    const [one, two] = await Promise.all([
      hook1.changesFor(ref, sequence, status),
      hook2.changesFor(ref, sequence, status),
    ]);
    assert.deepEqual(two, one, `sequence ${sequence}`);
    assert.equal(one.firstSeen, previous === undefined);
    for (const change of one.changes) {
      assert.equal(change.from, fieldValue(previous!, change.field), `${code}: ${change.field} from`);
      assert.equal(change.to, fieldValue(status, change.field), `${code}: ${change.field} to`);
    }
    if (code === 'Y' && previous)
      assert.ok(
        one.changes.some((c) => c.field.endsWith('.gate')),
        `${code} changed a gate`,
      );
    previous = status;
  }
});
