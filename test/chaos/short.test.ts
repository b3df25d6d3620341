/**
 * The short fault-injection run for `npm test` and CI: a few thousand messages with the bad-input
 * mix, while the bridge is SIGKILLed and restarted, Redis is SIGKILLed and restarted, and the
 * broker is restarted. Nothing may be lost, every bad payload must be delivered or dead-lettered as
 * configured, and the bridge must never exit on its own. The full suite is `npm run chaos`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { atMoments, type ChaosEnv } from './harness.js';
import { runStream } from './stream.js';

async function faults(env: ChaosEnv, streamMs: number): Promise<void> {
  await atMoments([streamMs * 0.2, streamMs * 0.45, streamMs * 0.7], async (step) => {
    if (step === 0) {
      await env.bridge.kill();
      env.note('SIGKILL bridge');
      await sleep(200);
      env.bridge.start();
      await env.bridge.waitReady(60_000);
    } else if (step === 1) {
      env.note('SIGKILL Redis');
      await env.redis.restart('SIGKILL', 1000);
    } else {
      env.note('SIGTERM mosquitto');
      await env.broker.restart('SIGTERM', 1000);
    }
    env.note('recovered');
  });
}

test(
  'short chaos: bridge kill, Redis kill, broker restart, bad input: nothing lost',
  { timeout: 170_000 },
  async () => {
    const result = await runStream({
      id: 'short',
      title: 'short chaos',
      valid: 3_000,
      bad: 240,
      rate: 250,
      chaos: faults,
      drain: { maxMs: 90_000, quietMs: 15_000 },
    });
    const detail = [...result.failures, ...result.notes].join('\n');
    assert.ok(result.published >= 3_240, `publisher got ${result.published} PUBACKs\n${detail}`);
    assert.equal(result.lost, 0, `lost messages\n${detail}`);
    assert.equal(result.misrouted, 0, `bad input not delivered / dead-lettered as configured\n${detail}`);
    assert.equal(result.crashes, 0, `the bridge exited on its own\n${detail}`);
    assert.equal(result.badSignatures, 0, detail);
    // The 1 MB+ payloads are in the mix; each must be a dead letter that says why.
    assert.ok((result.deadLetterReasons.oversized ?? 0) > 0, `no oversized dead letters\n${detail}`);
    assert.deepEqual(result.failures, []);
  },
);
