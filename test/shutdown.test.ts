/**
 * Graceful shutdown as an operator sees it: SIGTERM to `flup-bridge run` in the middle of a
 * stream exits 0 within the deadline, and after a restart every message published is delivered;
 * a normal SIGTERM says so in the log (graceful: true, issue 18 item 10).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { Redis } from 'ioredis';
import { WebhookReceiver } from '../src/sim/receiver.js';
import { deleteByPrefix } from '../src/redis/connection.js';
import { SHARED_REDIS_URL, freePort, startMosquitto, uniquePrefix, waitFor } from './helpers/servers.js';
import { waitWhileProgressing } from './helpers/progress.js';

const SECRET = 'whsec_c2h1dGRvd24tdGVzdC1zZWNyZXQtMTIzNDU2Nzg=';

function startBridge(configFile: string) {
  // Through the test launcher: it prints a line per dependency loaded, the bridge's progress.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/launch.ts', 'src/cli/main.ts', 'run', '--config', configFile],
    // The config file sets the log level: the test runner's FLUP_LOG_LEVEL=silent would win over it.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLUP_LOG_LEVEL: undefined } },
  );
  let stderr = '';
  let stdout = '';
  let output = 0;
  child.stdout!.on('data', (d: Buffer) => {
    output += d.length;
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      hasExited = true;
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    output: () => output,
    hasExited: () => hasExited,
    /** The bridge's JSON log lines (the launcher's progress lines are JSON too). */
    records: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * Waits for /readyz. The guard is on silence, not on the total: while the bridge keeps printing
 * progress (dependencies loaded) the wait goes on; 30 s without progress, or an exit, fails.
 */
async function waitReady(bridge: ReturnType<typeof startBridge>, port: number): Promise<void> {
  await waitWhileProgressing(
    async () => {
      if (bridge.hasExited()) throw new Error(`the bridge exited: ${bridge.stderr().slice(-500)}`);
      return ready(port);
    },
    bridge.output,
    30_000,
    'the bridge to be ready',
  );
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

interface Fixture {
  broker: Awaited<ReturnType<typeof startMosquitto>>;
  receiver: WebhookReceiver;
  /** The running bridge (replaced by restart()). */
  bridge: ReturnType<typeof startBridge>;
  restart(): Promise<void>;
}

/**
 * A mosquitto, a receiver and `flup-bridge run` on them (generic MQTT source, one webhook), ready;
 * everything is ended when the test ends. settings: more top-level config lines.
 */
async function startFixture(
  t: TestContext,
  name: string,
  options: { persistence?: boolean; settings: string },
): Promise<Fixture> {
  const broker = await startMosquitto({ persistence: options.persistence ?? false });
  const receiver = new WebhookReceiver({ secrets: [SECRET] });
  await receiver.start();
  const prefix = uniquePrefix(name);
  const adminPort = await freePort();
  const configFile = join(mkdtempSync(join(tmpdir(), `flup-${name}-`)), 'config.yaml');
  writeFileSync(
    configFile,
    `
source: { kind: mqtt, mqtt: { url: "${broker.url}", clientId: ${name}-test, topics: ["prd/FlightUpdate/#"] } }
redis: { url: "${SHARED_REDIS_URL}", prefix: ${prefix} }
admin: { listen: "127.0.0.1:${adminPort}" }
${options.settings}
webhooks:
  - { id: ops, url: "${receiver.url}/hook", secret: "${SECRET}" }
`,
  );
  const fx: Fixture = {
    broker,
    receiver,
    bridge: startBridge(configFile),
    restart: async () => {
      fx.bridge = startBridge(configFile);
      await waitReady(fx.bridge, adminPort);
    },
  };
  t.after(async () => {
    fx.bridge.child.kill('SIGKILL');
    await receiver.stop();
    await broker.dispose();
    const redis = new Redis(SHARED_REDIS_URL);
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });
  await waitReady(fx.bridge, adminPort);
  return fx;
}

test('SIGTERM during a stream exits 0 within the deadline; after a restart nothing is missing', async (t) => {
  const fx = await startFixture(t, 'shutdown', {
    persistence: true,
    settings: 'delivery: { shutdownTimeout: 5s }\nlog: { level: warn, format: json }',
  });
  const { broker, receiver } = fx;

  const publisher = await connectAsync(broker.url, { clientId: 'shutdown-publisher' });
  const total = 3000;
  let published = 0;
  const stream = (async () => {
    for (; published < total; published++) {
      const payload = JSON.stringify({
        Update: { Timestamp: '2026-11-23T14:05:00Z', Message: 'New Gate Information', Code: 'Y' },
        seq: published,
      });
      await publisher.publishAsync(`prd/FlightUpdate/LH/LH${400 + (published % 50)}/2026-11-23`, payload, {
        qos: 1,
      });
      if (published % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
  })();

  await waitFor(() => receiver.uniqueIds >= 500, 30_000, '500 deliveries before the signal');
  fx.bridge.child.kill('SIGTERM');
  const code = await fx.bridge.exited;
  // Stopped within the deadline: the bridge's own shutdown deadline (shutdownTimeout 5 s for
  // in-flight deliveries plus a margin for the rest) exits 1 when it passes; 0 means it finished.
  assert.equal(code, 0, `exit code 0 after SIGTERM (stderr: ${fx.bridge.stderr().slice(-500)})`);

  await stream;
  await publisher.endAsync();
  await fx.restart();
  await waitFor(
    () => receiver.uniqueIds === total,
    60_000,
    `all ${total} messages delivered after the restart`,
  );
  assert.equal(receiver.rejected, 0, 'every signature verifies');
});

test('a normal SIGTERM disconnects from the broker gracefully and logs graceful: true', async (t) => {
  const fx = await startFixture(t, 'graceful', { settings: 'log: { level: info, format: json }' });
  const { broker, receiver, bridge } = fx;

  // A few messages through, so the stop has acked work behind it.
  const publisher = await connectAsync(broker.url, { clientId: 'graceful-publisher' });
  for (let i = 0; i < 5; i++) {
    const payload = JSON.stringify({ Update: { Timestamp: '2026-11-23T14:05:00Z', Code: 'Y' }, seq: i });
    await publisher.publishAsync('prd/FlightUpdate/LH/LH400/2026-11-23', payload, { qos: 1 });
  }
  await publisher.endAsync();
  await waitFor(() => receiver.uniqueIds >= 5, 30_000, 'five deliveries before the signal');

  bridge.child.kill('SIGTERM');
  assert.equal(await bridge.exited, 0, `exit code 0 (stderr: ${bridge.stderr().slice(-500)})`);
  const disconnect = bridge.records().find((r) => r.msg === 'disconnecting from the MQTT broker');
  assert.ok(disconnect, 'the bridge logged its disconnect');
  assert.equal(disconnect.graceful, true);
  assert.ok(
    bridge.records().some((r) => r.msg === 'flup-bridge stopped'),
    'the stop ran to its end',
  );
});
