import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectRedis } from '../../src/redis/index.js';
import { SubscriptionMatcher, SubscriptionStore } from '../../src/subscriptions/index.js';
import { startRedis } from '../helpers/servers.js';

const clock = { now: () => Date.parse('2026-12-01T10:00:00Z') };
const LH400 = { carrier: 'LH', flightNumber: '400', date: '2026-12-01', eventType: 'flight.departed' };
const LX12 = { carrier: 'LX', flightNumber: '12', date: '2026-12-01', eventType: 'flight.departed' };

test('subscriptions survive a Redis restart (AOF) and a bridge restart (a new matcher loads them)', async () => {
  const server = await startRedis({ aof: true, fsync: 'always' });
  const redis = connectRedis(server.url, { name: 'subs-restart' });
  try {
    const store = new SubscriptionStore({ redis, prefix: 'flup', clock });
    await store.create({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' });
    const lx = (await store.create({ webhookId: 'crew', carrier: 'LX' })).subscription;
    await store.remove(lx.id);
    await server.restart();
    await new Promise<void>((resolve) =>
      redis.status === 'ready' ? resolve() : redis.once('ready', resolve),
    );
    const matcher = new SubscriptionMatcher({ store, clock, pollMs: 3_600_000 });
    await matcher.start();
    matcher.stop();
    assert.equal(matcher.matches('crew', { ...LH400 }), true);
    assert.equal(matcher.matches('crew', { ...LX12 }), false);
    assert.equal((await store.list('crew')).length, 1);
  } finally {
    redis.disconnect();
    await server.dispose();
  }
});

test('a replica whose Redis lost everything (restart without persistence) reloads its copy', async () => {
  const server = await startRedis();
  const redis = connectRedis(server.url, { name: 'subs-restart' });
  try {
    const store = new SubscriptionStore({ redis, prefix: 'flup', clock });
    await store.create({ webhookId: 'crew', carrier: 'LX' });
    await store.create({ webhookId: 'crew', carrier: 'OS' });
    const matcher = new SubscriptionMatcher({ store, clock, pollMs: 3_600_000 });
    await matcher.start();
    matcher.stop();
    assert.equal(matcher.matches('crew', { ...LX12 }), true);
    await server.restart();
    await new Promise<void>((resolve) =>
      redis.status === 'ready' ? resolve() : redis.once('ready', resolve),
    );
    // Three changes on the new, empty Redis: the counter passes the replica's 2, and change 3
    // alone would look like the next one; the new epoch makes the replica reload instead.
    await store.create({ webhookId: 'crew', flight: 'LH400' });
    await store.create({ webhookId: 'crew', carrier: 'SN' });
    await store.create({ webhookId: 'crew', carrier: 'EW' });
    await matcher.refresh();
    assert.equal(matcher.matches('crew', { ...LX12 }), false);
    assert.equal(matcher.matches('crew', { ...LH400 }), true);
  } finally {
    redis.disconnect();
    await server.dispose();
  }
});
