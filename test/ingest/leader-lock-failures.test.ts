/**
 * Issue 18 item 6: every lock attempt refused (here a Redis that does not know SET, as a Sentinel
 * port answers): the lock reports the error (so /readyz is not ready), warns once per cause and
 * counts each failure in flup_redis_errors_total. A held key is seen with its holder and TTL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../src/core/metrics.js';
import { systemClock } from '../../src/core/clock.js';
import { LeaderLock } from '../../src/ingest/leader-lock.js';
import { connectRedis } from '../../src/redis/connection.js';
import { captureLogger } from '../helpers/logger.js';
import { SHARED_REDIS_URL, startRedis, uniquePrefix, waitFor } from '../helpers/servers.js';

function lockOn(url: string, key: string, owner: string) {
  const redis = connectRedis(url, { name: `lock-${owner}` });
  const metrics = new Metrics({ defaultMetrics: false });
  const log = captureLogger({ level: 'debug' });
  const lock = new LeaderLock({
    redis,
    key,
    ttl: 300,
    logger: log.logger,
    metrics,
    clock: systemClock,
    owner,
    onAcquired: () => undefined,
    onLost: () => undefined,
  });
  return { lock, redis, metrics, log };
}

test('lock attempts refused: the error is observed, warned once, counted by cause', async () => {
  const server = await startRedis({ args: ['--rename-command', 'SET', ''] });
  const { lock, redis, metrics, log } = lockOn(server.url, 'x:ingest:leader', 'a');
  try {
    await lock.start();
    const errors = async () =>
      (await metrics.redisErrors.get()).values.find((v) => v.labels.cause === 'unknown-command')?.value ?? 0;
    await waitFor(async () => (await errors()) >= 5, 20_000, 'five refused attempts');
    assert.equal(lock.held, false);
    assert.match(String(lock.observation?.error), /unknown command/);
    const warnings = log.records().filter((r) => r.level === 40 && String(r.msg).startsWith('leader lock'));
    assert.equal(warnings.length, 1, 'one warning for one cause');
  } finally {
    await lock.stop();
    redis.disconnect();
    await server.dispose();
  }
});

test('a standby sees the holder and the TTL of the lock', async () => {
  const key = `${uniquePrefix('lockobs')}:ingest:leader`;
  const a = lockOn(SHARED_REDIS_URL, key, 'a');
  const b = lockOn(SHARED_REDIS_URL, key, 'b');
  try {
    await a.lock.start();
    await b.lock.start();
    assert.equal(b.lock.held, false);
    assert.equal(b.lock.observation?.holder, 'a');
    assert.ok((b.lock.observation?.ttlMs ?? 0) > 0);
    assert.equal(b.lock.observation?.error, undefined);
  } finally {
    await a.lock.stop();
    await b.lock.stop();
    a.redis.disconnect();
    b.redis.disconnect();
  }
});
