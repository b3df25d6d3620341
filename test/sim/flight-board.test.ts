import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightBoard, FLUP_MESSAGES } from '../../src/sim/flights.js';
import { relatedLink } from '../../src/sources/lufthansa/index.js';

const DATE = '2026-11-23';

/** Deterministic random source (mulberry32) so the run is reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const flightOf = (board: FlightBoard, number: string, date = DATE): Any =>
  (board.flightStatus(number, date) as Any).FlightStatusResource.Flights.Flight;

test('the board covers the six carriers with realistic flights', () => {
  const board = new FlightBoard({ apiBase: 'https://api.lufthansa.com', date: DATE });
  const carriers = new Set(board.flights().map((f) => f.flightNumber.slice(0, 2)));
  assert.deepEqual([...carriers].sort(), ['4Y', 'EW', 'LH', 'LX', 'OS', 'SN']);
  const lh400 = flightOf(board, 'LH400');
  assert.equal(lh400.Departure.AirportCode, 'FRA');
  assert.equal(lh400.Arrival.AirportCode, 'JFK');
  assert.equal(lh400.Departure.ScheduledTimeLocal.DateTime, '2026-11-23T10:10');
  assert.equal(lh400.Departure.ScheduledTimeUTC.DateTime, '2026-11-23T09:10Z');
  assert.equal(lh400.Arrival.ScheduledTimeLocal.DateTime, '2026-11-23T13:10');
  assert.deepEqual(lh400.MarketingCarrier, { AirlineID: 'LH', FlightNumber: '400' });
  assert.equal(lh400.FlightStatus.Code, 'NA');
  assert.match(lh400.Departure.Terminal.Gate, /^[ABZ]\d+$/);
  assert.equal(board.flightStatus('LH400', '2026-11-24'), undefined);
  assert.equal(new FlightBoard({ apiBase: 'http://x', date: DATE, count: 10 }).flights().length, 10);
});

test('notifications are in Lufthansa format and the resource reflects each change', () => {
  const board = new FlightBoard({ apiBase: 'http://127.0.0.1:9999/', date: DATE, random: seeded(1) });
  const gateBefore = flightOf(board, 'LH400').Departure.Terminal.Gate;
  const { topic, payload } = board.update('LH400', 'Y');
  assert.equal(topic, `prd/FlightUpdate/LH/LH400/${DATE}`);
  const notification = JSON.parse(payload);
  assert.deepEqual(Object.keys(notification), ['Update', 'Meta']);
  assert.equal(notification.Update.Code, 'Y');
  assert.equal(notification.Update.Message, 'New Gate Information');
  assert.match(notification.Update.Timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.equal(relatedLink(notification), `http://127.0.0.1:9999/v1/operations/flightstatus/LH400/${DATE}`);
  assert.notEqual(
    flightOf(board, 'LH400').Departure.Terminal.Gate,
    gateBefore,
    'gate change shows the new gate',
  );

  board.update('LX14', 'MVT ED');
  const delayed = flightOf(board, 'LX14');
  assert.ok(delayed.Departure.EstimatedTimeUTC.DateTime > delayed.Departure.ScheduledTimeUTC.DateTime);
  assert.equal(delayed.Departure.TimeStatus.Code, 'DL');

  board.update('OS111', 'ASM CNL');
  assert.equal(flightOf(board, 'OS111').FlightStatus.Code, 'CD');
  board.update('OS111', 'ASM NEW RIN');
  assert.equal(flightOf(board, 'OS111').FlightStatus.Code, 'NA');

  board.update('LH454', 'MVT AD');
  const departed = flightOf(board, 'LH454');
  assert.equal(departed.FlightStatus.Code, 'DP');
  assert.ok(departed.Departure.ActualTimeUTC.DateTime);
  board.update('LH454', 'ASM RPL DIV');
  const diverted = flightOf(board, 'LH454');
  assert.equal(diverted.FlightStatus.Code, 'RT');
  assert.equal(diverted.Arrival.AirportCode, 'OAK');
  board.update('LH454', 'MVT AA');
  const landed = flightOf(board, 'LH454');
  assert.equal(landed.FlightStatus.Code, 'LD');
  assert.ok(landed.Arrival.ActualTimeUTC.DateTime > landed.Departure.ActualTimeUTC.DateTime);

  const before = flightOf(board, 'SN2901').Departure.ScheduledTimeUTC.DateTime;
  board.update('SN2901', 'ASM TIM');
  assert.notEqual(flightOf(board, 'SN2901').Departure.ScheduledTimeUTC.DateTime, before);
  assert.throws(() => board.update('XX1', 'Y'), /no flight XX1/);
});

test('randomUpdate keeps flights in a consistent life cycle for thousands of updates', () => {
  const board = new FlightBoard({ apiBase: 'https://api.lufthansa.com', date: DATE, random: seeded(7) });
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const { topic, payload } = board.randomUpdate();
    const n = JSON.parse(payload);
    seen.add(n.Update.Code);
    assert.equal(n.Update.Message, FLUP_MESSAGES[n.Update.Code]);
    const [, , carrier, number, date] = topic.split('/');
    assert.ok(number!.startsWith(carrier!));
    const flight = flightOf(board, number!, date);
    const status = flight.FlightStatus.Code;
    if (n.Update.Code === 'ASM CNL') assert.equal(status, 'CD');
    if (n.Update.Code === 'MVT AD') assert.equal(status, 'DP');
    if (n.Update.Code === 'MVT AA') assert.equal(status, 'LD');
    if (n.Update.Code === 'MVT AA') assert.ok(flight.Arrival.ActualTimeUTC);
    assert.ok(relatedLink(n)!.endsWith(`/${number}/${date}`));
  }
  assert.deepEqual([...seen].sort(), Object.keys(FLUP_MESSAGES).sort(), 'every action code occurs');
  assert.ok(
    board.flights().some((f) => f.date > DATE),
    'landed flights repeat the next day',
  );
});
