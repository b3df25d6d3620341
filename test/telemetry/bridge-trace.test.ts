/**
 * Issue 22, "Done when": one message through the real bridge (mosquitto → ingest → Redis →
 * delivery) to a webhook that fails once then succeeds makes ONE trace holding the ingest span and
 * both attempt spans, and each request's traceparent names its attempt span. With tracing off
 * no request carries a traceparent. And v1a: a mixed whsec_ + whsk_ list through real delivery,
 * verified by libraries this project did not write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { Webhook } from 'standardwebhooks';
import { generateSigningKeyPair } from '../../src/signing-keys/index.js';
import { waitFor } from '../helpers/servers.js';
import { OtlpReceiver } from './otlp-receiver.js';
import { startBridge, webhookReceiver } from './bridge.js';

const SPAN = { ingest: 'flight-update receive', write: 'redis write', attempt: 'webhook deliver' };
const hmacSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const notification = { FlightUpdate: { Update: { Code: 'ASM DEP' }, Flight: 'LH400' } };

test('one trace from MQTT receipt through both delivery attempts; traceparent names each attempt span', async (t) => {
  const otlp = await OtlpReceiver.start();
  const hook = await webhookReceiver([503, 204]);
  t.after(() => Promise.all([otlp.close(), hook.close()]));
  const bridge = await startBridge({
    webhookUrl: hook.url,
    secret: hmacSecret(),
    telemetry: { enabled: true, endpoint: otlp.endpoint, serviceName: 'sig2-test' },
  });
  try {
    await bridge.publish(notification);
    await waitFor(() => hook.requests.length >= 2, 60_000, 'the failed and the successful request');
  } finally {
    // Stopping flushes the spans still buffered.
    await bridge.stop();
  }

  const attempts = otlp.spans.filter((s) => s.name === SPAN.attempt);
  const ingest = otlp.spans.filter((s) => s.name === SPAN.ingest);
  assert.equal(ingest.length, 1, 'one ingest span');
  assert.equal(attempts.length, 2, 'two attempt spans');
  const root = ingest[0]!;
  assert.equal(root.parentSpanId, '', 'the ingest span is the root');
  assert.equal(root.serviceName, 'sig2-test');
  assert.equal(root.attributes['flup.outcome'], 'routed');
  assert.equal(root.attributes['flup.event.type'], 'mqtt.message');
  const write = otlp.spans.find((s) => s.name === SPAN.write);
  assert.ok(write, 'a Redis write span');
  for (const span of [write, ...attempts]) {
    assert.equal(span.traceId, root.traceId, `${span.name} is in the message's trace`);
    assert.equal(span.parentSpanId, root.spanId, `${span.name} is a child of the ingest span`);
  }

  attempts.sort(
    (a, b) => Number(a.attributes['flup.delivery.attempt']) - Number(b.attributes['flup.delivery.attempt']),
  );
  const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
  assert.deepEqual(
    [
      first.attributes['flup.delivery.attempt'],
      first.attributes['flup.outcome'],
      first.attributes['http.response.status_code'],
    ],
    [1, 'retry', 503],
  );
  assert.equal(first.statusCode, 2, 'the failed attempt is an error span');
  assert.deepEqual(
    [
      second.attributes['flup.delivery.attempt'],
      second.attributes['flup.outcome'],
      second.attributes['http.response.status_code'],
    ],
    [2, 'delivered', 204],
  );
  for (const span of attempts) {
    assert.equal(span.attributes['flup.webhook.id'], 'hook');
    assert.equal(span.attributes['flup.message.id'], root.attributes['flup.message.id']);
  }
  // Each request names its own attempt's span, in order.
  assert.deepEqual(
    hook.requests.map((r) => r.headers.traceparent),
    [first, second].map((s) => `00-${s.traceId}-${s.spanId}-01`),
  );
});

test('tracing off (the default): no traceparent header, nothing exported', async (t) => {
  const otlp = await OtlpReceiver.start();
  const hook = await webhookReceiver([204]);
  t.after(() => Promise.all([otlp.close(), hook.close()]));
  // The endpoint is set but nothing switches tracing on.
  const bridge = await startBridge({
    webhookUrl: hook.url,
    secret: hmacSecret(),
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint },
  });
  try {
    assert.equal(bridge.app.deps.telemetry?.enabled, false);
    await bridge.publish(notification);
    await waitFor(() => hook.requests.length >= 1, 60_000, 'the request');
  } finally {
    await bridge.stop();
  }
  assert.equal(hook.requests[0]!.headers.traceparent, undefined);
  assert.equal(otlp.spans.length, 0);
});

test('v1a: a mixed whsec_ + whsk_ list through real delivery verifies with node:crypto, @noble/ed25519 and standardwebhooks', async (t) => {
  const hook = await webhookReceiver([204]);
  t.after(() => hook.close());
  const pair = generateSigningKeyPair();
  const hmac = hmacSecret();
  const bridge = await startBridge({ webhookUrl: hook.url, secret: [hmac, pair.secretKey] });
  try {
    await bridge.publish(notification);
    await waitFor(() => hook.requests.length >= 1, 60_000, 'the request');
  } finally {
    await bridge.stop();
  }
  const { headers, body } = hook.requests[0]!;
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const signatures = String(headers['webhook-signature']).split(' ');
  assert.deepEqual(
    signatures.map((s) => s.split(',')[0]),
    ['v1', 'v1a'],
    'one signature of each scheme',
  );
  const signed = Buffer.from(`${id}.${timestamp}.${body}`);
  const v1a = Buffer.from(signatures[1]!.slice(4), 'base64');
  const rawPublic = Buffer.from(pair.publicKey.slice('whpk_'.length), 'base64');

  // node:crypto on the whpk_ key (the README snippet: raw 32 bytes wrapped as a JWK).
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: rawPublic.toString('base64url') },
    format: 'jwk',
  });
  assert.equal(verify(null, signed, publicKey, v1a), true);
  assert.equal(verify(null, Buffer.from(`${id}.${timestamp}.${body} `), publicKey, v1a), false);
  // @noble/ed25519.
  assert.equal(await ed.verifyAsync(v1a, signed, rawPublic), true);
  // The standardwebhooks library verifies the v1 part of the same header (it skips v1a).
  assert.doesNotThrow(() => new Webhook(hmac).verify(body, headers as Record<string, string>));
  assert.throws(() => new Webhook(hmacSecret()).verify(body, headers as Record<string, string>));
});
