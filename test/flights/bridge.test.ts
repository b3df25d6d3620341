/**
 * Issue 20 through the whole bridge: the Lufthansa API and broker simulators, real Redis, App
 * (ingest numbers each notification, workers enrich with changes), real receivers.
 * 1. Gate A→B→C and estimate +10 then +25: each change once, sequence 1..n, two webhooks equal.
 * 2. `ordering: flight` with 2 worker processes: X's event 2 fails until the test releases it;
 *    Y flows meanwhile; X arrives 1..5.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { deleteByPrefix } from '../../src/redis/index.js';
import { FlightBoard, LufthansaApiSim, LufthansaBrokerSim, mountFlightStatus } from '../../src/sim/index.js';
import { WebhookReceiver, type ReceivedDelivery } from '../../src/sim/receiver.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const SECRET = 'whsec_ZmxpZ2h0LXN0YXRlLXRlc3Qtc2VjcmV0LTEyMzQ=';
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

interface Bridge {
  board: FlightBoard;
  broker: LufthansaBrokerSim;
  file: string;
  prefix: string;
}

/** Simulators and a config file; `webhooks` is the YAML list (urls filled in by the caller). */
async function setUp(t: TestContext, name: string, webhooks: string, role = 'all'): Promise<Bridge> {
  const api = new LufthansaApiSim({ brokerEndpoint: '127.0.0.1' });
  await api.start();
  // Each notification a second later: the same code twice in one second would be one message
  // (the message key hashes topic + payload, whose Timestamp has seconds).
  let tick = 0;
  const clock = { now: () => Date.now() + 1000 * tick++ };
  const board = new FlightBoard({
    apiBase: api.url,
    count: 3,
    clock,
    date: new Date().toISOString().slice(0, 10),
  });
  mountFlightStatus(api, board);
  const broker = new LufthansaBrokerSim({ verifyLogin: (u, p) => api.verifyBrokerLogin(u, p) });
  await broker.start();
  const prefix = uniquePrefix(name);
  const file = join(mkdtempSync(join(tmpdir(), 'flup-flights-')), 'config.yaml');
  writeFileSync(
    file,
    `
role: ${role}
redis: { url: "${SHARED_REDIS_URL}", prefix: ${prefix} }
source:
  kind: lufthansa
  lufthansa:
    apiBase: ${api.url}
    clientKey: demo-key
    clientSecret: demo-secret
    clientId: ${name}
    topics: ["prd/FlightUpdate/#"]
    broker: { port: ${broker.port}, tls: false }
enrichment: { cacheTtl: 1ms }
admin: { listen: "off" }
log: { level: silent }
webhooks:
${webhooks}
`,
  );
  t.after(async () => {
    await Promise.all([broker.stop(), api.stop()]);
    const redis = new Redis(SHARED_REDIS_URL);
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });
  return { board, broker, file, prefix };
}

async function startApp(t: TestContext, bridge: Bridge): Promise<App> {
  const logger = createLogger({ level: 'silent', format: 'json' });
  const app = new App(loadConfig({ file: bridge.file, env: {} }), { logger });
  t.after(() => app.stop());
  await app.start();
  await waitFor(() => bridge.broker.stats.subscriptions > 0, 30_000, 'the bridge to subscribe');
  return app;
}

const accepted = (r: WebhookReceiver): ReceivedDelivery[] =>
  r.deliveries.filter((d) => d.status < 300 && !d.duplicate);

