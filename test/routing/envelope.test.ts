import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FlightBoard } from '../../src/sim/flights.js';
import { validate } from './json-schema.js';
import { FLIGHT_EVENT_TYPES } from '../../src/sources/index.js';
import { buildEnvelope, parsePayload, type EnvelopeOptions } from '../../src/routing/index.js';
import { type EventEnvelope } from '../../src/queue/index.js';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/envelope.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const lufthansa: EnvelopeOptions = { source: 'lufthansa', typeRules: [], defaultType: 'mqtt.message' };

function envelopeOf(topic: string, payload: string | Uint8Array, options = lufthansa): EventEnvelope {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return buildEnvelope(
    {
      id: 'msg-1',
      topic,
      payload: bytes,
      parsed: parsePayload(bytes),
      receivedAt: Date.parse('2026-11-23T14:05:01.250Z'),
    },
    options,
  );
}

const EXPECTED: Array<[string, string]> = [
  ['MVT ED', 'flight.estimated-departure'],
  ['MVT EA', 'flight.estimated-arrival'],
  ['MVT AD', 'flight.departed'],
  ['MVT AA', 'flight.arrived'],
  ['Y', 'flight.gate-changed'],
  ['ASM CNL', 'flight.cancelled'],
  ['ASM NEW RIN', 'flight.reinstated'],
  ['ASM RPL DIV', 'flight.diverted'],
  ['ASM RPL RRT', 'flight.rerouted'],
  ['ASM TIM', 'flight.schedule-changed'],
];

test('each of the ten FLUP action codes maps to its event type', () => {
  assert.equal(Object.keys(FLIGHT_EVENT_TYPES).length, 10);
  const board = new FlightBoard({
    apiBase: 'https://api.lufthansa.com',
    date: '2026-11-23',
    clock: { now: () => Date.parse('2026-11-23T14:05:00Z') },
  });
  for (const [code, type] of EXPECTED) {
    const { topic, payload } = board.update('LH400', code);
    const envelope = envelopeOf(topic, payload);
    assert.equal(envelope.type, type, code);
    assert.equal(envelope.code, code);
    assert.deepEqual(envelope.flight, { carrier: 'LH', flightNumber: '400', date: '2026-11-23' });
    assert.equal(envelope.occurredAt, '2026-11-23T14:05:00Z');
    assert.equal(envelope.topic, 'prd/FlightUpdate/LH/LH400/2026-11-23');
    assert.deepEqual(envelope.data, JSON.parse(payload), 'data is the notification as received');
    assert.equal(envelope.dataEncoding, 'json');
    assert.deepEqual(validate(schema, envelope), []);
  }
});

test('an unknown code is flight.updated with the code kept; odd spacing still maps', () => {
  const payload = (code: string) =>
    JSON.stringify({ Update: { Timestamp: '2026-11-23T14:05:00Z', Message: 'Something', Code: code } });
  const unknown = envelopeOf('prd/FlightUpdate/LX/LX14/2026-11-23', payload('MVT XX'));
  assert.equal(unknown.type, 'flight.updated');
  assert.equal(unknown.code, 'MVT XX');
  assert.deepEqual(unknown.flight, { carrier: 'LX', flightNumber: '14', date: '2026-11-23' });
  assert.equal(
    envelopeOf('prd/FlightUpdate/LH/LH400/2026-11-23', payload(' ASM  CNL')).type,
    'flight.cancelled',
  );
  const noCode = envelopeOf('prd/FlightUpdate/4Y/4Y42/2026-11-23', JSON.stringify({ hello: 1 }));
  assert.equal(noCode.type, 'flight.updated');
  assert.equal(noCode.code, undefined);
  assert.deepEqual(noCode.flight, { carrier: '4Y', flightNumber: '42', date: '2026-11-23' });
  assert.deepEqual(validate(schema, unknown), []);
});

test('a payload that is not JSON travels base64-encoded and still validates', () => {
  const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
  const envelope = envelopeOf('prd/FlightUpdate/EW/EW9582/2026-11-23', bytes);
  assert.equal(envelope.dataEncoding, 'base64');
  assert.equal(envelope.data, Buffer.from(bytes).toString('base64'));
  assert.equal(envelope.type, 'flight.updated');
  assert.deepEqual(validate(schema, envelope), []);
});

test('generic MQTT sources: type by the first matching topic rule, else the default', () => {
  const options: EnvelopeOptions = {
    source: 'mqtt',
    typeRules: [
      { topic: 'plant/+/temperature', type: 'sensor.temperature' },
      { topic: 'plant/#', type: 'plant.event' },
    ],
    defaultType: 'mqtt.message',
  };
  assert.equal(envelopeOf('plant/a/temperature', '21.5', options).type, 'sensor.temperature');
  assert.equal(envelopeOf('plant/a/door', '{}', options).type, 'plant.event');
  const other = envelopeOf('office/light', 'on', options);
  assert.equal(other.type, 'mqtt.message');
  assert.equal(other.flight, undefined);
  assert.deepEqual(validate(schema, other), []);
});

test('the schema covers enriched envelopes and rejects malformed ones', () => {
  const board = new FlightBoard({ apiBase: 'https://api.lufthansa.com', date: '2026-11-23' });
  const { topic, payload } = board.update('OS111', 'Y');
  const resource = board.flightStatus('OS111', '2026-11-23') as {
    FlightStatusResource: { Flights: { Flight: unknown } };
  };
  const enriched = {
    ...envelopeOf(topic, payload),
    flightStatus: [resource.FlightStatusResource.Flights.Flight],
    flightStatusFetchedAt: '2026-11-23T14:05:02.000Z',
  };
  assert.deepEqual(validate(schema, enriched), []);
  assert.deepEqual(validate(schema, { ...envelopeOf(topic, payload), flightStatusError: 'quota' }), []);

  // The validator (and the schema) must be able to say no.
  const good = envelopeOf(topic, payload);
  assert.match(validate(schema, { ...good, dataEncoding: 'hex' }).join(), /not in/);
  assert.match(validate(schema, { ...good, extra: 1 }).join(), /unexpected property extra/);
  const { id: _id, ...noId } = good;
  assert.match(validate(schema, noId).join(), /missing id/);
  assert.match(
    validate(schema, { ...good, flight: { carrier: 'LH', flightNumber: 400, date: '2026-11-23' } }).join(),
    /flightNumber: expected string/,
  );
  assert.match(validate(schema, { ...good, flightStatus: {} }).join(), /flightStatus: expected array/);
  assert.match(
    validate(schema, {
      ...good,
      flightStatus: [{ Departure: {}, Arrival: { AirportCode: 'FRA' }, FlightStatus: { Code: 'NA' } }],
    }).join(),
    /Departure: missing AirportCode/,
  );
  assert.match(validate(schema, { ...good, type: 'Flight Cancelled' }).join(), /does not match/);
});
