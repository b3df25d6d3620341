/**
 * The Lufthansa source end to end against the simulators: the API simulator issues the broker
 * credentials, the aedes broker simulator (TLS, subscribe-only) checks them; real Redis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDeps, type AppDeps } from '../../src/app.js';
import { Metrics } from '../../src/core/metrics.js';
import type { Config } from '../../src/config/index.js';
import { createIngest, MqttIngest } from '../../src/ingest/index.js';
import { LufthansaBrokerSim } from '../../src/sim/broker.js';
import { LufthansaApiSim } from '../../src/sim/lufthansa-api.js';
import { FlightBoard } from '../../src/sim/flights.js';
import { FlightUpdatePublisher } from '../../src/sim/publisher.js';
import { captureLogger, type CapturedLogger } from '../helpers/logger.js';
import { createTestPki, type TestPki } from '../helpers/tls.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { configFrom, deleteKeys, hook, jobIds } from './support.js';
import { QueueJobWriter } from '../../src/queue/index.js';
import {
  createAuth,
  type BrokerCredentials,
  type CredentialSource,
  type RenewReason,
} from '../../src/sources/index.js';

interface Sims {
  api: LufthansaApiSim;
  broker: LufthansaBrokerSim;
  pki: TestPki;
  close(): Promise<void>;
}

async function startSims(options: { grantQos0?: boolean } = {}): Promise<Sims> {
  const pki = createTestPki();
  const api = new LufthansaApiSim({ brokerEndpoint: 'localhost' });
  await api.start();
  const broker = new LufthansaBrokerSim({
    verifyLogin: (u, p) => api.verifyBrokerLogin(u, p),
    tls: { key: pki.serverKey, cert: pki.serverCert },
    grantQos0: options.grantQos0,
  });
  await broker.start();
  return {
    api,
    broker,
    pki,
    async close() {
      await broker.stop();
      await api.stop();
      pki.dispose();
    },
  };
}

function lufthansaConfig(sims: Sims, prefix: string, topics = ['prd/FlightUpdate/#']): Config {
  return configFrom({
    source: {
      kind: 'lufthansa',
      lufthansa: {
        apiBase: sims.api.url,
        clientKey: 'demo-key',
        clientSecret: 'demo-secret',
        clientId: 'flup-test',
        topics,
        broker: { host: '', port: sims.broker.port, tls: true, caFile: sims.pki.caFile },
      },
    },
    redis: { prefix },
    ingest: { reconnectMaxDelay: '5s' },
    webhooks: [
      hook('all', { topics: ['prd/FlightUpdate/#'] }),
      hook('cancelled', { events: ['flight.cancelled'] }),
    ],
  });
}

interface Bridge {
  deps: AppDeps;
  log: CapturedLogger;
  start(credentials?: CredentialSource): Promise<ReturnType<typeof createIngest>>;
  close(): Promise<void>;
}

function bridge(config: Config): Bridge {
  const log = captureLogger({ level: 'debug' });
  const deps = createDeps(config, { logger: log.logger, metrics: new Metrics({ defaultMetrics: false }) });
  const auth = createAuth(deps);
  const sink = new QueueJobWriter({ config, redis: deps.redis, logger: deps.logger });
  let ingest: ReturnType<typeof createIngest> | undefined;
  return {
    deps,
    log,
    credentials: auth.credentials,
    async start(credentials: CredentialSource = auth.credentials) {
      await ingest?.stop();
      ingest = createIngest(deps, { credentials, sink });
      await ingest.start();
      return ingest;
    },
    async close() {
      await ingest?.stop();
      await sink.close();
      deps.redis.disconnect();
      await deleteKeys(SHARED_REDIS_URL, config.redis.prefix);
    },
  } as Bridge & { credentials: CredentialSource };
}

const value = async (metric: {
  get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }>;
}) => (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);

test('notifications arrive as jobs; credentials fetched once and reused; PUBACK after the jobs are stored', async () => {
  const sims = await startSims();
  const prefix = uniquePrefix('lh');
  const config = lufthansaConfig(sims, prefix, ['prd/FlightUpdate/#', 'forbidden/#']);
  const b = bridge(config);
  try {
    const ingest = await b.start();
    await waitFor(
      () => ingest.status().grantedQos['prd/FlightUpdate/#'] === 1,
      15_000,
      'subscribed with QoS 1',
    );
    assert.equal(sims.api.calls.certificate, 1);
    assert.equal(ingest.status().grantedQos['forbidden/#'], 0x80);
    assert.ok(
      b.log.records().some((r) => r.level === 50 && String(r.msg).includes('"forbidden/#"')),
      'a refused subscription is an error naming the topic',
    );

    const board = new FlightBoard({ apiBase: sims.api.url });
    const sent = new Set<string>();
    let cancellations = 0;
    const next = () => {
      const n = board.randomUpdate();
      sent.add(`${n.topic}\n${n.payload}`);
      return n;
    };
    await new FlightUpdatePublisher({ target: sims.broker, count: 150, next }).run();
    const cnl = board.update('LH400', 'ASM CNL');
    sent.add(`${cnl.topic}\n${cnl.payload}`);
    await sims.broker.publish(cnl.topic, cnl.payload);
    cancellations += 1;

    await waitFor(async () => (await value(b.deps.metrics.messagesAcked)) === 151, 15_000, 'all acked');
    await waitFor(() => sims.broker.stats.pubacks === 151, 5000, 'the broker to see a PUBACK for each');
    assert.equal((await jobIds(SHARED_REDIS_URL, prefix, 'all')).length, sent.size);
    assert.ok((await jobIds(SHARED_REDIS_URL, prefix, 'cancelled')).length >= cancellations);
    assert.equal(ingest.status().connected, true);
    assert.equal(ingest.status().role, 'leader');

    // A restart reuses the stored credentials and the broker session.
    await b.start();
    await waitFor(
      () =>
        b.log.records().filter((r) => String(r.msg).startsWith('connected to the MQTT broker')).length === 2,
      15_000,
      'reconnected',
    );
    assert.equal(sims.api.calls.certificate, 1, 'no second Certificate Manager call');
    const second = b.log
      .records()
      .filter((r) => String(r.msg).startsWith('connected to the MQTT broker'))[1]!;
    assert.equal(second.sessionPresent, true);
    assert.ok(!JSON.stringify(b.log.lines).includes('eyJ'), 'no JWT in the logs');
  } finally {
    await b.close();
    await sims.close();
  }
});

/** The real credentials, with the password spoiled until renew() (or always). */
class SpoiledCredentials implements CredentialSource {
  renewals = 0;
  constructor(
    private readonly inner: CredentialSource,
    private readonly always: boolean,
  ) {}
  async get(): Promise<BrokerCredentials> {
    const c = await this.inner.get();
    return this.renewals > 0 && !this.always ? c : { ...c, password: `${c.password}x` };
  }
  async renew(reason: RenewReason): Promise<BrokerCredentials> {
    assert.equal(reason, 'refused');
    this.renewals += 1;
    await this.inner.renew(reason);
    return this.get();
  }
}

