import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { freePort, waitFor } from '../../helpers/servers.js';
import { DAY, harness, metricValue } from '../../helpers/credentials-harness.js';
import {
  credentialKey,
  LufthansaApiToken,
  StaticMqttCredentials,
  type BrokerCredentials,
} from '../../../src/sources/index.js';

test('two-step flow: access token, then Certificate Manager; stored in Redis, secrets registered', async (t) => {
  const h = await harness(t);
  const credentials = h.make();
  const c = await credentials.get();
  assert.match(c.clientId, /^test_\d{9}$/);
  assert.equal(c.username, c.clientId);
  assert.equal(c.endpoint, 'broker.test');
  assert.equal(decodeJwt(c.password).clientID, c.clientId);
  assert.equal(c.expiresAt?.getTime(), Math.floor(h.clock.now() / 1000) * 1000 + 2 * 365 * DAY);
  assert.equal(await h.sim.verifyBrokerLogin(c.username, c.password), 'ok');
  assert.deepEqual(h.sim.calls, { token: 1, certificate: 1, other: 0 });

  const stored = JSON.parse((await h.redis.get(credentialKey(h.prefix, 'test')))!) as {
    clientId: string;
    jwt: string;
  };
  assert.equal(stored.clientId, c.clientId);
  assert.equal(stored.jwt, c.password);

  const status = credentials.status()!;
  assert.equal(status.clientId, c.clientId);
  assert.equal(status.expiresAt, c.expiresAt?.toISOString());
  assert.ok(!JSON.stringify(status).includes(c.password));
  assert.ok([...h.secrets.values()].includes(c.password), 'JWT registered for log scrubbing');
  assert.ok((await metricValue(h.metrics, 'flup_credential_expiry_seconds'))! > 700 * 86_400);
  assert.equal(
    await metricValue(h.metrics, 'flup_credential_renewals_total', { reason: 'expiry', outcome: 'ok' }),
    1,
  );
  assert.equal(
    await metricValue(h.metrics, 'flup_token_fetches_total', { provider: 'lufthansa-api', outcome: 'ok' }),
    1,
  );
  assert.ok(!h.log.lines.some((l) => l.includes(c.password)), 'the JWT never reaches the log');
});

test('credentials survive a restart: a new instance on the same Redis reuses them', async (t) => {
  const h = await harness(t);
  const first = await h.make().get();
  const second = await h.make().get();
  assert.equal(second.clientId, first.clientId);
  assert.equal(second.password, first.password);
  assert.equal(h.sim.calls.certificate, 1, 'no second Certificate Manager call');
  assert.equal(h.sim.calls.token, 1, 'not even an access token was needed');
});

test('concurrent callers share one request', async (t) => {
  const h = await harness(t);
  const credentials = h.make();
  const all = await Promise.all(Array.from({ length: 8 }, () => credentials.get()));
  assert.equal(new Set(all.map((c) => c.clientId)).size, 1);
  assert.deepEqual(h.sim.calls, { token: 1, certificate: 1, other: 0 });
});

test('two instances renewing at once make one Certificate Manager call (Redis lock)', async (t) => {
  const h = await harness(t);
  // A slow Certificate Manager guarantees that the two renewals overlap.
  h.sim.setFault('certificate', 'slow');
  const [a, b] = [h.make(), h.make()];
  const [ca, cb] = await Promise.all([a.get(), b.get()]);
  assert.equal(ca.clientId, cb.clientId);
  assert.equal(h.sim.calls.certificate, 1);

  const [ra, rb] = await Promise.all([a.renew('manual'), b.renew('manual')]);
  assert.equal(ra.clientId, rb.clientId);
  assert.notEqual(ra.clientId, ca.clientId);
  assert.equal(h.sim.calls.certificate, 2);
});

/**
 * The harness clock, counting reads. A credential check reads the clock about three times, so a dozen
 * new reads mean at least two checks started, and so one ran from start to end, after the count.
 */
function countingClock(clock: { now(): number }) {
  const counting = { reads: 0, now: () => (counting.reads++, clock.now()) };
  return counting;
}

async function checksRan(...clocks: Array<{ reads: number }>): Promise<void> {
  const before = clocks.map((c) => c.reads);
  await waitFor(() => clocks.every((c, i) => c.reads >= before[i]! + 12), 5000, 'credential checks');
}

