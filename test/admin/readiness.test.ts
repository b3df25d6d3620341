/**
 * Issue 18 items 6 and 9: /readyz of the ingest. A standby is ready only behind a live leader's lock;
 * a leader whose writes Redis refuses longer than the grace is not ready; lost sessions are shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMqtt } from '../../src/admin/readiness.js';
import type { IngestStatus } from '../../src/admin/index.js';
import { StubIngest } from './stubs.js';

function check(value: Partial<IngestStatus>) {
  const ingest = new StubIngest();
  ingest.value = { ...ingest.value, ...value };
  return checkMqtt({ ingest } as never);
}

test('a standby is ready only while a live leader holds the lock', () => {
  const standby = { role: 'standby', connected: false } as const;
  assert.equal(check({ ...standby, lock: { holder: 'other', ttlMs: 10_000, ageMs: 100 } }).ok, true);
  const failing = check({ ...standby, lock: { ageMs: 100, error: 'MOVED 1234 127.0.0.1:7001' } });
  assert.equal(failing.ok, false);
  assert.match(String(failing.error), /MOVED/);
  assert.equal(check({ ...standby, lock: { ageMs: 100 } }).ok, false, 'nobody holds the lock');
  assert.equal(
    check({ ...standby, lock: { holder: 'other', ttlMs: 1000, ageMs: 5000 } }).ok,
    false,
    'expired since',
  );
  assert.equal(check({ ...standby }).ok, false, 'no lock reading yet');
});

test('a leader paused by refused writes is ready until the grace has passed', () => {
  const pausedSince = new Date().toISOString();
  assert.equal(check({ paused: true, pausedSince, writesFailing: false }).ok, true);
  const failing = check({ paused: true, pausedSince, writesFailing: true });
  assert.equal(failing.ok, false);
  assert.match(String(failing.error), /Redis refuses ingest writes/);
});

test('lost broker sessions are in the detail', () => {
  const result = check({ sessionsLost: 2, lastSessionLostAt: '2026-01-01T00:00:00.000Z' });
  assert.equal(result.ok, true);
  assert.equal(result.sessionsLost, 2);
});

import type { StatusSources } from '../../src/admin/status.js';

function sources(ingest: StubIngest): StatusSources {
  return { ingest } as unknown as StatusSources;
}

test('a leader whose Redis writes fail (failover, outage) is not ready; ready again once they pass', () => {
  const ingest = new StubIngest();
  assert.equal(checkMqtt(sources(ingest)).ok, true);
  ingest.value = { ...ingest.value, paused: true, writesFailing: true };
  const down = checkMqtt(sources(ingest));
  assert.equal(down.ok, false);
  assert.equal(down.required, true);
  assert.match(String(down.error), /Redis refuses ingest writes/);
  ingest.value = { ...ingest.value, paused: false, writesFailing: false };
  assert.equal(checkMqtt(sources(ingest)).ok, true);
});