test('a wrong password is refused (CONNACK 4) and leads to one renewal, then the login works', async () => {
  const sims = await startSims();
  const prefix = uniquePrefix('lh');
  const b = bridge(lufthansaConfig(sims, prefix)) as Bridge & { credentials: CredentialSource };
  try {
    const spoiled = new SpoiledCredentials(b.credentials, false);
    const ingest = await b.start(spoiled);
    await waitFor(() => ingest.status().connected, 15_000, 'connected after the renewal');
    assert.equal(spoiled.renewals, 1);
    assert.equal(sims.broker.stats.refused, 1);
    assert.ok(b.log.records().some((r) => r.level === 50 && String(r.msg).includes('CONNACK 4')));
  } finally {
    await b.close();
    await sims.close();
  }
});

test('a password the broker always refuses: one renewal, then backoff, never a tight loop', async () => {
  const sims = await startSims();
  const prefix = uniquePrefix('lh');
  const b = bridge(lufthansaConfig(sims, prefix)) as Bridge & { credentials: CredentialSource };
  try {
    const spoiled = new SpoiledCredentials(b.credentials, true);
    const ingest = await b.start(spoiled);
    await waitFor(() => sims.broker.stats.refused >= 3, 15_000, 'refused three times');
    assert.equal(spoiled.renewals, 1);
    // Never a tight loop: every login after the first waited out a backoff delay first.
    const delays = b.log
      .records()
      .filter((r) => r.msg === 'reconnecting after a delay')
      .map((r) => r.delay as number);
    const refused = sims.broker.stats.refused;
    assert.ok(delays.length >= refused - 1, `${refused} refusals, ${delays.length} backoff delays`);
    assert.ok(
      delays.every((d) => d >= 100),
      `backoff delays ${delays.join(', ')} ms`,
    );
    assert.equal(ingest.status().connected, false);
  } finally {
    await b.close();
    await sims.close();
  }
});