test('renews ahead of expiry (renewBefore) from the timer, and other instances pick it up', async (t) => {
  const h = await harness(t);
  const [clockA, clockB] = [countingClock(h.clock), countingClock(h.clock)];
  const credentials = h.make({ checkInterval: 20, clock: clockA });
  const reader = h.make({ checkInterval: 20, clock: clockB });
  const old = await credentials.get();
  await credentials.start();
  await reader.start();
  h.clock.advance(365 * DAY);
  await checksRan(clockA, clockB);
  assert.equal(h.sim.calls.certificate, 1, 'not due yet');

  h.clock.advance(2 * 365 * DAY - 365 * DAY - 29 * DAY); // now 29 days before exp, inside renewBefore (30 d)
  await waitFor(() => credentials.status()?.clientId !== old.clientId, 5000, 'renewal before expiry');
  await waitFor(
    () => reader.status()?.clientId === credentials.status()?.clientId,
    5000,
    'the other instance reads the renewal',
  );
  await checksRan(clockA, clockB);
  assert.equal(h.sim.calls.certificate, 2, 'one renewal for both instances');
  const fresh = await credentials.get();
  assert.ok(fresh.expiresAt!.getTime() > old.expiresAt!.getTime());
  assert.equal(await h.sim.verifyBrokerLogin(fresh.username, fresh.password), 'ok');
  assert.equal(
    await metricValue(h.metrics, 'flup_credential_renewals_total', { reason: 'expiry', outcome: 'ok' }),
    2,
  );
});

test('a broker refusal renews once per burst', async (t) => {
  const h = await harness(t);
  const old = await h.make().get();
  // A restarted bridge reuses the stored credentials; the broker refuses them.
  const credentials = h.make();
  assert.equal((await credentials.get()).clientId, old.clientId);
  const burst = await Promise.all([
    credentials.renew('refused'),
    credentials.renew('refused'),
    credentials.renew('refused'),
  ]);
  assert.equal(new Set(burst.map((c) => c.clientId)).size, 1);
  assert.notEqual(burst[0]!.clientId, old.clientId);
  assert.equal(h.sim.calls.certificate, 2);
  // Refused again right after the renewal: no new clientID (each one would cost the broker session).
  const again = await credentials.renew('refused');
  assert.equal(again.clientId, burst[0]!.clientId);
  assert.equal(h.sim.calls.certificate, 2);
  // After the refusal window a refusal renews again.
  h.clock.advance(61_000);
  const later = await credentials.renew('refused');
  assert.notEqual(later.clientId, burst[0]!.clientId);
  assert.equal(h.sim.calls.certificate, 3);
  assert.equal(
    await metricValue(h.metrics, 'flup_credential_renewals_total', { reason: 'refused', outcome: 'ok' }),
    2,
  );
});

test('a refusal after another replica renewed adopts its credentials', async (t) => {
  const h = await harness(t);
  const [a, b] = [h.make(), h.make()];
  const old = await a.get();
  await b.get();
  const renewedByA = await a.renew('manual');
  const fromB = await b.renew('refused');
  assert.equal(fromB.clientId, renewedByA.clientId);
  assert.notEqual(fromB.clientId, old.clientId);
  assert.equal(h.sim.calls.certificate, 2);
});

test('a failed renewal keeps the old credentials and retries with back-off', async (t) => {
  const h = await harness(t);
  const credentials = h.make({ checkInterval: 20 });
  const old = await credentials.get();
  h.sim.setFault('certificate', 'server-error');
  h.clock.advance(2 * 365 * DAY - 10 * DAY);
  await credentials.start();
  await waitFor(() => h.sim.calls.certificate >= 5, 5000, 'renewal attempts');
  assert.match(
    credentials.status()!.lastError!,
    /Certificate Manager http:\/\/127\.0\.0\.1:\d+\/v1\/flightUpdate\/credentials\/JWT\/test\/flupSubTopic answered HTTP 500/,
  );
  assert.equal((await credentials.get()).clientId, old.clientId, 'the old credentials stay in use');
  assert.ok(
    (await metricValue(h.metrics, 'flup_credential_renewals_total', {
      reason: 'expiry',
      outcome: 'error',
    }))! >= 1,
  );
  h.sim.setFault('certificate', null);
  // The renewal has ended (counted ok), not just adopted the new credentials: then the error is gone.
  await waitFor(
    async () =>
      ((await metricValue(h.metrics, 'flup_credential_renewals_total', {
        reason: 'expiry',
        outcome: 'ok',
      })) ?? 0) >= 2,
    5000,
    'renewal after recovery',
  );
  assert.notEqual(credentials.status()!.clientId, old.clientId);
  assert.equal(credentials.status()!.lastError, undefined);
});

