import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from '../../src/core/metrics.js';
import { SecretRegistry } from '../../src/core/logger.js';
import { connectRedis } from '../../src/redis/connection.js';
import type {
  AerisProviderConfig,
  ClientCredentialsProviderConfig,
  TokenProviderConfig,
} from '../../src/config/index.js';
import {
  AerisTokenProvider,
  ClientCredentialsProvider,
  createTokenProviders,
  PkceTokenProvider,
  StaticTokenProvider,
} from '../../src/auth/index.js';
import { AerisTokenSim, DEMO_AERIS_ACCOUNT } from '../../src/sim/index.js';
import { captureLogger } from '../helpers/logger.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';
import { DAY, metricValue, TestClock } from '../helpers/credentials-harness.js';

const YEAR = 365 * DAY;

async function aerisSetup(t: import('node:test').TestContext) {
  const clock = new TestClock();
  const sim = new AerisTokenSim({ clock });
  await sim.start();
  t.after(() => sim.stop());
  const log = captureLogger();
  const metrics = new Metrics({ defaultMetrics: false });
  const secrets = new SecretRegistry();
  const config: AerisProviderConfig = {
    id: 'aeris',
    kind: 'aeris',
    refreshSkew: 0,
    baseUrl: sim.url,
    ...DEMO_AERIS_ACCOUNT,
    requesterId: 'ops@example.com',
  };
  const make = (overrides: Partial<AerisProviderConfig> = {}) =>
    new AerisTokenProvider(
      { ...config, ...overrides },
      { logger: log.logger, clock, metrics, secrets, failureBackoff: { initialDelay: 5000, maxDelay: 5000 } },
    );
  return { clock, sim, log, metrics, secrets, make };
}

test('aeris: expiry is the epoch in expires_in; refreshed at 80% of the lifetime; single flight', async (t) => {
  const { clock, sim, metrics, secrets, make } = await aerisSetup(t);
  const provider = make();
  const headers = await Promise.all(Array.from({ length: 5 }, () => provider.authorization()));
  assert.equal(new Set(headers).size, 1);
  assert.equal(sim.calls, 1);
  assert.ok(sim.isValidToken(headers[0]));
  assert.equal(provider.status().expiresAt?.getTime(), Math.floor((clock.now() + YEAR) / 1000) * 1000);
  assert.ok([...secrets.values()].includes(headers[0]!.slice('Bearer '.length)));

  clock.advance(0.79 * YEAR);
  assert.equal(await provider.authorization(), headers[0]);
  clock.advance(0.02 * YEAR);
  const refreshed = await provider.authorization();
  assert.notEqual(refreshed, headers[0]);
  assert.equal(sim.calls, 2);

  provider.invalidate();
  assert.notEqual(await provider.authorization(), refreshed);
  assert.equal(sim.calls, 3);
  assert.equal(
    await metricValue(metrics, 'flup_token_fetches_total', { provider: 'aeris', outcome: 'ok' }),
    3,
  );
});

test('aeris: an already-expired answer is asked for once more, then a clear error (no loop)', async (t) => {
  const { sim, metrics, make } = await aerisSetup(t);
  sim.setMode('expired');
  const provider = make();
  await assert.rejects(
    provider.authorization(),
    /Aeris token API http:\/\/127\.0\.0\.1:\d+\/api\/token twice answered with a token that had already expired/,
  );
  assert.equal(sim.calls, 2, 'one refetch');
  // Callers right after the failure get the same error without new requests.
  await assert.rejects(provider.authorization(), /already expired/);
  await assert.rejects(provider.authorization(), /already expired/);
  assert.equal(sim.calls, 2);
  assert.equal(provider.status().state, 'error');
  assert.equal(
    await metricValue(metrics, 'flup_token_fetches_total', { provider: 'aeris', outcome: 'error' }),
    1,
  );

  // An expired first answer followed by a good one is fine.
  sim.setMode('expired', 1);
  const second = make();
  assert.match(await second.authorization(), /^Bearer /);
  assert.equal(sim.calls, 4);
});

test('aeris: a duration-looking expires_in is read as seconds from now, with a warning', async (t) => {
  const { clock, sim, log, make } = await aerisSetup(t);
  sim.setMode('duration');
  const provider = make();
  await provider.authorization();
  assert.equal(provider.status().expiresAt?.getTime(), clock.now() + YEAR);
  assert.ok(
    log.records().some((r) => r.level === 40 && /looks like a lifetime in seconds/.test(String(r.msg))),
  );
});

test('aeris: rejected credentials give a clear error without the secrets', async (t) => {
  const { make } = await aerisSetup(t);
  await assert.rejects(make({ cs: 'wrong-cs-value' }).authorization(), (err: Error) => {
    assert.match(
      err.message,
      /^Aeris token API http:\/\/127\.0\.0\.1:\d+\/api\/token rejected clientId\/cs\/accountId\/as \(HTTP 401\)/,
    );
    assert.ok(!err.message.includes('wrong-cs-value') && !err.message.includes(DEMO_AERIS_ACCOUNT.as));
    return true;
  });
});

