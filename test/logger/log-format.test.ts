import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminServer } from '../../src/admin/index.js';
import { createDeps } from '../../src/app.js';
import { createLogger, Metrics } from '../../src/core/index.js';
import { formatLogLine, prettyDestination } from '../../src/core/log-line.js';
import { RetryLog } from '../../src/delivery/index.js';
import { adminConfig } from '../admin/stubs.js';
import { captureLogger } from '../helpers/logger.js';

function stream(isTTY: boolean) {
  const lines: string[] = [];
  return {
    lines,
    out: {
      isTTY,
      write: (chunk: string) => (lines.push(chunk), true),
    } as unknown as NodeJS.WritableStream & {
      isTTY: boolean;
    },
  };
}

test('pretty format: one line per event, an error as its type, message and code', () => {
  const target = stream(false);
  const logger = createLogger({
    format: 'pretty',
    level: 'info',
    destination: prettyDestination(target.out),
  });
  const err = Object.assign(new Error('connect ECONNREFUSED\nsecond line'), { code: 'ECONNREFUSED' });
  logger.child({ module: 'delivery' }).error({ err, webhook: 'ops', headers: { a: 1 } }, 'delivery\nfailed');
  logger.info('plain');
  logger.flush();
  assert.equal(target.lines.length, 2, target.lines.join(''));
  for (const line of target.lines) assert.equal(line.split('\n').length, 2, 'one line, newline-terminated');
  assert.match(
    target.lines[0]!,
    /^\d\d:\d\d:\d\d\.\d{3} ERROR \[delivery\] delivery failed err="Error: connect ECONNREFUSED\\nsecond line \(ECONNREFUSED\)" webhook=ops headers=\{"a":1\}\n$/,
  );
  assert.ok(!target.lines.join('').includes('\x1b['), 'no colour when not a terminal');
  assert.doesNotMatch(target.lines.join(''), /pid=|hostname=/);
});

test('pretty format: colour on a terminal', () => {
  const tty = stream(true);
  const destination = prettyDestination(tty.out);
  destination.write(JSON.stringify({ level: 40, time: Date.now(), msg: 'slow', webhook: 'ops' }) + '\n');
  assert.ok(tty.lines[0]!.includes('\x1b[33mWARN'), JSON.stringify(tty.lines[0]));
  assert.equal(formatLogLine('not json\nat all'), 'not json at all');
});

test('retries are logged at info as one count per webhook per interval', async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  const log = captureLogger({ level: 'info' });
  const retryLog = new RetryLog({ metrics, logger: log.logger, intervalMs: 3_600_000 });
  await retryLog.start();
  for (let i = 0; i < 7; i++) metrics.retries.inc({ webhook: 'ops' });
  metrics.retries.inc({ webhook: 'crew' });
  assert.deepEqual(
    [...(await retryLog.report())],
    [
      ['ops', 7],
      ['crew', 1],
    ],
  );
  const lines = log.records().filter((r) => r.retries !== undefined);
  assert.deepEqual(
    lines.map((r) => [r.level, r.webhook, r.retries, r.msg]),
    [
      [30, 'ops', 7, 'webhook ops: 7 retries in the last 3600 s'],
      [30, 'crew', 1, 'webhook crew: 1 retry in the last 3600 s'],
    ],
  );
  metrics.retries.inc({ webhook: 'ops' });
  await retryLog.stop();
  assert.equal(log.records().filter((r) => r.retries !== undefined).length, 3, 'the last interval on stop');
  assert.equal((await retryLog.report()).size, 0, 'nothing new, nothing logged');
});

test('the admin address is logged once', async () => {
  const log = captureLogger({ level: 'debug' });
  const deps = createDeps(adminConfig({ 'log.level': 'debug' }), { logger: log.logger });
  const server = new AdminServer({ deps, sources: {} });
  await server.start();
  try {
    const mentions = log.lines.filter((line) => line.includes(server.url!));
    assert.equal(mentions.length, 1, mentions.join('\n'));
    assert.match(mentions[0]!, /admin server listening on/);
  } finally {
    await server.stop();
    deps.redis.disconnect();
  }
});