test('a broker that grants QoS 0: a warning naming the topic, a metric, and delivery still works', async () => {
  const sims = await startSims({ grantQos0: true });
  const prefix = uniquePrefix('lh');
  const b = bridge(lufthansaConfig(sims, prefix));
  try {
    const ingest = await b.start();
    await waitFor(() => ingest.status().grantedQos['prd/FlightUpdate/#'] === 0, 15_000, 'subscribed');
    const warnings = b.log
      .records()
      .filter((r) => r.level === 40 && String(r.msg).includes('granted QoS 0 for "prd/FlightUpdate/#"'));
    assert.equal(warnings.length, 1);
    const downgrades = (await b.deps.metrics.mqttQosDowngrades.get()).values;
    assert.deepEqual(
      downgrades.map((v) => [v.labels.topic, v.value]),
      [['prd/FlightUpdate/#', 1]],
    );
    const granted = (await b.deps.metrics.mqttGrantedQos.get()).values;
    assert.deepEqual(
      granted.map((v) => [v.labels.topic, v.value]),
      [['prd/FlightUpdate/#', 0]],
    );

    await new FlightUpdatePublisher({ target: sims.broker, count: 20, apiBase: sims.api.url }).run();
    await waitFor(async () => (await value(b.deps.metrics.messagesRouted)) === 20, 10_000, 'all routed');
    await waitFor(
      async () => (await jobIds(SHARED_REDIS_URL, prefix, 'all')).length > 0,
      10_000,
      'jobs stored',
    );
    assert.equal(await value(b.deps.metrics.messagesAcked), 0, 'QoS 0 messages have no PUBACK');
  } finally {
    await b.close();
    await sims.close();
  }
});

test('a renewed broker login is switched to make-before-break: the new session subscribes before the old closes, nothing is missed', async () => {
  const sims = await startSims();
  const prefix = uniquePrefix('lh-handover');
  const config = lufthansaConfig(sims, prefix);
  const log = captureLogger({ level: 'debug' });
  const deps = createDeps(config, { logger: log.logger, metrics: new Metrics({ defaultMetrics: false }) });
  const auth = createAuth(deps);
  const sink = new QueueJobWriter({ config, redis: deps.redis, logger: deps.logger });
  const ingest = new MqttIngest(deps, { credentials: auth.credentials, sink, credentialCheckInterval: 100 });
  try {
    await ingest.start();
    await waitFor(() => ingest.status().grantedQos['prd/FlightUpdate/#'] === 1, 15_000, 'subscribed');
    const first = (await auth.credentials.get()).clientId;

    // A steady stream; the login is renewed in the middle of it.
    const publisher = new FlightUpdatePublisher({ target: sims.broker, count: 400, rate: 200 });
    const streaming = publisher.run();
    await waitFor(() => publisher.published >= 150, 10_000, '150 published');
    const renewed = await auth.credentials.renew('manual');
    assert.notEqual(renewed.clientId, first);
    await streaming;

    await waitFor(
      async () => (await jobIds(SHARED_REDIS_URL, prefix, 'all')).length === 400,
      20_000,
      'every message stored, before, during and after the switch',
    );
    await waitFor(() => sims.broker.connectedClients === 1, 15_000, 'the old session to be closed');
    assert.equal(sims.broker.stats.connections, 2, 'one login with each clientID');
    assert.ok(
      log
        .records()
        .some(
          (r) => r.msg === 'now receiving on the renewed broker login' && r.clientId === renewed.clientId,
        ),
    );
    assert.equal(ingest.status().connected, true);
  } finally {
    await ingest.stop();
    await sink.close();
    deps.redis.disconnect();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    await sims.close();
  }
});
