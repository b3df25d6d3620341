/**
 * Issue 18 item 2 (API and dashboard side): texts the admin API answers with (credential errors,
 * readiness errors, dead-letter details) pass the same secret scrub as log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminServer, type StatusSources } from '../../src/admin/index.js';
import { adminConfig, StubDeadLetters, StubWebhooks, testDeps } from './stubs.js';

const TOKEN = 'test-admin-token-0123456789';
const SECRET = 'lh-client-"secret"\\x';

test('admin API answers carry no secret, in any JSON-encoded form', async () => {
  const deps = testDeps(adminConfig());
  deps.secrets.add(SECRET);
  const deadLetters = new StubDeadLetters();
  deadLetters.add({ id: 'm1', webhookId: 'ops', detail: `token endpoint said client_secret=${SECRET}` });
  const credentials = {
    status: () => ({ clientId: 'c1', endpoint: 'mqtt://127.0.0.1', lastError: `rejected: ${SECRET}` }),
  } as unknown as StatusSources['credentials'];
  const server = new AdminServer({
    deps,
    sources: { webhooks: new StubWebhooks(['ops']), deadLetters, credentials },
  });
  await server.start();
  try {
    for (const path of ['/api/status', '/api/deadletters']) {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.ok(!text.includes(JSON.stringify(SECRET).slice(1, -1)), `${path}: ${text}`);
      assert.ok(!JSON.stringify(JSON.parse(text)).includes('secret"'), `${path}: ${text}`);
      assert.match(text, /\[REDACTED\]/);
    }
  } finally {
    await server.stop();
    deps.redis.disconnect();
  }
});
