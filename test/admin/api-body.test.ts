/**
 * Issue 18 item 1: admin POSTs take only application/json, only the expected object, and a purge
 * or replay of every webhook's dead letters says `"all": true` (the CLI says --all).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminServer } from '../../src/admin/index.js';
import type { AppDeps } from '../../src/app.js';
import { run as dlq } from '../../src/cli/commands/dlq.js';
import { adminConfig, StubDeadLetters, StubWebhooks, testDeps } from './stubs.js';

const TOKEN = 'test-admin-token-0123456789';

describe('admin POST bodies', () => {
  let deps: AppDeps;
  let server: AdminServer;
  const webhooks = new StubWebhooks(['ops', 'crew']);
  const deadLetters = new StubDeadLetters();

  async function post(path: string, body: string | undefined, contentType?: string) {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(`${server.url}/api${path}`, { method: 'POST', headers, body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    deps = testDeps(adminConfig());
    server = new AdminServer({ deps, sources: { webhooks, deadLetters } });
    await server.start();
  });
  after(async () => {
    await server.stop();
    deps.redis.disconnect();
  });
  beforeEach(() => {
    deadLetters.letters.length = 0;
    for (let i = 0; i < 3; i++) {
      deadLetters.add({ id: `ops-${i}`, webhookId: 'ops' });
      deadLetters.add({ id: `crew-${i}`, webhookId: 'crew' });
    }
  });

  it('refuses a text/plain purge (415) and purges nothing', async () => {
    const res = await post('/deadletters/purge', '{"webhookId":"bad"}', 'text/plain');
    assert.equal(res.status, 415);
    assert.match(String(res.json.error), /application\/json/);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      assert.equal((await post('/deadletters/replay', 'webhookId=ops', type)).status, 415, type);
    }
    assert.equal((await post('/webhooks/ops/pause', '{}', 'text/plain')).status, 415);
    assert.equal(deadLetters.letters.length, 6);
    assert.equal(webhooks.webhooks[0]!.state, 'active');
  });

  it('refuses a body that is not the expected object, naming the field', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/deadletters/purge', '"webhookId"', /JSON object/],
      ['/deadletters/purge', '["ops"]', /JSON object/],
      ['/deadletters/purge', '{"webhook":"ops"}', /unknown field "webhook"/],
      ['/deadletters/purge', '{"webhookId":7}', /webhookId must be/],
      ['/deadletters/purge', '{"webhookId":""}', /webhookId must be/],
      ['/deadletters/purge', '{"all":"yes"}', /all must be true or false/],
      ['/deadletters/purge', '{"all":true,"webhookId":"ops"}', /not both/],
      ['/deadletters/replay', '{"id":"ops-1"}', /needs both id and webhookId/],
      ['/deadletters/replay', '{"since":"1h"}', /webhookId is missing.*"all": true/],
      ['/webhooks/ops/pause', '{"force":true}', /unknown field "force"/],
    ];
    for (const [path, body, error] of cases) {
      const res = await post(path, body, 'application/json');
      assert.equal(res.status, 400, `${path} ${body}`);
      assert.match(String(res.json.error), error, `${path} ${body}`);
    }
    assert.equal(deadLetters.letters.length, 6, 'nothing purged or replayed');
  });

  it('purges and replays everything only with "all": true', async () => {
    const none = await post('/deadletters/purge', '{}', 'application/json');
    assert.equal(none.status, 400);
    assert.match(String(none.json.error), /webhookId is missing.*"all": true/);
    assert.equal((await post('/deadletters/purge', undefined)).status, 400, 'no body at all');
    assert.equal(deadLetters.letters.length, 6);

    const scoped = await post('/deadletters/purge', '{"webhookId":"ops"}', 'application/json; charset=utf-8');
    assert.deepEqual(scoped.json, { purged: 3 });
    assert.deepEqual(
      deadLetters.letters.map((l) => l.webhookId),
      ['crew', 'crew', 'crew'],
    );
    assert.deepEqual((await post('/deadletters/replay', '{"all":true}', 'application/json')).json, {
      replayed: 3,
    });
    assert.equal((await post('/webhooks/ops/pause', undefined)).status, 200, 'a body-less action is fine');
    assert.equal((await post('/webhooks/ops/resume', '{}', 'application/json')).status, 200);
  });

  it('the CLI purge and replay of every webhook need --all', async () => {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const run = (argv: string[]) => dlq({ argv, stdout: sink, stderr: sink, env: {} });
    await assert.rejects(run(['purge']), /--webhook W.*--all/);
    await assert.rejects(run(['replay', '--since', '1h']), /--webhook W.*--all/);
    await assert.rejects(run(['purge', '--all', '--webhook', 'ops']), /not both/);
    await assert.rejects(run(['replay', 'id-1']), /needs --webhook W/);
  });
});
