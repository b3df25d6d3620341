import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectRedis, deleteByPrefix } from '../../src/redis/index.js';
import {
  SubscriptionMatcher,
  SubscriptionStore,
  type MatchableMessage,
} from '../../src/subscriptions/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';

const DEC1 = Date.parse('2026-12-01T10:00:00Z');

function msg(carrier: string, flightNumber: string, date = '2026-12-01'): MatchableMessage {
  return { carrier, flightNumber, date, eventType: 'flight.departed' };
}

/** Two replicas on their own connections: one writes, the other matches from its copy. */
async function withReplicas(
  options: { changeLogCap?: number },
  fn: (
    writer: SubscriptionStore,
    matcher: SubscriptionMatcher,
    clock: { t: number },
    reader: SubscriptionStore,
  ) => Promise<void>,
): Promise<void> {
  const prefix = uniquePrefix('subs-match');
  const clock = { t: DEC1 };
  const now = { now: () => clock.t };
  const a = connectRedis(SHARED_REDIS_URL, { name: 'subs-writer' });
  const b = connectRedis(SHARED_REDIS_URL, { name: 'subs-reader' });
  const writer = new SubscriptionStore({ redis: a, prefix, clock: now, ...options });
  const reader = new SubscriptionStore({ redis: b, prefix, clock: now, ...options });
  // A poll period longer than any test: refreshes happen when the test calls them.
  const matcher = new SubscriptionMatcher({ store: reader, clock: now, pollMs: 3_600_000 });
  try {
    await fn(writer, matcher, clock, reader);
  } finally {
    matcher.stop();
    await deleteByPrefix(a, prefix);
    a.disconnect();
    b.disconnect();
  }
}

test('a replica loads the index at start and follows creates and removes by the change log', () =>
  withReplicas({}, async (writer, matcher) => {
    const lh = (await writer.create({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' })).subscription;
    await matcher.start();
    assert.equal(matcher.matches('crew', msg('LH', '400')), true);
    assert.equal(matcher.matches('crew', msg('LX', '12')), false);
    await writer.create({ webhookId: 'crew', carrier: 'LX' });
    await writer.create({ webhookId: 'ops', flight: 'LH401' });
    assert.equal(matcher.matches('crew', msg('LX', '12')), false, 'not seen before a refresh');
    await matcher.refresh();
    assert.equal(matcher.matches('crew', msg('LX', '12')), true);
    assert.equal(matcher.matches('ops', msg('LH', '0401', '2027-03-03')), true);
    await writer.remove(lh.id);
    await matcher.refresh();
    assert.equal(matcher.matches('crew', msg('LH', '400')), false);
    assert.equal(matcher.size, 2);
  }));

test('matching needs no Redis round trip: the copy answers with its connection closed', () =>
  withReplicas({}, async (writer, matcher, _clock, reader) => {
    await writer.create({ webhookId: 'crew', carrier: 'LX' });
    await matcher.start();
    reader.redis.disconnect();
    assert.equal(matcher.matches('crew', msg('LX', '1')), true);
    assert.equal(matcher.matches('crew', msg('LH', '1')), false);
  }));

test('a replica further behind than the capped change log reloads the whole index', () =>
  withReplicas({ changeLogCap: 2 }, async (writer, matcher) => {
    await matcher.start();
    for (const carrier of ['LX', 'OS', 'SN', 'EW']) await writer.create({ webhookId: 'crew', carrier });
    await writer.remove((await writer.list('crew'))[0]!.id);
    await matcher.refresh();
    assert.deepEqual(
      ['LX', 'OS', 'SN', 'EW'].map((c) => matcher.matches('crew', msg(c, '1'))),
      [false, true, true, true],
    );
    assert.equal(matcher.version, Number(await writer.redis.get(writer.keys.version)));
  }));

test('an expired subscription stops matching at once and the next refresh removes it from Redis', () =>
  withReplicas({}, async (writer, matcher, clock) => {
    const sub = (await writer.create({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' }))
      .subscription;
    await matcher.start();
    assert.equal(matcher.matches('crew', msg('LH', '400')), true);
    clock.t = Date.parse(sub.expiresAt!);
    assert.equal(matcher.matches('crew', msg('LH', '400')), false);
    assert.equal(await writer.redis.hexists(writer.keys.records, sub.id), 1, 'no call made yet');
    await matcher.refresh();
    assert.equal(await writer.redis.hexists(writer.keys.records, sub.id), 0);
    await matcher.refresh();
    assert.equal(matcher.size, 0);
  }));
