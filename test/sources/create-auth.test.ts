import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { createDeps } from '../../src/app.js';
import { LufthansaApiSim } from '../../src/sim/index.js';
import { captureLogger } from '../helpers/logger.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';
import { cleanRedis } from '../helpers/credentials-harness.js';
import {
  createAuth,
  LufthansaApiToken,
  LufthansaCredentials,
  StaticMqttCredentials,
} from '../../src/sources/index.js';

test('createAuth picks Lufthansa credentials and the API token for source.kind lufthansa', async (t) => {
  const sim = new LufthansaApiSim();
  await sim.start();
  const prefix = uniquePrefix('create');
  const config = loadConfig({
    env: {},
    overrides: {
      redis: { url: SHARED_REDIS_URL, prefix },
      source: {
        kind: 'lufthansa',
        lufthansa: { apiBase: sim.url, clientKey: 'demo-key', clientSecret: 'demo-secret' },
      },
      tokenProviders: [{ id: 'legacy', kind: 'static', token: 'static-token' }],
    },
  });
  const deps = createDeps(config, { logger: captureLogger().logger });
  t.after(async () => {
    await cleanRedis(deps.redis, prefix);
    deps.redis.disconnect();
    await sim.stop();
  });
  const auth = createAuth(deps);
  assert.ok(auth.credentials instanceof LufthansaCredentials);
  assert.ok(auth.apiToken instanceof LufthansaApiToken);
  assert.equal(await auth.providers.get('legacy')!.authorization(), 'Bearer static-token');
  await auth.part.start();
  const c = await auth.credentials.get();
  assert.equal(auth.credentials.status()?.clientId, c.clientId);
  assert.match(c.clientId, /^flup-bridge_\d{9}$/, 'the default clientId prefix');
  assert.deepEqual(
    auth.tokens.status().map((s) => [s.id, s.state]),
    [
      ['lufthansa-api', 'ok'],
      ['legacy', 'ok'],
    ],
  );
  await auth.part.stop();
});

test('createAuth uses the static login for source.kind mqtt', async (t) => {
  const config = loadConfig({
    env: {},
    overrides: {
      source: {
        kind: 'mqtt',
        mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'u', password: 'p', clientId: 'c1' },
      },
    },
  });
  const deps = createDeps(config, { logger: captureLogger().logger });
  t.after(() => deps.redis.disconnect());
  const auth = createAuth(deps);
  assert.ok(auth.credentials instanceof StaticMqttCredentials);
  assert.equal(auth.apiToken, undefined);
  assert.equal((await auth.credentials.get()).username, 'u');
});
