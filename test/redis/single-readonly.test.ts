import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createRedisClient, type RedisClient } from '../../src/redis/factory.js';
import { startRedis, waitFor, type ManagedServer } from '../helpers/servers.js';
import { startWriter } from '../helpers/redis-writer.js';

// A managed Redis's primary endpoint that, for a while, leads to a node that is now a replica:
// the client must not stay stuck on READONLY but reconnect until the endpoint takes writes again.
let endpoint: ManagedServer & { url: string };
let other: ManagedServer & { url: string };
let admin: Redis;
let client: RedisClient;
let reconnects = 0;

before(async () => {
  [endpoint, other] = await Promise.all([startRedis(), startRedis()]);
  admin = new Redis(endpoint.url);
  client = createRedisClient({ kind: 'single', url: endpoint.url }, { name: 'test-readonly' });
  client.on('error', () => {});
  client.on('reconnecting', () => reconnects++);
});

after(async () => {
  client.disconnect();
  admin.disconnect();
  await Promise.all([endpoint.dispose(), other.dispose()]);
});

test('READONLY from a demoted endpoint makes the client reconnect; writes resume once it is primary again', async (t) => {
  const writer = startWriter(
    async (i) => {
      await client.set('readonly-probe', String(i));
      return 0;
    },
    () => 0,
  );
  await waitFor(() => writer.acked.length >= 50, 30_000, 'first writes');
  await admin.replicaof('127.0.0.1', String(other.port));
  await waitFor(
    () => writer.errors()['READONLY'] !== undefined || reconnects > 0,
    30_000,
    'the demotion to be seen',
  );
  const stuckAt = writer.acked.length;
  await admin.replicaof('NO', 'ONE');
  const started = Date.now();
  await waitFor(() => writer.acked.length >= stuckAt + 50, 30_000, 'writes after promotion');
  await writer.stop();
  t.diagnostic(
    `errors while demoted ${JSON.stringify(writer.errors())}, reconnects ${reconnects}, resumed ${writer.firstWriteAfter(started) - started} ms after promotion`,
  );
  assert.ok(reconnects > 0, 'the client reconnected instead of keeping the READONLY connection');
});
