import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { connectRedis, deleteByPrefix } from '../../src/redis/index.js';
import {
  IdempotencyConflictError,
  SubscriptionStore,
  type MatchableMessage,
} from '../../src/subscriptions/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';

const DEC1 = Date.parse('2026-12-01T10:00:00Z');

function msg(
  flight: string,
  date = '2026-12-01',
  eventType = 'flight.gate-changed',
  extra = {},
): MatchableMessage {
  const [, carrier, flightNumber] = /^([A-Z0-9]{2})(\d+)$/.exec(flight)!;
  return { carrier: carrier!, flightNumber: flightNumber!, date, eventType, ...extra };
}

async function withStore(
  fn: (store: SubscriptionStore, clock: { t: number }) => Promise<void>,
): Promise<void> {
  const prefix = uniquePrefix('subs');
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'subs-test' });
  const clock = { t: DEC1 };
  try {
    await fn(new SubscriptionStore({ redis, prefix, clock: { now: () => clock.t } }), clock);
  } finally {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
}

test('the same rule for the same webhook gets the same id; other events or webhook another one', () =>
  withStore(async (store) => {
    const first = await store.create({
      webhookId: 'crew',
      flight: 'LH400',
      date: '2026-12-01',
      events: ['flight.*'],
    });
    const again = await store.create({
      webhookId: 'crew',
      flight: 'LH400',
      date: '2026-12-01',
      events: ['flight.*'],
    });
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.subscription.id, first.subscription.id);
    assert.deepEqual(again.subscription, first.subscription);
    const other = await store.create({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' });
    const otherHook = await store.create({
      webhookId: 'ops',
      flight: 'LH400',
      date: '2026-12-01',
      events: ['flight.*'],
    });
    assert.equal(new Set([first, other, otherHook].map((r) => r.subscription.id)).size, 3);
    // A flight+date subscription ends 12 h after its date (UTC).
    assert.equal(first.subscription.expiresAt, '2026-12-02T12:00:00.000Z');
  }));

test('an Idempotency-Key names one subscription; reusing it for another rule is refused', () =>
  withStore(async (store) => {
    const a = await store.create({ webhookId: 'crew', carrier: 'LX' }, { idempotencyKey: 'k1' });
    const b = await store.create({ webhookId: 'crew', carrier: 'LX' }, { idempotencyKey: 'k1' });
    assert.equal(b.subscription.id, a.subscription.id);
    assert.equal(b.created, false);
    await assert.rejects(
      store.create({ webhookId: 'crew', carrier: 'LH' }, { idempotencyKey: 'k1' }),
      (err: unknown) => err instanceof IdempotencyConflictError && err.existingId === a.subscription.id,
    );
  }));

test('get, list (all or per webhook) and remove; they survive a new connection (restart)', () =>
  withStore(async (store) => {
    const lh = (await store.create({ webhookId: 'crew', flight: 'LH400' })).subscription;
    const lx = (await store.create({ webhookId: 'ops', carrier: 'LX' })).subscription;
    const redis2 = connectRedis(SHARED_REDIS_URL, { name: 'subs-test-2' });
    try {
      const replica = new SubscriptionStore({
        redis: redis2,
        prefix: store.keys.records.split(':{')[0]!,
        clock: { now: () => DEC1 },
      });
      assert.deepEqual(await replica.get(lh.id), lh);
      assert.deepEqual((await replica.list()).map((s) => s.id).sort(), [lh.id, lx.id].sort());
      assert.deepEqual(await replica.list('ops'), [lx]);
      assert.equal(await replica.remove(lh.id), true);
      assert.equal(await replica.remove(lh.id), false);
      assert.equal(await store.get(lh.id), undefined);
      assert.deepEqual(await store.list('crew'), []);
    } finally {
      redis2.disconnect();
    }
  }));

test('matches by flight+date, flight on any date, carrier, events; not other webhooks; not after remove', () =>
  withStore(async (store) => {
    const dated = (await store.create({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' }))
      .subscription;
    await store.create({ webhookId: 'crew', flight: 'LH401' });
    await store.create({ webhookId: 'crew', carrier: 'LX', events: ['flight.cancelled'] });
    assert.equal(await store.matches('crew', msg('LH400')), true);
    assert.equal(await store.matches('crew', { ...msg('LH400'), flightNumber: '0400' }), true);
    assert.equal(await store.matches('crew', msg('LH400', '2026-12-02')), false);
    assert.equal(await store.matches('crew', msg('LH401', '2027-01-05')), true);
    assert.equal(await store.matches('crew', msg('LX12', '2026-12-01', 'flight.cancelled')), true);
    assert.equal(await store.matches('crew', msg('LX12', '2026-12-01', 'flight.departed')), false);
    assert.equal(await store.matches('crew', msg('LH402')), false);
    assert.equal(await store.matches('ops', msg('LH400')), false);
    await store.remove(dated.id);
    assert.equal(await store.matches('crew', msg('LH400')), false);
  }));

test('a rule with two selectors needs both: carrier LH departing FRA', () =>
  withStore(async (store) => {
    await store.create({ webhookId: 'ops', carrier: 'LH', departureAirport: 'FRA' });
    assert.equal(
      await store.matches('ops', msg('LH400', '2026-12-01', 'flight.departed', { departureAirport: 'FRA' })),
      true,
    );
    assert.equal(
      await store.matches('ops', msg('LH400', '2026-12-01', 'flight.departed', { departureAirport: 'MUC' })),
      false,
    );
    assert.equal(
      await store.matches('ops', msg('LX400', '2026-12-01', 'flight.departed', { departureAirport: 'FRA' })),
      false,
    );
  }));

async function gone(store: SubscriptionStore, id: string): Promise<void> {
  while ((await store.redis.hexists(store.keys.records, id)) === 1) await setImmediatePromise();
}

test('an expired subscription stops matching without any call, is hidden, and is removed lazily', () =>
  withStore(async (store, clock) => {
    const flight = (await store.create({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' }))
      .subscription;
    const timed = (
      await store.create({ webhookId: 'crew', carrier: 'LX', expiresAt: '2026-12-01T11:00:00.000Z' })
    ).subscription;
    assert.equal(await store.matches('crew', msg('LX7')), true);
    clock.t = Date.parse('2026-12-01T11:00:00Z');
    assert.equal(await store.get(timed.id), undefined);
    assert.equal(await store.matches('crew', msg('LX7')), false);
    await gone(store, timed.id);
    assert.equal(await store.matches('crew', msg('LH400')), true);
    clock.t = Date.parse('2026-12-02T12:00:00Z');
    assert.deepEqual(await store.list('crew'), []);
    assert.equal(await store.matches('crew', msg('LH400')), false);
    await gone(store, flight.id);
  }));

test('creating a rule again keeps a live one and replaces an expired one', () =>
  withStore(async (store, clock) => {
    const rule = { webhookId: 'crew', carrier: 'LX', expiresAt: '2026-12-01T11:00:00.000Z' };
    const first = (await store.create(rule)).subscription;
    const again = await store.create({ ...rule, expiresAt: '2026-12-01T12:00:00.000Z' });
    assert.equal(again.created, false);
    assert.deepEqual(again.subscription, first);
    clock.t = Date.parse('2026-12-01T11:30:00Z');
    assert.equal(
      await store.removeIfExpired(first.id, Date.parse('2026-12-01T10:59:00Z')),
      false,
      'live then',
    );
    const renewed = await store.create({ ...rule, expiresAt: '2026-12-01T12:00:00.000Z' });
    assert.equal(renewed.created, true);
    assert.equal(renewed.subscription.id, first.id);
    assert.equal(await store.matches('crew', msg('LX7')), true);
    assert.equal(await store.removeIfExpired(first.id), false, 'the renewed one is live');
    clock.t = Date.parse('2026-12-01T12:00:00Z');
    assert.equal(await store.removeIfExpired(first.id), true);
    assert.equal(await store.matches('crew', msg('LX7')), false);
  }));

test('listPage walks every live subscription of a webhook or of all, page by page', () =>
  withStore(async (store) => {
    for (let i = 1; i <= 250; i++)
      await store.create({ webhookId: i % 2 ? 'crew' : 'ops', flight: `LH${i}` });
    for (const webhookId of [undefined, 'crew']) {
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listPage({ webhookId, cursor, count: 50 });
        for (const sub of page.subscriptions) seen.add(sub.id);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.equal(seen.size, webhookId ? 125 : 250);
      assert.ok(pages > 1, 'more than one page');
    }
  }));
