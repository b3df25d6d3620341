/**
 * Issue 18 item 2 (receiver side): whatever text ends up in an envelope — flightStatusError from
 * any source, an echoed vendor answer — reaches the receiver only after the same secret scrub as a
 * log line, with a signature over the scrubbed bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { SecretRegistry, systemClock } from '../../src/core/index.js';
import { HttpClients } from '../../src/delivery/http.js';
import { buildBody } from '../../src/delivery/request.js';
import { WebhookSender } from '../../src/delivery/sender.js';
import type { EventEnvelope } from '../../src/queue/index.js';
import { WebhookReceiver } from '../../src/sim/receiver.js';
import { captureLogger } from '../helpers/logger.js';

const SIGNING = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CLIENT_SECRET = 'lh-"client"\\secret\t42';

test('an envelope carrying a secret reaches the receiver scrubbed and verifiable', async () => {
  const receiver = new WebhookReceiver({ secrets: [SIGNING] });
  await receiver.start();
  const config = loadConfig({
    env: {},
    overrides: {
      role: 'worker',
      'source.kind': 'mqtt',
      webhooks: [{ id: 'ops', url: `${receiver.url}/hook`, secret: SIGNING }],
    },
  });
  const webhook = config.webhooks[0]!;
  const secrets = new SecretRegistry();
  secrets.add(CLIENT_SECRET);
  const http = new HttpClients([webhook]);
  const sender = new WebhookSender({
    webhook,
    http,
    clock: systemClock,
    secrets,
    userAgent: 'test',
    log: captureLogger().logger,
  });
  const event: EventEnvelope = {
    id: 'msg_1',
    type: 'flight.cancelled',
    topic: 'prd/FlightUpdate/LH/LH400/2026-11-23',
    receivedAt: new Date().toISOString(),
    data: { Update: { Code: 'ASM CNL' } },
    dataEncoding: 'json',
    flightStatusError: `token endpoint answered 500: {"client_secret":${JSON.stringify(CLIENT_SECRET)}}`,
  };
  try {
    const response = await sender.send(event.id, buildBody(webhook, { event }, event));
    assert.equal(response.status, 200);
    assert.equal(receiver.deliveries.length, 1, 'delivered, and the signature verified');
    const got = receiver.deliveries[0]!;
    assert.ok(!got.body.includes(JSON.stringify(CLIENT_SECRET).slice(1, -1)), got.body);
    const error = (got.json as EventEnvelope).flightStatusError!;
    assert.ok(!error.includes(CLIENT_SECRET), error);
    assert.match(error, /\[REDACTED\]/);
  } finally {
    await http.close();
    await receiver.stop();
  }
});
