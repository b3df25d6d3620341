/**
 * The whole product as a user runs it: `App` with a Lufthansa source against the simulated API
 * and broker (TLS, JWT login), real Redis, real HTTP receivers verifying signatures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { App } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/core/logger.js';
import { LufthansaApiSim } from '../src/sim/index.js';
import { LufthansaBrokerSim } from '../src/sim/broker.js';
import { FlightBoard } from '../src/sim/flights.js';
import { mountFlightStatus } from '../src/sim/flight-status.js';
import { WebhookReceiver } from '../src/sim/receiver.js';
import { createTestPki } from './helpers/tls.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from './helpers/servers.js';
import { FLIGHT_EVENT_TYPES, parseFlightTopic } from '../src/sources/index.js';
import { type EventEnvelope } from '../src/queue/index.js';

const OPS_SECRET = 'whsec_b3BzLXNlY3JldC1mb3ItYXBwLXRlc3QtMTIzNA==';
const CANCEL_SECRET = 'whsec_Y2FuY2VsLXNlY3JldC1mb3ItYXBwLXRlc3QtOTg3';

test('lufthansa source end to end: JWT login over TLS, typed and enriched deliveries, credentials reused after a restart', async (t) => {
  const pki = createTestPki();
  const api = new LufthansaApiSim({ brokerEndpoint: '127.0.0.1' });
  await api.start();
  const board = new FlightBoard({ apiBase: api.url, count: 6 });
  const flightStatus = mountFlightStatus(api, board);
  const broker = new LufthansaBrokerSim({
    verifyLogin: (u, p) => api.verifyBrokerLogin(u, p),
    tls: { key: pki.serverKey, cert: pki.serverCert },
  });
  await broker.start();
  const ops = new WebhookReceiver({ secrets: [OPS_SECRET] });
  const cancellations = new WebhookReceiver({ secrets: [CANCEL_SECRET] });
  await ops.start();
  await cancellations.start();
  const prefix = uniquePrefix('app');
  const dir = mkdtempSync(join(tmpdir(), 'flup-app-'));
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
    clientId: app-test
    topics: ["prd/FlightUpdate/#"]
    broker: { port: ${broker.port}, tls: true, caFile: ${pki.caFile} }
admin: { listen: "off" }
log: { level: silent }
webhooks:
  - { id: ops, url: "${ops.url}/flights", secret: "${OPS_SECRET}", enrich: [flightStatus] }
  - { id: cancellations, url: "${cancellations.url}/cancel", secret: "${CANCEL_SECRET}", events: [flight.cancelled] }
`,
  );
  const config = loadConfig({ file, env: {} });
  const logger = createLogger({
    level: process.env.APP_TEST_LOG === 'info' ? 'info' : 'silent',
    format: 'json',
  });
  let app = new App(config, { logger });
  t.after(async () => {
    await app.stop();
    await Promise.all([ops.stop(), cancellations.stop(), broker.stop(), api.stop()]);
    pki.dispose();
    const redis = new Redis(SHARED_REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  await app.start();
  // Messages published before the first SUBACK would have no subscriber (a new session).
  await waitFor(() => broker.stats.subscriptions > 0, 10_000, 'the bridge to log in and subscribe');

  const published = new Map<string, { topic: string; payload: string }>();
  let sent = 0;
  const publish = async (n: { topic: string; payload: string }) => {
    published.set(`${n.topic}\0${n.payload}`, n);
    sent += 1;
    await broker.publish(n.topic, n.payload);
  };
  // A status requested before a notification arrived cannot serve it (freshness rule), so how many
  // calls a trickle of notifications needs depends on the machine's speed. The API refuses until
  // every notification is in Redis (the bridge PUBACKs only then): one call per flight serves all.
  flightStatus.refuseFor(600_000);
  for (let i = 0; i < 60; i++) await publish(board.randomUpdate());
  const [first] = board.flights();
  await publish(board.update(first!.flightNumber, 'ASM CNL', first!.date));
  await waitFor(() => broker.stats.pubacks >= sent, 20_000, `${sent} PUBACKs (every notification stored)`);
  flightStatus.accept();

  await waitFor(() => ops.uniqueIds === published.size, 20_000, `${published.size} deliveries to ops`);
  const cancelled = [...published.values()].filter((n) => JSON.parse(n.payload).Update.Code === 'ASM CNL');
  await waitFor(() => cancellations.uniqueIds === cancelled.length, 10_000, 'the cancellations');

  assert.equal(ops.rejected + cancellations.rejected, 0, 'every signature verifies');
  for (const delivery of ops.deliveries) {
    const event = delivery.json as EventEnvelope;
    const code = (event.data as { Update: { Code: string } }).Update.Code;
    assert.equal(event.type, FLIGHT_EVENT_TYPES[code], `type of ${code}`);
    // The flight from the topic, plus (enriched webhook) its sequence and the flat status summary.
    const { carrier, flightNumber, date } = event.flight!;
    assert.deepEqual({ carrier, flightNumber, date }, parseFlightTopic(event.topic));
    assert.ok(Number(event.flight!.sequence) >= 1, `sequence on ${event.id}`);
    assert.ok(Array.isArray(event.flightStatus), `flightStatus on ${event.id}: ${event.flightStatusError}`);
    const flight = event.flightStatus[0] as { MarketingCarrier: { AirlineID: string; FlightNumber: string } };
    assert.equal(
      `${flight.MarketingCarrier.AirlineID}${flight.MarketingCarrier.FlightNumber}`.replace(/^(\D+)0+/, '$1'),
      `${event.flight!.carrier}${event.flight!.flightNumber}`,
    );
  }
  assert.ok(cancellations.deliveries.every((d) => d.type === 'flight.cancelled'));
  // Caching: far fewer flight-status calls than notifications. A notification received after a
  // call was made needs a new call (freshness rule), so the bound is every answer a delivery used,
  // not one per flight.
  const resources = new Set([...published.values()].map((n) => JSON.parse(n.payload).Meta.Link[0]['@Href']));
  const answersUsed = new Set<string>();
  for (const delivery of ops.deliveries) {
    const event = delivery.json as EventEnvelope & { flightStatusFetchedAt: string };
    const href = (event.data as { Meta: { Link: { '@Href': string }[] } }).Meta.Link[0]!['@Href'];
    answersUsed.add(`${href} ${event.flightStatusFetchedAt}`);
    assert.ok(
      Date.parse(event.flightStatusFetchedAt) >= Date.parse(event.receivedAt),
      `${event.id}: flight status requested ${event.flightStatusFetchedAt}, before the notification arrived ${event.receivedAt}`,
    );
  }
  assert.ok(
    flightStatus.served >= resources.size,
    `${flightStatus.served} calls served for ${resources.size} flights`,
  );
  assert.ok(
    flightStatus.served <= answersUsed.size && flightStatus.served * 2 < published.size,
    `flight-status calls served: ${flightStatus.served} for ${published.size} notifications, ${answersUsed.size} answers used`,
  );
  assert.equal(api.calls.certificate, 1);

  // A restart keeps the broker login (same clientID, no second Certificate Manager call).
  const clientIds = [...api.issuedClientIds];
  await app.stop();
  app = new App(config, { logger });
  await app.start();
  await waitFor(() => broker.connectedClients === 1, 10_000, 'the restarted bridge to log in');
  await publish(board.randomUpdate());
  await waitFor(() => ops.uniqueIds === published.size, 10_000, 'the delivery after the restart');
  assert.equal(api.calls.certificate, 1);
  assert.deepEqual([...api.issuedClientIds], clientIds);
});