test('gate A→B→C and estimate +10, +25: each change once, sequence 1..n, two webhooks equal', async (t) => {
  const a = new WebhookReceiver({ secrets: [SECRET] });
  const b = new WebhookReceiver({ secrets: [SECRET] });
  await Promise.all([a.start(), b.start()]);
  t.after(() => Promise.all([a.stop(), b.stop()]));
  const hook = (id: string, url: string) =>
    `  - { id: ${id}, url: "${url}", secret: "${SECRET}", enrich: [flightStatus] }`;
  const bridge = await setUp(t, 'flights-changes', [hook('a', a.url), hook('b', b.url)].join('\n'));
  await startApp(t, bridge);
  const { flightNumber, date } = bridge.board.flights()[0]!;
  const steps: Array<[string, { gate?: string; estimateMinutes?: number }]> = [
    ['Y', { gate: 'A1', estimateMinutes: 0 }],
    ['Y', { gate: 'B2' }],
    ['Y', { gate: 'C3' }],
    ['MVT ED', { estimateMinutes: 10 }],
    ['MVT ED', { estimateMinutes: 25 }],
  ];
  // One at a time: each notification's status is fetched before the board moves on.
  for (const [i, [code, set]] of steps.entries()) {
    const n = bridge.board.setDeparture(flightNumber, date, code, set);
    await bridge.broker.publish(n.topic, n.payload);
    await waitFor(
      () => accepted(a).length === i + 1 && accepted(b).length === i + 1,
      30_000,
      `delivery ${i + 1} at both webhooks`,
    );
  }
  const bodies = (r: WebhookReceiver) => accepted(r).map((d) => d.json as Any);
  const [atA, atB] = [bodies(a), bodies(b)];
  assert.deepEqual(
    atA.map((e) => e.flight.sequence),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    atA.map((e) => e.changes),
    atB.map((e) => e.changes),
    'two webhooks, identical changes',
  );
  const shown = atA.map((e) =>
    (e.changes as Any[]).map(
      (c) => `${c.field} ${c.from ?? '-'}→${c.to}${c.minutes === undefined ? '' : ` ${c.minutes}`}`,
    ),
  );
  assert.equal(atA[0].firstSeen, true);
  assert.deepEqual(shown[0], []);
  assert.deepEqual(shown[1], ['departure.gate A1→B2']);
  assert.deepEqual(shown[2], ['departure.gate B2→C3']);
  // The estimate moves (and with it, past the threshold, the time status): +10, then +15 vs +10.
  const estimates = shown.map((list) => list.filter((c) => c.startsWith('departure.estimatedTimeUtc')));
  assert.match(estimates[3]!.join(), /^departure\.estimatedTimeUtc \S+→\S+ 10$/);
  assert.match(estimates[4]!.join(), /^departure\.estimatedTimeUtc \S+→\S+ 15$/);
  t.diagnostic(`changes: ${JSON.stringify(shown)}`);
  assert.deepEqual(atA[4].derivedEvents, ['flight.delayed'], '+25 min is past the 15 min threshold');
  assert.deepEqual(atA[1].derivedEvents, ['flight.gate-changed']);
  assert.equal(atA[4].flight.departure.gate, 'C3', 'the flat summary');
  assert.ok(Array.isArray(atA[4].flightStatus), 'the raw flightStatus stays');
  assert.equal(a.duplicates + b.duplicates, 0, 'each exactly once');
});

function spawnWorker(t: TestContext, file: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'run', '--config', file, '--role', 'worker'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  t.after(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  return child;
}

test(
  'ordering: flight, 2 worker processes: X waits behind its failing event 2 while Y flows; X arrives 1..5',
  { timeout: 240_000 },
  async (t) => {
    const receiver = new WebhookReceiver({ secrets: [SECRET] });
    await receiver.start();
    t.after(() => receiver.stop());
    const hook = `  - id: ordered
    url: "${receiver.url}"
    secret: "${SECRET}"
    ordering: flight
    retry: { attempts: 1000, initialDelay: 50ms, maxDelay: 300ms }`;
    const bridge = await setUp(t, 'flights-ordering', hook, 'ingest');
    const [x, y] = bridge.board.flights();
    const numberOf = (d: ReceivedDelivery) => (d.json as Any).flight.flightNumber as string;
    const xNumber = x!.flightNumber.slice(2);
    let releaseX = false;
    receiver.setResponse((d) => {
      const event = d.json as Any;
      return event.flight.flightNumber === xNumber && event.flight.sequence === 2 && !releaseX ? 503 : 200;
    });
    await startApp(t, bridge);
    spawnWorker(t, bridge.file);
    spawnWorker(t, bridge.file);
    const redis = new Redis(SHARED_REDIS_URL);
    t.after(() => redis.disconnect());
    // Both workers are up when each has registered on the queue (BullMQ worker list).
    await waitFor(
      async () => {
        const clients = (await redis.client('LIST')) as string;
        return (
          clients.split('\n').filter((l) => l.includes(`flup:delivery:ordered`)).length >= 2 || undefined
        );
      },
      120_000,
      'two worker processes',
    );
    for (let i = 0; i < 5; i++) {
      for (const flight of [x!, y!]) {
        const n = bridge.board.update(flight.flightNumber, 'Y', flight.date);
        await bridge.broker.publish(n.topic, n.payload);
      }
    }
    const ok = () => accepted(receiver);
    const sequencesOf = (flightNumber: string) =>
      ok()
        .filter((d) => numberOf(d) === flightNumber)
        .map((d) => (d.json as Any).flight.sequence as number);
    const yNumber = y!.flightNumber.slice(2);
    await waitFor(() => sequencesOf(yNumber).length === 5, 60_000, "Y's five events");
    assert.deepEqual(sequencesOf(xNumber), [1], 'X holds behind its failing event 2');
    await waitFor(
      () => receiver.deliveries.filter((d) => d.status === 503).length >= 2,
      60_000,
      'X 2 retried',
    );
    assert.deepEqual(sequencesOf(xNumber), [1], 'X still holds');
    releaseX = true;
    await waitFor(() => sequencesOf(xNumber).length === 5, 60_000, "X's five events");
    assert.deepEqual(sequencesOf(xNumber), [1, 2, 3, 4, 5]);
    assert.deepEqual(sequencesOf(yNumber), [1, 2, 3, 4, 5]);
    assert.equal(receiver.duplicates, 0);
  },
);
