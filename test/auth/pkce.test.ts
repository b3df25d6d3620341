import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import Provider from 'oidc-provider';
import { Metrics } from '../../src/core/metrics.js';
import { connectRedis } from '../../src/redis/connection.js';
import { SecretRegistry } from '../../src/core/logger.js';
import type { PkceProviderConfig } from '../../src/config/index.js';
import { LoginRequiredError, PkceTokenProvider, tokenKey } from '../../src/auth/index.js';
import { pkceChallenge, pkceLogin, type PkceLoginResult } from '../../src/cli/pkce-login.js';
import { captureLogger } from '../helpers/logger.js';
import { freePort, SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { cleanRedis, metricValue, TestClock } from '../helpers/credentials-harness.js';

test('PKCE S256: the RFC 7636 appendix B verifier gives its challenge', async () => {
  assert.equal(
    await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
});

/** A real authorization server (oidc-provider) with a native public client using PKCE. */
async function authorizationServer(t: TestContext, redirectPort: number) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'flup-crew',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`http://127.0.0.1:${redirectPort}/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    // Like the Crew API, the client does not send prompt=consent: issue refresh tokens anyway.
    issueRefreshToken: async () => true,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-key'] },
    ttl: { AccessToken: 3600 },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  provider.on('server_error', () => undefined);
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { issuer };
}

/**
 * Plays the user's browser: follows redirects with a cookie jar, fills the dev login form and
 * the consent form. `tamper` may change the URL of the final redirect to the loopback listener.
 */
async function browse(
  startUrl: string,
  tamper?: (url: URL) => URL,
): Promise<{ status: number; body: string }> {
  const jar = new Map<string, string>();
  let url = new URL(startUrl);
  let init: RequestInit = { method: 'GET' };
  for (let step = 0; step < 20; step++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie },
    });
    for (const setCookie of res.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const at = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(setCookie)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url);
      if (url.hostname === '127.0.0.1' && url.pathname === '/callback' && tamper) url = tamper(url);
      init = { method: 'GET' };
      continue;
    }
    const body = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(body);
    if (res.status === 200 && form) {
      const fields: Record<string, string> = body.includes('name="login"')
        ? { prompt: 'login', login: 'crew-member-1', password: 'any' }
        : { prompt: 'consent' };
      url = new URL(form[1]!.replace(/&amp;/g, '&'), url);
      init = {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
      continue;
    }
    return { status: res.status, body };
  }
  throw new Error('the browser went round in circles');
}

async function setup(t: TestContext) {
  const redirectPort = await freePort();
  const { issuer } = await authorizationServer(t, redirectPort);
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'test-pkce' });
  const prefix = uniquePrefix('pkce');
  t.after(async () => {
    await cleanRedis(redis, prefix);
    redis.disconnect();
  });
  const config: PkceProviderConfig = {
    id: 'crew',
    kind: 'oauth2-pkce',
    refreshSkew: 0,
    issuer,
    authorizeUrl: '',
    tokenUrl: '',
    clientId: 'flup-crew',
    clientSecret: '',
    scope: 'openid',
    redirectPort,
    redirectPath: '/callback',
  };
  const clock = new TestClock(Date.now());
  const log = captureLogger();
  /** Runs a login; the "browser" gets the printed authorize URL. */
  const login = async (tamper?: (url: URL) => URL) => {
    const printed: string[] = [];
    let page: Promise<{ status: number; body: string }> | undefined;
    const result = pkceLogin({
      provider: config,
      redis,
      prefix,
      logger: log.logger,
      clock,
      timeout: 20_000,
      print: (line) => printed.push(line),
      openBrowser: (url) => {
        page = browse(url, tamper);
      },
    });
    const settled: { ok?: PkceLoginResult; error?: Error } = await result.then(
      (ok) => ({ ok }),
      (error: Error) => ({ error }),
    );
    return { ...settled, printed, page: await page! };
  };
  return { config, redis, prefix, clock, log, login };
}

test('PKCE login against oidc-provider stores a refresh token; the daemon refreshes and stores the rotated one', async (t) => {
  const { config, redis, prefix, clock, log, login } = await setup(t);
  const { ok, printed, page } = await login();
  assert.ok(ok, 'login succeeded');
  assert.equal(page.status, 200);
  assert.match(page.body, /Login complete/);

  const authorizeUrl = new URL(printed.join('\n').match(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/)![0]);
  const q = authorizeUrl.searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), 'flup-crew');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(q.get('redirect_uri'), `http://127.0.0.1:${config.redirectPort}/callback`);
  assert.equal(q.get('scope'), 'openid');
  assert.ok(q.get('state'));

  const stored = JSON.parse((await redis.get(tokenKey(prefix, 'crew')))!) as {
    refreshToken: string;
    accessToken: string;
  };
  assert.ok(stored.refreshToken.length > 10);

  const metrics = new Metrics({ defaultMetrics: false });
  const secrets = new SecretRegistry();
  const provider = new PkceTokenProvider(config, {
    redis,
    prefix,
    logger: log.logger,
    clock,
    metrics,
    secrets,
  });
  // The access token from the login is shared through Redis.
  assert.equal(await provider.authorization(), `Bearer ${stored.accessToken}`);
  // At 80% of its lifetime the provider refreshes; the server rotates the refresh token.
  clock.advance(0.81 * 3600_000);
  const refreshed = await provider.authorization();
  assert.notEqual(refreshed, `Bearer ${stored.accessToken}`);
  const after = JSON.parse((await redis.get(tokenKey(prefix, 'crew')))!) as {
    refreshToken: string;
    accessToken: string;
  };
  assert.equal(`Bearer ${after.accessToken}`, refreshed);
  assert.notEqual(after.refreshToken, stored.refreshToken, 'the rotated refresh token is stored');
  assert.ok([...secrets.values()].includes(after.accessToken));
  assert.equal(provider.status().state, 'ok');
  assert.equal(await metricValue(metrics, 'flup_token_login_required', { provider: 'crew' }), 0);

  // A second refresh works with the rotated token.
  clock.advance(0.81 * 3600_000);
  const again = await provider.authorization();
  assert.notEqual(again, refreshed);

  // The spent refresh token is refused (invalid_grant): a new login is needed, and said so.
  await redis.set(
    tokenKey(prefix, 'crew'),
    JSON.stringify({ refreshToken: stored.refreshToken, updatedAt: 0 }),
  );
  provider.invalidate();
  await assert.rejects(provider.authorization(), (err: Error) => {
    assert.ok(err instanceof LoginRequiredError);
    assert.match(err.message, /invalid_grant.*run: flup-bridge auth login crew/);
    return true;
  });
  assert.equal(provider.status().state, 'login-required');
  assert.equal(await metricValue(metrics, 'flup_token_login_required', { provider: 'crew' }), 1);
  assert.ok(log.lines.some((l) => l.includes('run: flup-bridge auth login crew')));
});