test('clear errors: rejected key, 500 retried, malformed answer, missing field, unreachable, slow', async (t) => {
  const h = await harness(t);
  await assert.rejects(h.make({ source: { clientSecret: 'wrong-secret' } }).get(), (err: Error) => {
    assert.match(
      err.message,
      /^client key or secret rejected by http:\/\/127\.0\.0\.1:\d+\/v1\/oauth\/token \(HTTP 401\)/,
    );
    assert.ok(!err.message.includes('wrong-secret'));
    return true;
  });

  h.sim.setFault('certificate', 'unauthorized');
  await assert.rejects(
    h.make().get(),
    /client key or secret rejected by http:\/\/127\.0\.0\.1:\d+\/v1\/flightUpdate\/credentials\/JWT\/test\/flupSubTopic \(HTTP 401\)/,
  );

  const before = h.sim.calls.certificate;
  h.sim.setFault('certificate', 'server-error');
  await assert.rejects(h.make().get(), /Certificate Manager .* answered HTTP 500/);
  assert.equal(h.sim.calls.certificate - before, 3, 'a 500 is retried (3 attempts)');

  h.sim.setFault('certificate', 'malformed');
  const beforeMalformed = h.sim.calls.certificate;
  await assert.rejects(
    h.make().get(),
    /Certificate Manager http:\/\/127\.0\.0\.1:\d+\/v1\/flightUpdate\/credentials\/JWT\/test\/flupSubTopic answered HTTP 200 with a body that is not a JSON object/,
  );
  assert.equal(h.sim.calls.certificate - beforeMalformed, 1, 'a malformed answer is not retried at once');

  h.sim.setFault('certificate', 'missing-field');
  await assert.rejects(
    h.make().get(),
    /answered without "CertificateManagementResource\.CertificateManagement\.javaWebToken"/,
  );
  h.sim.setFault('certificate', null);

  h.sim.setFault('token', 'missing-field');
  await assert.rejects(h.make().get(), /Lufthansa token endpoint .* answered without "access_token"/);
  h.sim.setFault('token', null);

  const closed = await freePort();
  let attempts = 0;
  const countingFetch = (input: string | URL, init?: RequestInit) => {
    attempts += 1;
    return fetch(input, init);
  };
  const source = h.source({ apiBase: `http://127.0.0.1:${closed}` });
  const retry = { initialDelay: 10, maxDelay: 50, attempts: 3 };
  const unreachable = new LufthansaApiToken({
    source,
    logger: h.log.logger,
    clock: h.clock,
    fetch: countingFetch,
    retry,
  });
  await assert.rejects(
    h.make({ source, apiToken: unreachable }).get(),
    /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/oauth\/token: ECONNREFUSED/,
  );
  assert.equal(attempts, 3, 'network errors are retried');

  h.sim.setFault('certificate', 'slow');
  await assert.rejects(
    h.make({ timeout: 100 }).get(),
    /cannot reach .*\/v1\/flightUpdate\/credentials\/JWT\/test\/flupSubTopic: no answer within 100 ms/,
  );
  h.sim.setFault('certificate', null);
  assert.equal(await h.redis.exists(credentialKey(h.prefix, 'test')), 0, 'nothing stored after failures');
});

test('a revoked access token is replaced once and the call repeated', async (t) => {
  const h = await harness(t);
  const credentials = h.make();
  const old = await credentials.get();
  h.sim.revokeAccessTokens();
  const fresh = await credentials.renew('manual');
  assert.notEqual(fresh.clientId, old.clientId);
  assert.equal(h.sim.calls.token, 2);
});

test('access token: cached, refreshed at 80% of its lifetime, single flight', async (t) => {
  const h = await harness(t);
  const credentials = h.make();
  await credentials.get();
  const token = new LufthansaApiToken({ source: h.source(), logger: h.log.logger, clock: h.clock });
  const headers = await Promise.all(Array.from({ length: 5 }, () => token.authorization()));
  assert.equal(new Set(headers).size, 1);
  assert.match(headers[0]!, /^Bearer \S+$/);
  const calls = h.sim.calls.token;
  h.clock.advance(0.79 * 129_600_000);
  assert.equal(await token.authorization(), headers[0]);
  assert.equal(h.sim.calls.token, calls);
  h.clock.advance(0.02 * 129_600_000);
  assert.notEqual(await token.authorization(), headers[0]);
  assert.equal(h.sim.calls.token, calls + 1);
  token.invalidate();
  await token.authorization();
  assert.equal(h.sim.calls.token, calls + 2);
  assert.equal(token.status().state, 'ok');
});

test('StaticMqttCredentials returns the configured login, also on renew', async () => {
  const source = {
    url: 'mqtt://user:pw@127.0.0.1:1883',
    username: 'user',
    password: 'pw',
    clientId: 'bridge-1',
    topics: ['#'],
    qos: 1 as const,
    caFile: '',
    protocolVersion: 4 as const,
  };
  const credentials = new StaticMqttCredentials({ source });
  const expected: BrokerCredentials = {
    clientId: 'bridge-1',
    username: 'user',
    password: 'pw',
    endpoint: '',
  };
  assert.deepEqual(await credentials.get(), expected);
  assert.deepEqual(await credentials.renew('refused'), expected);
  assert.equal(credentials.status()?.endpoint, 'mqtt://127.0.0.1:1883');
});
