import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/routing/router.js';
import { buildEnvelope, parsePayload } from '../../src/routing/envelope.js';
import { configFrom, hook } from '../ingest/support.js';
import { messageKeyFn, envelopeId } from '../../src/queue/index.js';
import { valueAtPath } from '../../src/core/index.js';

const LH_SOURCE = { kind: 'lufthansa', lufthansa: { clientKey: 'k', clientSecret: 's' } };

function notification(code: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Update: { Timestamp: '2026-11-23T14:05:00Z', Message: 'x', Code: code },
    Meta: {
      '@Version': '1.0.0',
      Link: [
        {
          '@Href': 'https://api.lufthansa.com/v1/operations/flightstatus/LH400/2026-11-23',
          '@Rel': 'related',
        },
      ],
    },
    ...extra,
  });
}

function routeIds(
  router: Router,
  topic: string,
  payload: string | Buffer,
  source: 'lufthansa' | 'mqtt' = 'lufthansa',
): string[] {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const parsed = parsePayload(bytes);
  const envelope = buildEnvelope(
    { id: 'msg_1', topic, payload: bytes, parsed, receivedAt: 0 },
    { source, typeRules: [{ topic: 'sensors/#', type: 'sensor.reading' }], defaultType: 'mqtt.message' },
  );
  return router.route(envelope, parsed).map((w) => w.id);
}

const TOPIC = 'prd/FlightUpdate/LH/LH400/2026-11-23';

test('topic filters with + and # choose the webhooks', () => {
  const config = configFrom({
    source: LH_SOURCE,
    webhooks: [
      hook('all'),
      hook('lh', { topics: ['prd/FlightUpdate/LH/#'] }),
      hook('lx', { topics: ['prd/FlightUpdate/LX/#'] }),
      hook('day', { topics: ['prd/FlightUpdate/+/+/2026-11-23'] }),
      hook('two', { topics: ['prd/FlightUpdate/OS/#', 'prd/FlightUpdate/+/LH400/#'] }),
    ],
  });
  const router = new Router(config.webhooks);
  assert.deepEqual(routeIds(router, TOPIC, notification('Y')), ['all', 'lh', 'day', 'two']);
  assert.deepEqual(routeIds(router, 'prd/FlightUpdate/LX/LX14/2026-11-24', notification('Y')), ['all', 'lx']);
});

test('where: a value or a list of accepted values, every entry must hold', () => {
  const config = configFrom({
    source: LH_SOURCE,
    webhooks: [
      hook('cnl-div', { where: { 'Update.Code': ['ASM CNL', 'ASM RPL DIV'] } }),
      hook('gate', { where: { 'Update.Code': 'Y' } }),
      hook('both', { where: { 'Update.Code': 'Y', 'Meta.@Version': '1.0.0' } }),
      hook('version2', { where: { 'Update.Code': 'Y', 'Meta.@Version': '2.0.0' } }),
      hook('link', { where: { 'Meta.Link.0.@Rel': 'related' } }),
      hook('absent', { where: { 'Update.Gate': null } }),
      hook('number', { where: { Seq: 7 } }),
    ],
  });
  const router = new Router(config.webhooks);
  assert.deepEqual(routeIds(router, TOPIC, notification('ASM CNL')), ['cnl-div', 'link', 'absent']);
  assert.deepEqual(routeIds(router, TOPIC, notification('ASM RPL DIV')), ['cnl-div', 'link', 'absent']);
  assert.deepEqual(routeIds(router, TOPIC, notification('Y')), ['gate', 'both', 'link', 'absent']);
  // No coercion: 7 is not "7".
  assert.deepEqual(routeIds(router, TOPIC, notification('MVT AD', { Seq: '7' })), ['link', 'absent']);
  assert.deepEqual(routeIds(router, TOPIC, notification('MVT AD', { Seq: 7 })), ['link', 'absent', 'number']);
});

test('where never holds on a payload that is not JSON; webhooks without where still get it', () => {
  const config = configFrom({
    source: { kind: 'mqtt' },
    webhooks: [hook('plain'), hook('filtered', { where: { a: 1 } })],
  });
  const router = new Router(config.webhooks);
  assert.deepEqual(routeIds(router, 'x/y', Buffer.from([0xff, 0xfe, 0x00]), 'mqtt'), ['plain']);
  assert.deepEqual(routeIds(router, 'x/y', '{"a":1}', 'mqtt'), ['plain', 'filtered']);
});

