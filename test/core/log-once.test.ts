/** Issue 18 item 7: a repeating error is logged once per cause, then once per interval with a count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCause, LogOnce } from '../../src/core/index.js';
import { captureLogger } from '../helpers/logger.js';

test('once per distinct cause, then once per interval with the number of repeats', () => {
  let now = 0;
  const log = captureLogger({ level: 'info' });
  const once = new LogOnce({ logger: log.logger, clock: { now: () => now }, intervalMs: 1000 });
  for (let i = 0; i < 1000; i++) once.report('crossslot', {}, 'refused');
  once.report('moved', {}, 'refused');
  assert.equal(log.records().length, 2, 'one line per cause');
  now = 1500;
  for (let i = 0; i < 10; i++) once.report('crossslot', {}, 'refused');
  const records = log.records();
  assert.equal(records.length, 3);
  assert.equal(records[2]!.repeats, 999, 'the repeats since the last line are counted');
  assert.equal(records[2]!.cause, 'crossslot');
  once.clear('crossslot');
  once.report('crossslot', {}, 'refused');
  assert.equal(log.records().length, 4, 'a cleared cause is logged again at once');
});

test('errorCause names Redis refusals and system errors, never free text', () => {
  const cases: Array<[unknown, string]> = [
    [new Error("OOM command not allowed when used memory > 'maxmemory'."), 'oom'],
    [new Error("CROSSSLOT Keys in request don't hash to the same slot"), 'crossslot'],
    [new Error('MOVED 1234 127.0.0.1:7001'), 'moved'],
    [new Error("READONLY You can't write against a read only replica."), 'readonly'],
    [new Error('NOSCRIPT No matching script.'), 'noscript'],
    [new Error("ERR unknown command 'set', with args beginning with: "), 'unknown-command'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'econnrefused'],
    [new Error('something odd happened'), 'other'],
  ];
  for (const [err, cause] of cases) assert.equal(errorCause(err), cause, String(err));
});
