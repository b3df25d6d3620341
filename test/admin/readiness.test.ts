import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMqtt } from '../../src/admin/readiness.js';
import type { StatusSources } from '../../src/admin/status.js';
import { StubIngest } from './stubs.js';

function sources(ingest: StubIngest): StatusSources {
  return { ingest } as unknown as StatusSources;
}

test('a leader whose Redis writes fail (failover, outage) is not ready; ready again once they pass', () => {
  const ingest = new StubIngest();
  assert.equal(checkMqtt(sources(ingest)).ok, true);
  ingest.value = { ...ingest.value, paused: true };
  const down = checkMqtt(sources(ingest));
  assert.equal(down.ok, false);
  assert.equal(down.required, true);
  assert.match(String(down.error), /Redis does not take writes/);
  ingest.value = { ...ingest.value, paused: false };
  assert.equal(checkMqtt(sources(ingest)).ok, true);
});
