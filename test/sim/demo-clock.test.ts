/**
 * The demo's flight board driven by a fake clock for ten simulated minutes at the demo's rate:
 * every flight keeps producing notifications and every flight date stays within today ± 1.
 * Nothing waits on the wall clock: the publisher's timer advances the fake time when it sleeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightBoard } from '../../src/sim/flights.js';
import { FlightUpdatePublisher, type PublisherTimer } from '../../src/sim/publisher.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const RATE = 3; // flup-bridge demo's default --rate

/** One fake time for the board (epoch ms) and the publisher (monotonic ms). */
function fakeTime(startEpochMs: number): PublisherTimer & { epoch(): number } {
  let elapsed = 0;
  return {
    now: () => elapsed,
    epoch: () => startEpochMs + elapsed,
    sleep: async (ms) => {
      elapsed += ms;
    },
  };
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function runDemoBoard(startEpochMs: number, minutes: number) {
  const time = fakeTime(startEpochMs);
  const board = new FlightBoard({ apiBase: 'http://127.0.0.1:1', clock: { now: time.epoch } });
  const flights = board.flights().map((f) => f.flightNumber);
  /** flight number -> fake minute of its last notification */
  const lastSeen = new Map<string, number>();
  const dates = new Set<string>();
  const published: Array<{ minute: number; date: string; flight: string }> = [];
  const publisher = new FlightUpdatePublisher({
    target: {
      publish: async (topic) => {
        const [, , , flight, date] = topic.split('/');
        const minute = Math.floor(time.now() / MINUTE);
        lastSeen.set(flight!, minute);
        dates.add(date!);
        published.push({ minute, date: date!, flight: flight! });
        // The date a notification names must be within today ± 1 by the clock at that moment.
        const today = Date.parse(`${isoDate(time.epoch())}T00:00:00Z`);
        const at = Date.parse(`${date}T00:00:00Z`);
        assert.ok(Math.abs(at - today) <= DAY, `${topic} at ${new Date(time.epoch()).toISOString()}`);
        // Its Flight Status resource is still on the board.
        assert.ok(board.flightStatus(flight!, date!), `${flight}/${date} resolves`);
      },
    },
    rate: RATE,
    durationMs: minutes * MINUTE,
    next: () => board.randomUpdate(),
    timer: time,
  });
  const count = await publisher.run();
  return { flights, lastSeen, dates, published, count, board };
}

test('the demo board keeps every flight delivering for 10 minutes, dates within today ± 1', async () => {
  const start = Date.now();
  const { flights, lastSeen, published, count, board } = await runDemoBoard(start, 10);
  assert.ok(count >= 10 * 60 * RATE - 1, `published ${count}`);
  assert.equal(flights.length, 12);
  // In the last two simulated minutes every flight of the schedule still got notifications.
  for (const flight of flights) {
    const minute = lastSeen.get(flight);
    assert.ok(minute !== undefined && minute >= 8, `${flight} last seen at minute ${minute}`);
  }
  const lastMinutes = new Set(published.filter((p) => p.minute >= 8).map((p) => p.flight));
  assert.deepEqual([...lastMinutes].sort(), [...flights].sort());
  assert.equal(board.flights().length >= flights.length, true);
});

test('a demo running across midnight moves its flights to the new day', async () => {
  const beforeMidnight = Date.parse('2026-11-23T23:55:00Z');
  const { dates, lastSeen, flights } = await runDemoBoard(beforeMidnight, 10);
  assert.ok(
    [...dates].every((d) => ['2026-11-23', '2026-11-24', '2026-11-25'].includes(d)),
    [...dates].join(),
  );
  for (const flight of flights) assert.ok((lastSeen.get(flight) ?? -1) >= 8, flight);
});
