/** Bridge processes killed with SIGKILL: nothing published is missing from Redis afterwards. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlightUpdatePublisher } from '../../src/sim/publisher.js';
import { SHARED_REDIS_URL, startMosquitto, uniquePrefix, waitFor } from '../helpers/servers.js';
import { IngestProcess } from './process.js';
import { deleteKeys, hook, jobIds, writeConfigFile } from './support.js';

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
    await sleep(500);
    const second = s.spawn();
    await second.waitConnected();
    assert.equal(await publishing, 3000);
    await waitFor(async () => (await s.unique()) === 3000, 30_000, 'all 3000 stored').catch(
      async (err: Error) => {
        throw new Error(`${err.message} (stored ${await s.unique()}, ${atKill} at the kill)`);
      },
    );
    await sleep(500);
    // A redelivery of a message already stored adds nothing, even one whose write was in flight at
    // the kill: jobs and their dedup record are written in one transaction (batch jobs, the default).
    assert.equal(await s.stored(), 3000, 'no extra jobs: redeliveries were suppressed');
    assert.ok(atKill < 3000);
  } finally {
    await s.close();
  }
});

test('two bridge processes: one holds the connection; kill it and the other takes over within the lock TTL', async () => {
  const ttl = 3000;
  const s = await setup('leader', { leaderLockTtl: `${ttl}ms` });
  try {
    const a = s.spawn();
    await a.waitConnected();
    const b = s.spawn();
    await waitFor(() => b.status.role === 'standby', 15_000, 'the second process to stand by');
    await sleep(ttl);
    assert.equal(b.status.connected, false, 'the standby does not connect');
    assert.equal(a.status.connected, true);

    const publishing = new FlightUpdatePublisher({
      target: { url: s.broker.url },
      rate: 500,
      next: sequence(2500),
    }).run();
    await waitFor(async () => (await s.stored()) >= 500, 15_000, 'a first part stored');
    await a.kill('SIGKILL');
    const killedAt = Date.now();
    await b.waitConnected(ttl * 3);
    const takeover = Date.now() - killedAt;
    assert.ok(takeover <= ttl + 1000, `took over after ${takeover} ms (TTL ${ttl} ms)`);
    assert.equal(b.status.role, 'leader');
    assert.equal(await publishing, 2500);
    await waitFor(async () => (await s.unique()) === 2500, 30_000, 'all 2500 stored');

    // A clean stop releases the lock: a new standby takes over at once.
    const c = s.spawn();
    await waitFor(() => c.status.role === 'standby', 15_000, 'a third process to stand by');
    const stoppedAt = Date.now();
    await b.kill('SIGTERM');
    await c.waitConnected(ttl * 3);
    assert.ok(Date.now() - stoppedAt < ttl, 'released on a clean stop');
  } finally {
    await s.close();
  }
});
