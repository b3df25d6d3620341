import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  normaliseFlight,
  validateSubscription,
  type ValidationContext,
} from '../../src/subscriptions/index.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const ctx: ValidationContext = {
  clock: { now: () => NOW },
  flightGraceMs: 12 * 3_600_000,
  webhookInfo: (id) => ({ exists: id === 'crew-app' || id === 'ops', enriches: id === 'ops' }),
};

function errors(input: unknown): Record<string, string> {
  const result = validateSubscription(input, ctx);
  assert.equal(result.ok, false, `expected errors for ${JSON.stringify(input)}`);
  return Object.fromEntries(result.ok ? [] : result.errors.map((e) => [e.field, e.message]));
}

test('flight numbers are normalised: LH400, "LH 400", lh0400, DLH400, 4U1234A', () => {
  assert.equal(normaliseFlight('LH400'), 'LH400');
  assert.equal(normaliseFlight('LH 400'), 'LH400');
  assert.equal(normaliseFlight('lh0400'), 'LH400');
  assert.equal(normaliseFlight('DLH400'), 'DLH400');
  assert.equal(normaliseFlight('4u1234a'), '4U1234A');
  for (const bad of ['LH', '400', 'LH12345', 'LH0', 'L-400', 'LH 4 00'])
    assert.equal(normaliseFlight(bad), undefined, bad);
});

test('a valid flight+date rule is normalised (flight, sorted unique events)', () => {
  const result = validateSubscription(
    {
      webhookId: 'crew-app',
      flight: 'lh 0400',
      date: '2026-12-01',
      events: ['flight.*', 'flight.cancelled', 'flight.*'],
    },
    ctx,
  );
  assert.deepEqual(result, {
    ok: true,
    rule: {
      webhookId: 'crew-app',
      flight: 'LH400',
      date: '2026-12-01',
      events: ['flight.*', 'flight.cancelled'],
    },
  });
});

test('carrier and (for enriching webhooks) airports are upper-cased selectors', () => {
  assert.deepEqual(validateSubscription({ webhookId: 'crew-app', carrier: 'lx' }, ctx), {
    ok: true,
    rule: { webhookId: 'crew-app', carrier: 'LX' },
  });
  assert.deepEqual(
    validateSubscription({ webhookId: 'ops', departureAirport: 'fra', arrivalAirport: 'JFK' }, ctx),
    {
      ok: true,
      rule: { webhookId: 'ops', departureAirport: 'FRA', arrivalAirport: 'JFK' },
    },
  );
});

test('each bad field is named', () => {
  assert.match(errors({ webhookId: 'nope', flight: 'LH400' }).webhookId!, /unknown webhook "nope"/);
  assert.match(errors({ flight: 'LH400' }).webhookId!, /required/);
  assert.match(errors({ webhookId: 'crew-app', flight: 'LH-400' }).flight!, /not a flight number/);
  assert.match(errors({ webhookId: 'crew-app', flight: 'LH400', date: '2026-13-01' }).date!, /not a date/);
  assert.match(errors({ webhookId: 'crew-app', flight: 'LH400', date: '2026-02-30' }).date!, /not a date/);
  assert.match(errors({ webhookId: 'crew-app', flight: 'LH400', date: '2026-11-29' }).date!, /in the past/);
  assert.match(
    errors({ webhookId: 'crew-app', date: '2026-12-02', carrier: 'LH' }).date!,
    /only together with flight/,
  );
  assert.match(errors({ webhookId: 'crew-app' })['(body)']!, /needs a selector/);
  assert.match(errors({ webhookId: 'crew-app', flight: 'LH400', colour: 'red' }).colour!, /unknown key/);
  assert.match(
    errors({ webhookId: 'crew-app', carrier: 'LH', expiresAt: '2026-12-01T09:00:00Z' }).expiresAt!,
    /in the past/,
  );
  assert.match(errors({ webhookId: 'crew-app', carrier: 'LH', expiresAt: 'soon' }).expiresAt!, /ISO 8601/);
  assert.match(
    errors({ webhookId: 'crew-app', carrier: 'LH', events: ['flight..x'] }).events!,
    /not an event-type/,
  );
  assert.match(errors({ webhookId: 'crew-app', carrier: 'LH', events: [] }).events!, /non-empty array/);
  assert.match(
    errors({ webhookId: 'crew-app', departureAirport: 'FRA' }).departureAirport!,
    /does not enrich/,
  );
  assert.match(errors({ webhookId: 'ops', arrivalAirport: 'FRAN' }).arrivalAirport!, /IATA airport/);
  assert.match(errors([1])['(body)']!, /JSON object/);
});

test('yesterday is still a valid date until its 12 h grace is over', () => {
  assert.equal(
    validateSubscription({ webhookId: 'crew-app', flight: 'LH400', date: '2026-11-30' }, ctx).ok,
    true,
  );
});
