/** Bridge processes killed with SIGKILL: nothing published is missing from Redis afterwards. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlightUpdatePublisher } from '../../src/sim/publisher.js';
import { SHARED_REDIS_URL, startMosquitto, uniquePrefix, waitFor } from '../helpers/servers.js';
import { IngestProcess } from './process.js';
import { deleteKeys, hook, jobIds, writeConfigFile } from './support.js';
import { LockWatch } from '../helpers/lock-watch.js';

function sequence(count: number) {
  let i = 0;
  return () =>
    i < count
      ? { topic: `prd/FlightUpdate/LH/LH${400 + (i % 50)}/2026-11-23`, payload: JSON.stringify({ seq: i++ }) }
      : undefined;
}

async function setup(name: string, ingest: Record<string, unknown> = {}) {
  const broker = await startMosquitto({ persistence: true });
  const prefix = uniquePrefix(name);
  const dir = mkdtempSync(join(tmpdir(), 'flup-crash-'));
  const configFile = writeConfigFile(dir, {
    source: { kind: 'mqtt', mqtt: { url: broker.url, clientId: prefix, topics: ['prd/FlightUpdate/#'] } },
    redis: { url: SHARED_REDIS_URL, prefix },
    ingest,
    webhooks: [hook('all', { topics: ['prd/FlightUpdate/#'] })],
  });
  const processes: IngestProcess[] = [];
  return {
    broker,
    prefix,
    spawn() {
      const p = new IngestProcess(configFile);
      processes.push(p);
      return p;
    },
    stored: async () => (await jobIds(SHARED_REDIS_URL, prefix, 'all')).length,
    unique: async () => new Set(await jobIds(SHARED_REDIS_URL, prefix, 'all')).size,
    async close() {
      for (const p of processes) await p.kill();
      await broker.dispose();
      await deleteKeys(SHARED_REDIS_URL, prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('SIGKILL mid-stream and restart: every message is in Redis once', async () => {
  const s = await setup('kill');
  try {
    const first = s.spawn();
    await first.waitConnected();
    const publishing = new FlightUpdatePublisher({
      target: { url: s.broker.url },
      rate: 800,
      next: sequence(3000),
    }).run();
    await waitFor(async () => (await s.stored()) >= 600, 15_000, 'a first part stored');
    await first.kill('SIGKILL');
    const atKill = await s.stored();
    const second = s.spawn();
    await second.waitConnected();
    assert.equal(await publishing, 3000);
    await waitFor(async () => (await s.unique()) === 3000, 30_000, 'all 3000 stored').catch(
      async (err: Error) => {
        throw new Error(`${err.message} (stored ${await s.unique()}, ${atKill} at the kill)`);
      },
    );
    // Redeliveries come first on the resumed session; a marker published last is stored after them,
    // and a clean stop finishes every write under way: after both, the count is final.
    let markerSent = false;
    await new FlightUpdatePublisher({
      target: { url: s.broker.url },
      rate: 100,
      next: () =>
        markerSent
          ? undefined
          : ((markerSent = true), { topic: 'prd/FlightUpdate/LH/LH999/2026-11-23', payload: '{"marker":1}' }),
    }).run();
    await waitFor(async () => (await s.unique()) === 3001, 30_000, 'the marker stored');
    await second.kill('SIGTERM');
    // A redelivery of a message already stored adds nothing, even one whose write was in flight at
    // the kill: jobs and their dedup record are written in one transaction (batch jobs, the default).
    assert.equal(await s.stored(), 3001, 'no extra jobs: redeliveries were suppressed');
    assert.ok(atKill < 3000);
  } finally {
    await s.close();
  }
});

test('two bridge processes: one holds the connection; kill it and the other takes over when the lock expires', async () => {
  const ttl = 3000;
  const s = await setup('leader', { leaderLockTtl: `${ttl}ms` });
  // The key the ingest uses (leaderLockKey): the test follows the lock itself, not the clock.
  const lock = new LockWatch(SHARED_REDIS_URL, `${s.prefix}:ingest:leader`);
  try {
    const a = s.spawn();
    await a.waitConnected();
    const b = s.spawn();
    await b.waitUntil((status) => status.role === 'standby', 'stand by', 15_000);
    // Three renewals span a TTL; the standby retries at least every ttl/3 meanwhile and never gets in.
    const aOwner = await lock.renewals(3);
    assert.ok(!b.history.some((status) => status.connected), 'the standby does not connect');
    assert.equal(a.status.connected, true);

    const publishing = new FlightUpdatePublisher({
      target: { url: s.broker.url },
      rate: 500,
      next: sequence(2500),
    }).run();
    await waitFor(async () => (await s.stored()) >= 500, 15_000, 'a first part stored');
    await a.kill('SIGKILL');
    assert.equal(await lock.owner(), aOwner, 'a killed holder leaves its lock to expire');
    const bOwner = await lock.takenFrom(aOwner);
    await b.waitConnected();
    assert.equal(b.status.role, 'leader');
    assert.equal(await lock.owner(), bOwner);
    assert.equal(await publishing, 2500);
    await waitFor(async () => (await s.unique()) === 2500, 30_000, 'all 2500 stored');

    // A clean stop releases the lock (deleted, not left to expire): a new standby takes over at once.
    const c = s.spawn();
    await c.waitUntil((status) => status.role === 'standby', 'stand by', 15_000);
    await b.kill('SIGTERM');
    assert.notEqual(await lock.owner(), bOwner, 'released on a clean stop');
    await c.waitConnected();
    assert.notEqual(await lock.owner(), bOwner);
  } finally {
    lock.close();
    await s.close();
  }
});