test('PKCE: no stored refresh token means login-required', async (t) => {
  const { config, redis, prefix, clock, log } = await setup(t);
  const metrics = new Metrics({ defaultMetrics: false });
  const provider = new PkceTokenProvider(config, { redis, prefix, logger: log.logger, clock, metrics });
  await provider.check();
  assert.equal(provider.status().state, 'login-required');
  assert.match(
    provider.status().error!,
    /no refresh token in Redis key .*:tokens:crew.*run: flup-bridge auth login crew/,
  );
  assert.equal(await metricValue(metrics, 'flup_token_login_required', { provider: 'crew' }), 1);
});

test('PKCE login: a wrong state is refused with an error page, nothing stored', async (t) => {
  const { redis, prefix, login } = await setup(t);
  const { error, page } = await login((url) => {
    url.searchParams.set('state', 'forged-state');
    return url;
  });
  assert.ok(error);
  assert.match(error.message, /login refused: the redirect carried a wrong "state"/);
  assert.equal(page.status, 400);
  assert.match(page.body, /Login refused/);
  assert.equal(await redis.exists(tokenKey(prefix, 'crew')), 0);
});

test('flup-bridge auth login <id> runs the login and stores the refresh token', async (t) => {
  const { config, redis, prefix } = await setup(t);
  const dir = mkdtempSync(join(tmpdir(), 'flup-login-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flup.yaml');
  writeFileSync(
    file,
    [
      `redis: { url: "${SHARED_REDIS_URL}", prefix: "${prefix}" }`,
      'source: { kind: mqtt, mqtt: { url: "mqtt://127.0.0.1:1883" } }',
      'tokenProviders:',
      `  - { id: crew, kind: oauth2-pkce, issuer: "${config.issuer}", clientId: flup-crew, scope: openid, redirectPort: ${config.redirectPort} }`,
      'log: { level: warn }',
    ].join('\n') + '\n',
  );
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    }) as unknown as typeof process.stdout;
  const io = {
    stdout: stream((s) => (out += s)),
    stderr: stream((s) => (err += s)) as unknown as typeof process.stderr,
  };
  const running = main(['auth', 'login', 'crew', '--config', file, '--no-open', '--timeout', '20'], io);
  const url = await Promise.race([
    waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/.exec(out)?.[0], 10_000, 'the printed authorize URL'),
    running.then((code) => assert.fail(`auth login ended early (${code}): ${err}`)),
  ]);
  const page = await browse(url!);
  assert.equal(page.status, 200);
  assert.equal(await running, 0, err);
  assert.match(out, /login complete: refresh token for "crew" stored in Redis/);
  assert.ok(await redis.exists(tokenKey(prefix, 'crew')));
});