test('events filters with * wildcards, and disabled webhooks get nothing', () => {
  const config = configFrom({
    source: LH_SOURCE,
    webhooks: [
      hook('cancelled', { events: ['flight.cancelled'] }),
      hook('flights', { events: ['flight.*'] }),
      hook('gate-or-cnl', { events: ['flight.gate-changed', 'flight.cancelled'] }),
      hook('off', { enabled: false }),
      hook('sensors', { events: ['sensor.*'] }),
    ],
  });
  const router = new Router(config.webhooks);
  assert.deepEqual(routeIds(router, TOPIC, notification('ASM CNL')), ['cancelled', 'flights', 'gate-or-cnl']);
  assert.deepEqual(routeIds(router, TOPIC, notification('Y')), ['flights', 'gate-or-cnl']);
  assert.deepEqual(
    routeIds(router, TOPIC, notification('XYZ')),
    ['flights'],
    'an unknown code is flight.updated',
  );
  assert.deepEqual(
    router.routeByTopic(TOPIC).map((w) => w.id),
    ['cancelled', 'flights', 'gate-or-cnl', 'sensors'],
  );
});

test('generic sources: event types from the type rules', () => {
  const config = configFrom({
    source: { kind: 'mqtt' },
    webhooks: [hook('sensors', { events: ['sensor.*'] }), hook('other', { events: ['mqtt.message'] })],
  });
  const router = new Router(config.webhooks);
  assert.deepEqual(routeIds(router, 'sensors/a/1', '{"t":1}', 'mqtt'), ['sensors']);
  assert.deepEqual(routeIds(router, 'lights/a', '{"t":1}', 'mqtt'), ['other']);
});

test('message key: sha-256 of topic and payload, or the dedupKey field', () => {
  const byContent = messageKeyFn('');
  const payload = Buffer.from('{"Meta":{"Id":"abc"},"n":1}');
  const key = byContent('a/b', payload, parsePayload(payload));
  assert.match(key, /^[0-9a-f]{64}$/);
  // Pinned: a redelivery after an upgrade must map to the same jobs, so the key may never change.
  assert.equal(key, '32c9cdaf83ade4f4c0876e994479ae9a4798e28c18235ad013a6557f3d736eec');
  assert.equal(
    byContent('ü/b', Buffer.from('{"t":"ä€"}'), undefined),
    '7bb5e6cb54050ddc95fb300afd624f2f7ba37c64c2b96238c55e3bfeea68bb48',
  );
  assert.equal(byContent('a/b', Buffer.from(payload), undefined), key, 'stable for the same bytes');
  assert.notEqual(byContent('a/c', payload, undefined), key, 'the topic counts');
  assert.notEqual(byContent('a/b', Buffer.from('{"Meta":{"Id":"abc"},"n":2}'), undefined), key);

  const byField = messageKeyFn('Meta.Id');
  const other = Buffer.from('{"Meta":{"Id":"abc"},"n":2}');
  assert.equal(
    byField('a/b', payload, parsePayload(payload)),
    byField('x/y', other, parsePayload(other)),
    'same field, same key',
  );
  assert.equal(
    byField('a/b', payload, parsePayload(payload)),
    '239a34b382c674eabbdb7746afde6c2823d446015de93082b380277dba5a5eec',
  );
  const noField = Buffer.from('{"n":3}');
  assert.equal(
    byField('a/b', noField, parsePayload(noField)),
    byContent('a/b', noField, undefined),
    'falls back to the content',
  );
  assert.equal(envelopeId(key), `msg_${key.slice(0, 32)}`);
});

test('valueAtPath walks objects and array indices', () => {
  const json = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x@y': true };
  assert.equal(valueAtPath(json, ['a', 'b', '1', 'c']), 2);
  assert.equal(valueAtPath(json, ['x@y']), true);
  assert.equal(valueAtPath(json, ['a', 'b', 'c']), undefined);
  assert.equal(valueAtPath(json, ['a', 'missing', 'c']), undefined);
  assert.equal(valueAtPath(json, ['toString']), undefined, 'no prototype keys');
});
