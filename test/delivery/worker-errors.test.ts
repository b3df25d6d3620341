/**
 * Issue 18 item 7 at the delivery workers: BullMQ reports each refused command as an 'error' event
 * and asks again at once. WorkerErrorBackoff logs a cause once (then once per interval with a
 * count), counts every error by cause in flup_redis_errors_total, and pauses the worker's fetching
 * after a few in a row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { Worker } from 'bullmq';
import { Metrics } from '../../src/core/metrics.js';
import { WorkerErrorBackoff } from '../../src/delivery/worker-errors.js';
import { captureLogger } from '../helpers/logger.js';
import { gaugeValue } from './support.js';

/** The part of a BullMQ Worker the backoff uses: its events, pause, resume and closing. */
class FakeWorker extends EventEmitter {
  closing: Promise<void> | undefined = undefined;
  paused = 0;
  resumed = 0;
  async pause(): Promise<void> {
    this.paused += 1;
  }
  resume(): void {
    this.resumed += 1;
    this.emit('resumed');
  }
}

const REFUSALS: Array<[string, string]> = [
  ["CROSSSLOT Keys in request don't hash to the same slot", 'crossslot'],
  ['MOVED 3999 127.0.0.1:6381', 'moved'],
  ["READONLY You can't write against a read only replica.", 'readonly'],
  ["ERR unknown command 'evalsha', with args beginning with: ", 'unknown-command'],
];

test('refused commands: one line per cause, every error counted by cause, the worker pauses and resumes', async () => {
  const log = captureLogger({ level: 'debug' });
  const metrics = new Metrics({ defaultMetrics: false });
  let now = 0;
  const pauses: number[] = [];
  const backoff = new WorkerErrorBackoff({
    webhookId: 'ops',
    logger: log.logger,
    metrics,
    clock: { now: () => now },
    pauseMs: (n) => {
      pauses.push(n);
      return 0;
    },
  });
  const worker = new FakeWorker();
  backoff.watch(worker as unknown as Worker);

  // 250 errors of each cause, as BullMQ would emit them within a fraction of a second.
  for (const [message] of REFUSALS) {
    for (let i = 0; i < 250; i++) worker.emit('error', new Error(message));
    now += 10;
  }
  const lines = log.lines.filter((l) => l.includes('delivery worker error'));
  assert.equal(lines.length, REFUSALS.length, lines.join('\n'));
  for (const [, cause] of REFUSALS) {
    assert.ok(
      lines.some((l) => l.includes(`"cause":"${cause}"`)),
      `a line for ${cause}`,
    );
    assert.equal(await gaugeValue(metrics, 'flup_redis_errors_total', { cause }), 250);
  }
  // After a few errors in a row fetching pauses (once while backing off), then resumes.
  assert.equal(worker.paused, 1);
  if (worker.resumed === 0) await once(worker, 'resumed');
  assert.equal(worker.resumed, 1);
  assert.deepEqual(pauses, [0], 'one pause for the streak, its first step');

  // Still failing after the interval: one more line per cause, with the repeats counted.
  now += 60_000;
  worker.emit('error', new Error(REFUSALS[0]![0]));
  const again = log.lines.filter((l) => l.includes('delivery worker error')).slice(REFUSALS.length);
  assert.equal(again.length, 1);
  assert.match(again[0]!, /"repeats":249/);

  // A fetched job ends the streak: the next error does not pause at once.
  worker.emit('active');
  assert.equal(backoff.streak, 0);
  backoff.stop();
});
