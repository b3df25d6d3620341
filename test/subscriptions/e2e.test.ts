/**
 * Issue 21 end to end: the bridge against the Lufthansa simulator and real Redis, a webhook with
 * `subscriptions: true` managed through the admin API; the flight timeline through the API and
 * the CLI; replay by flight; subscriptions surviving a restart; expiry by the (injected) clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { App } from '../../src/app.js';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { LufthansaApiSim } from '../../src/sim/index.js';
import { LufthansaBrokerSim } from '../../src/sim/broker.js';
import { FlightBoard } from '../../src/sim/flights.js';
import { WebhookReceiver } from '../../src/sim/receiver.js';
import { createTestPki } from '../helpers/tls.js';
import { freePort, SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';

const SECRET = 'whsec_c3Vicy1lMmUtc2VjcmV0LWZvci10ZXN0cy0xMjM0';
const TOKEN = 'subs-e2e-token';

test('subscriptions, timeline and replay by flight, end to end', async (t) => {
  const pki = createTestPki();
  const api = new LufthansaApiSim({ brokerEndpoint: '127.0.0.1' });
  await api.start();
  const board = new FlightBoard({ apiBase: api.url, count: 12 });
  const today = board.flights().find((f) => f.flightNumber === 'LH400')!.date;
  const broker = new LufthansaBrokerSim({
    verifyLogin: (u, p) => api.verifyBrokerLogin(u, p),
    tls: { key: pki.serverKey, cert: pki.serverCert },
  });
  await broker.start();
  const receiver = new WebhookReceiver({ secrets: [SECRET] });
  await receiver.start();
  const adminPort = await freePort();
  const prefix = uniquePrefix('subs-e2e');
  const dir = mkdtempSync(join(tmpdir(), 'flup-subs-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `
redis: { url: "${SHARED_REDIS_URL}", prefix: ${prefix} }
source:
  kind: lufthansa
  lufthansa:
    apiBase: ${api.url}
    clientKey: demo-key
    clientSecret: demo-secret
    clientId: subs-e2e
    topics: ["prd/FlightUpdate/#"]
    broker: { port: ${broker.port}, tls: true, caFile: ${pki.caFile} }
admin: { listen: "127.0.0.1:${adminPort}", token: ${TOKEN} }
log: { level: silent }
subscriptions: { refresh: 100ms }
webhooks:
  - id: crew
    url: "${receiver.url}/crew"
    secret: "${SECRET}"
    subscriptions: true
    batchSize: 1
    concurrency: 1
    retry: { attempts: 5, initialDelay: 50ms, maxDelay: 200ms }
`,
  );
  const config = loadConfig({ file, env: {} });
  const logger = createLogger({ level: 'silent', format: 'json' });
  const clock = { now: () => Date.now() };
  let app = new App(config, { logger, clock });
  const redis = new Redis(SHARED_REDIS_URL);
  t.after(async () => {
    await app.stop();
    await Promise.all([receiver.stop(), broker.stop(), api.stop()]);
    pki.dispose();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  const base = `http://127.0.0.1:${adminPort}/api`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const refresh = () =>
    (app.parts.find((p) => p.name === 'subscriptions') as unknown as { refresh(): Promise<void> }).refresh();
  /** Publishes an update of a flight; returns the message id (webhook-id) once the timeline has it. */
  const published: string[] = [];
  const publish = async (flight: string, code = 'ASM RPL RRT') => {
    const n = board.update(flight, code);
    await broker.publish(n.topic, n.payload);
    published.push(flight);
  };
  const deliveredFlights = () =>
    receiver.deliveries
      .filter((d) => d.status === 200)
      .map((d) => {
        const f = (d.json as { flight: { carrier: string; flightNumber: string } }).flight;
        return `${f.carrier}${f.flightNumber}`;
      });

  await app.start();
  await waitFor(() => broker.stats.subscriptions > 0, 10_000, 'the bridge to subscribe');

  // Create: 201, the same rule again 200 with the same id; 400 names the field; JSON only.
  const lh400 = await call('POST', '/subscriptions', { webhookId: 'crew', flight: 'LH 0400', date: today });
  assert.equal(lh400.status, 201, JSON.stringify(lh400.json));
  const again = await call('POST', '/subscriptions', { webhookId: 'crew', flight: 'LH400', date: today });
  assert.equal(again.status, 200);
  assert.equal(again.json.id, lh400.json.id);
  const lx = await call(
    'POST',
    '/subscriptions',
    { webhookId: 'crew', carrier: 'LX' },
    { 'idempotency-key': 'k1' },
  );
  assert.equal(lx.status, 201);
  const conflict = await call(
    'POST',
    '/subscriptions',
    { webhookId: 'crew', carrier: 'OS' },
    { 'idempotency-key': 'k1' },
  );
  assert.equal(conflict.status, 409);
  const os = await call('POST', '/subscriptions', {
    webhookId: 'crew',
    carrier: 'OS',
    expiresAt: new Date(clock.now() + 10_000).toISOString(),
  });
  assert.equal(os.status, 201);
  const bad = await call('POST', '/subscriptions', { webhookId: 'crew', flight: 'L4000000' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.error), /^flight: /);
  const unknown = await call('POST', '/subscriptions', { webhookId: 'nope', carrier: 'LH' });
  assert.match(String(unknown.json.error), /^webhookId: /);
  const text = await fetch(`${base}/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
    body: '{"webhookId":"crew","carrier":"LH"}',
  });
  assert.equal(text.status, 415);
  assert.equal((await call('GET', '/openapi.json')).json.openapi, '3.1.0');
  const listed = await call('GET', '/subscriptions?webhookId=crew');
  assert.equal((listed.json.subscriptions as unknown[]).length, 3);
  await refresh();

  // Exactly the subscribed flights: LH400 (today), every LX, OS until it expires; not LH454, SN2901.
  receiver.setResponse(() => 200);
  let failedOnce = false;
  receiver.setResponse((d) => {
    const f = (d.json as { flight: { carrier: string; flightNumber: string } }).flight;
    if (!failedOnce && f.carrier === 'LH') {
      failedOnce = true;
      return 500;
    }
    return 200;
  });
  for (const flight of ['LH454', 'LH400', 'SN2901', 'LX14', 'OS111', 'LX318']) await publish(flight);
  await waitFor(() => deliveredFlights().length >= 4, 20_000, 'four deliveries');
  // (LH400 got a 500 first: it comes back after its retry)
  assert.deepEqual(deliveredFlights().sort(), ['LH400', 'LX14', 'LX318', 'OS111']);

  // The timeline: the LH400 notification with a 500 then a 200, through the API and the CLI.
  const timeline = await call('GET', `/flights/LH400/${today}`);
  const notifications = timeline.json.notifications as Array<{
    id: string;
    deliveries: Array<{
      webhookId: string;
      outcome: string;
      attempts: Array<{ status?: number; outcome: string }>;
    }>;
  }>;
  assert.equal(notifications.length, 1);
  const lhId = notifications[0]!.id;
  assert.deepEqual(
    notifications[0]!.deliveries.map((d) => [
      d.webhookId,
      d.outcome,
      d.attempts.map((a) => [a.status, a.outcome]),
    ]),
    [
      [
        'crew',
        'delivered',
        [
          [500, 'retrying'],
          [200, 'delivered'],
        ],
      ],
    ],
  );
  const message = await call('GET', `/messages/${lhId}`);
  assert.equal(message.json.id, lhId);
  // A flight nobody subscribed to is in the timeline too, without deliveries.
  const lh454 = await call('GET', `/flights/LH454/${today}`);
  assert.equal((lh454.json.notifications as unknown[]).length, 1);
  let out = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) } };
  const code = await main(['flight', 'LH400', '--date', today, '--config', file], io as never);
  assert.equal(code, 0, out);
  assert.match(out, /crew: delivered/);
  assert.match(out, /#1 .*HTTP 500 .*retrying/);
  assert.match(out, /#2 .*HTTP 200 .*delivered/);

  // Replay by flight: the same webhook-id again.
  const before = receiver.deliveries.length;
  const replay = await call('POST', `/flights/LH400/${today}/replay`, { webhookId: 'crew' });
  assert.equal(replay.json.replayed, 1);
  await waitFor(() => receiver.deliveries.length > before, 10_000, 'the replayed delivery');
  assert.equal(receiver.deliveries.at(-1)!.id, lhId);

  // The test endpoint answers from the last hour, without storing the rule.
  const tested = await call('POST', '/subscriptions/test', { webhookId: 'crew', carrier: 'SN' });
  assert.deepEqual(
    (tested.json.matched as Array<{ carrier: string; flightNumber: string }>).map(
      (m) => m.carrier + m.flightNumber,
    ),
    ['SN2901'],
  );

  // DELETE: no more LH400. Expiry: OS stops matching when the clock passes expiresAt, with no call.
  const removed = await call('DELETE', `/subscriptions/${String(lh400.json.id)}`);
  assert.equal(removed.status, 200);
  await refresh();
  // (Moving the App's clock hours ahead also ages the broker login and leader lock: wait instead.)
  await waitFor(() => clock.now() > Date.parse(String(os.json.expiresAt)), 20_000, 'OS expiry');
  const count = deliveredFlights().length;
  for (const flight of ['LH400', 'OS111', 'LX14']) await publish(flight);
  await waitFor(() => deliveredFlights().length > count, 20_000, 'the LX14 delivery');
  assert.deepEqual(deliveredFlights().slice(count), ['LX14']);

  // A restart keeps the subscriptions (LX matches, LH400 still removed).
  await app.stop();
  app = new App(config, { logger, clock });
  await app.start();
  await waitFor(() => broker.stats.subscriptions > 0, 10_000, 'the bridge to subscribe again');
  const afterRestart = await call('GET', '/subscriptions?webhookId=crew');
  assert.deepEqual(
    (afterRestart.json.subscriptions as Array<{ id: string }>).map((s) => s.id),
    [lx.json.id],
  );
  const count2 = deliveredFlights().length;
  for (const flight of ['LH400', 'LX318']) await publish(flight);
  await waitFor(() => deliveredFlights().length > count2, 20_000, 'the LX318 delivery after the restart');
  assert.deepEqual(deliveredFlights().slice(count2), ['LX318']);
});
