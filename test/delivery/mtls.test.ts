import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { createTestPki } from '../helpers/tls.js';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import { flightEvent, startBridge, startReceiver, testConfig } from './support.js';

test('mTLS: a receiver requiring a client certificate accepts the bridge with one and refuses it without', async (t) => {
  const pki = createTestPki();
  const server = createServer({
    key: pki.serverKey,
    cert: pki.serverCert,
    ca: pki.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const receiver = await startReceiver((_r, res) => res.end('ok'), { server, scheme: 'https' });
  const config = testConfig(uniquePrefix('mtls'), [
    {
      id: 'withcert',
      url: receiver.url,
      tls: { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, caFile: pki.caFile },
    },
    {
      id: 'nocert',
      url: receiver.url,
      tls: { caFile: pki.caFile },
      retry: { attempts: 2, initialDelay: 50 },
    },
  ]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
    pki.dispose();
  });
  const good = await bridge.producer.add('withcert', { event: flightEvent() });
  const bad = await bridge.producer.add('nocert', { event: flightEvent() });
  await waitFor(async () => (await bridge.state('withcert', good)) === 'completed', 10_000, 'mTLS delivery');
  await waitFor(
    async () => (await bridge.state('nocert', bad)) === 'failed',
    10_000,
    'refused without a certificate',
  );
  assert.equal(receiver.requests.length, 1);
  const [letter] = await bridge.deadLetters.list({ webhookId: 'nocert' });
  assert.equal(letter!.reason, 'exhausted');
  assert.equal(letter!.attempts, 2);
  assert.equal(letter!.lastStatus, undefined);
  assert.match(letter!.detail!, /request to https:\/\/127\.0\.0\.1:\d+ failed/);
});
