/**
 * Graceful shutdown as an operator sees it: SIGTERM to `flup-bridge run` in the middle of a
 * stream exits 0 within the deadline, and after a restart every message published is delivered.
 */
import { test } from 'node:test';
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

const SECRET = 'whsec_c2h1dGRvd24tdGVzdC1zZWNyZXQtMTIzNDU2Nzg=';

function startBridge(configFile: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', configFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
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

test('SIGTERM during a stream exits 0 within the deadline; after a restart nothing is missing', async (t) => {
  const broker = await startMosquitto({ persistence: true });
  const receiver = new WebhookReceiver({ secrets: [SECRET] });
  await receiver.start();
  const prefix = uniquePrefix('shutdown');
  const adminPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-shutdown-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    `
source: { kind: mqtt, mqtt: { url: "${broker.url}", clientId: shutdown-test, topics: ["prd/FlightUpdate/#"] } }
redis: { url: "${SHARED_REDIS_URL}", prefix: ${prefix} }
admin: { listen: "127.0.0.1:${adminPort}" }
delivery: { shutdownTimeout: 5s }
log: { level: warn, format: json }
webhooks:
  - { id: ops, url: "${receiver.url}/hook", secret: "${SECRET}" }
`,
  );
  let bridge = startBridge(configFile);
  t.after(async () => {
    bridge.child.kill('SIGKILL');
    await receiver.stop();
    await broker.dispose();
    const redis = new Redis(SHARED_REDIS_URL);
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  });
  await waitFor(() => ready(adminPort), 30_000, 'the bridge to be ready');

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
  const signalledAt = Date.now();
  bridge.child.kill('SIGTERM');
  const code = await bridge.exited;
  const stopMs = Date.now() - signalledAt;
  assert.equal(code, 0, `exit code 0 after SIGTERM (stderr: ${bridge.stderr().slice(-500)})`);
  // shutdownTimeout 5 s for in-flight deliveries, plus the ingest drain and closing.
  assert.ok(stopMs < 15_000, `stopped within the deadline (${stopMs} ms)`);

  await stream;
  await publisher.endAsync();
  bridge = startBridge(configFile);
  await waitFor(
    () => receiver.uniqueIds === total,
    60_000,
    `all ${total} messages delivered after the restart`,
  );
  assert.equal(receiver.rejected, 0, 'every signature verifies');
});