/** A small OAuth2 token endpoint that records how the client authenticated. */
async function tokenServer(t: import('node:test').TestContext, expiresIn = 3600) {
  const requests: Array<{ authorization?: string; form: URLSearchParams }> = [];
  let counter = 0;
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    requests.push({ authorization: req.headers.authorization, form });
    const basicOk =
      req.headers.authorization === `Basic ${Buffer.from('my+client:s%3Acret').toString('base64')}`;
    const postOk = form.get('client_id') === 'my client' && form.get('client_secret') === 's:cret';
    res.setHeader('content-type', 'application/json');
    if (form.get('grant_type') !== 'client_credentials' || !(basicOk || postOk)) {
      res.writeHead(401).end(JSON.stringify({ error: 'invalid_client' }));
      return;
    }
    counter += 1;
    res.end(
      JSON.stringify({ access_token: `at-${counter}-xyz`, token_type: 'Bearer', expires_in: expiresIn }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, requests };
}

test('oauth2-client-credentials: basic and post auth, scope and audience, refreshSkew', async (t) => {
  const server = await tokenServer(t);
  const clock = new TestClock();
  const log = captureLogger();
  const base: ClientCredentialsProviderConfig = {
    id: 'partner',
    kind: 'oauth2-client-credentials',
    refreshSkew: 600_000,
    tokenUrl: server.url,
    clientId: 'my client',
    clientSecret: 's:cret',
    scope: 'read write',
    audience: 'https://api.example',
    authMethod: 'client_secret_basic',
  };
  const basic = new ClientCredentialsProvider(base, { logger: log.logger, clock });
  assert.deepEqual(await Promise.all([basic.authorization(), basic.authorization()]), [
    'Bearer at-1-xyz',
    'Bearer at-1-xyz',
  ]);
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]!.form.get('scope'), 'read write');
  assert.equal(server.requests[0]!.form.get('audience'), 'https://api.example');
  assert.equal(server.requests[0]!.form.get('client_secret'), null);

  clock.advance(3600_000 - 600_001); // just before the skew
  assert.equal(await basic.authorization(), 'Bearer at-1-xyz');
  clock.advance(2);
  assert.equal(await basic.authorization(), 'Bearer at-2-xyz');

  const post = new ClientCredentialsProvider(
    { ...base, authMethod: 'client_secret_post' },
    { logger: log.logger, clock },
  );
  assert.equal(await post.authorization(), 'Bearer at-3-xyz');
  assert.equal(server.requests.at(-1)!.authorization, undefined);

  const wrong = new ClientCredentialsProvider(
    { ...base, clientSecret: 'nope-nope' },
    { logger: log.logger, clock },
  );
  await assert.rejects(
    wrong.authorization(),
    /client id or secret rejected by http:\/\/127\.0\.0\.1:\d+\/token \(HTTP 401: invalid_client\)/,
  );
});

test('static provider: bearer or basic; createTokenProviders builds every kind by id', async (t) => {
  const bearer = new StaticTokenProvider({
    id: 'legacy',
    kind: 'static',
    refreshSkew: 0,
    token: 'tok-123',
    username: '',
    password: '',
  });
  assert.equal(await bearer.authorization(), 'Bearer tok-123');
  const secrets = new SecretRegistry();
  const basic = new StaticTokenProvider(
    { id: 'b', kind: 'static', refreshSkew: 0, token: '', username: 'u', password: 'p4ss' },
    secrets,
  );
  assert.equal(await basic.authorization(), `Basic ${Buffer.from('u:p4ss').toString('base64')}`);
  assert.ok([...secrets.values()].includes(Buffer.from('u:p4ss').toString('base64')));
  assert.equal(basic.status().state, 'ok');

  const redis = connectRedis(SHARED_REDIS_URL);
  t.after(() => redis.disconnect());
  const tokenProviders: TokenProviderConfig[] = [
    {
      id: 'aeris',
      kind: 'aeris',
      refreshSkew: 0,
      baseUrl: 'http://127.0.0.1:1',
      clientId: 'c',
      cs: 'cs',
      accountId: '1',
      as: 'as',
      requesterId: 'r',
    },
    {
      id: 'partner',
      kind: 'oauth2-client-credentials',
      refreshSkew: 0,
      tokenUrl: 'http://127.0.0.1:1/t',
      clientId: 'c',
      clientSecret: 's',
      scope: '',
      audience: '',
      authMethod: 'client_secret_post',
    },
    {
      id: 'crew',
      kind: 'oauth2-pkce',
      refreshSkew: 0,
      issuer: 'http://127.0.0.1:1',
      authorizeUrl: '',
      tokenUrl: '',
      clientId: 'c',
      clientSecret: '',
      scope: '',
      redirectPort: 0,
      redirectPath: '/callback',
    },
    { id: 'legacy', kind: 'static', refreshSkew: 0, token: 't0k3n', username: '', password: '' },
  ];
  const providers = createTokenProviders({
    config: { tokenProviders, redis: { prefix: uniquePrefix('tp') } },
    logger: captureLogger().logger,
    clock: new TestClock(),
    redis,
  });
  assert.deepEqual([...providers.keys()], ['aeris', 'partner', 'crew', 'legacy']);
  assert.ok(providers.get('aeris') instanceof AerisTokenProvider);
  assert.ok(providers.get('partner') instanceof ClientCredentialsProvider);
  assert.ok(providers.get('crew') instanceof PkceTokenProvider);
  assert.ok(providers.get('legacy') instanceof StaticTokenProvider);
  assert.equal(providers.get('aeris')!.status().state, 'empty');
});
