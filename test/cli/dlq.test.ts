/**
 * `dlq` against Redis: without webhooks it says so and fails; a replay of many prints progress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { run as dlq, PROGRESS_EVERY } from '../../src/cli/commands/dlq.js';
import { openWebhookQueue } from '../../src/queue/index.js';
import { deleteByPrefix } from '../../src/redis/index.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'flup-dlq-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const cli = runCli;

function sink() {
  let text = '';
  return {
    stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream,
    text: () => text,
  };
}

test('dlq list without a config says there are no webhooks to look at and exits non-zero', () => {
  const none = cli(['dlq', 'list']);
  assert.equal(none.code, 2, none.stderr);
  assert.equal(none.stdout, '');
  assert.match(
    none.stderr,
    /no webhooks to look at: give the bridge config with --config FILE or FLUP_CONFIG/,
  );
  const file = join(dir, 'empty.yaml');
  writeFileSync(file, 'source: { kind: mqtt }\n');
  const empty = cli(['dlq', 'list', '--config', file]);
  assert.equal(empty.code, 78, empty.stderr);
  assert.match(empty.stderr, /no webhooks to look at: .*empty\.yaml configures none/);
  assert.doesNotMatch(empty.stdout, /no dead letters/);
});

test('dlq replay of many prints progress as it goes', async () => {
  const prefix = uniquePrefix('dlqcli');
  const total = PROGRESS_EVERY * 2 + 50;
  const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
  const file = join(dir, 'hooks.yaml');
  writeFileSync(
    file,
    `source: { kind: mqtt }\nredis: { url: "${SHARED_REDIS_URL}", prefix: ${prefix} }\nwebhooks:\n  - id: many\n    url: http://127.0.0.1:9/x\n    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n`,
  );
  let queue: Queue | undefined;
  try {
    queue = openWebhookQueue(redis, prefix, 'many');
    await queue.addBulk(
      Array.from({ length: total }, (_, i) => ({
        name: 'deliver',
        data: {
          event: { id: `m${i}`, type: 'flight.cancelled', topic: 't', receivedAt: new Date().toISOString() },
        },
        opts: { jobId: `m${i}`, attempts: 1 },
      })),
    );
    // Fail them all with a worker on the same queue: they become dead letters.
    const workerConnection = redis.duplicate();
    const worker = new Worker(
      queue.name,
      async () => {
        throw new Error('refused');
      },
      { connection: workerConnection, prefix: queue.opts.prefix, concurrency: 50 },
    );
    await waitFor(async () => (await queue!.getFailedCount()) === total, 120_000, 'all jobs failed');
    await worker.close();
    workerConnection.disconnect();

    const out = sink();
    const err = sink();
    const code = await dlq({
      argv: ['replay', '--webhook', 'many', '--config', file],
      stdout: out.stream,
      stderr: err.stream,
      env: {},
    });
    assert.equal(code, 0, err.text());
    assert.equal(out.text(), `replayed ${total} dead letters\n`);
    assert.deepEqual(err.text().trim().split('\n'), [
      `replaying: ${PROGRESS_EVERY}/${total}`,
      `replaying: ${PROGRESS_EVERY * 2}/${total}`,
      `replaying: ${total}/${total}`,
    ]);
  } finally {
    await queue?.close();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
});
