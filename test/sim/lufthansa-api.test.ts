import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { LufthansaApiSim } from '../../src/sim/index.js';

async function token(sim: LufthansaApiSim, key = 'demo-key', secret = 'demo-secret'): Promise<Response> {
  return fetch(`${sim.url}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: key, client_secret: secret, grant_type: 'client_credentials' }),
  });
}

async function certificate(sim: LufthansaApiSim, bearer: string, clientId = 'test'): Promise<Response> {
  return fetch(`${sim.url}/v1/flightUpdate/credentials/JWT/${clientId}/flupSubTopic`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}` },
  });
}

test('LufthansaApiSim: token endpoint and Certificate Manager answer as documented', async (t) => {
  let now = Date.UTC(2026, 10, 23, 10, 0, 0);
  const sim = new LufthansaApiSim({ brokerEndpoint: 'broker.test', clock: { now: () => now } });
  await sim.start();
  t.after(() => sim.stop());

  assert.equal((await token(sim, 'demo-key', 'wrong')).status, 401);
  const tokenAnswer = (await (await token(sim)).json()) as Record<string, unknown>;
  assert.equal(tokenAnswer.token_type, 'bearer');
  assert.equal(tokenAnswer.expires_in, 129600);
  const accessToken = tokenAnswer.access_token as string;
  assert.ok(sim.isValidAccessToken(`Bearer ${accessToken}`));
  assert.ok(!sim.isValidAccessToken('Bearer nope'));
  assert.ok(!sim.isValidAccessToken(undefined));

  assert.equal((await certificate(sim, 'nope')).status, 401);
  const first = (await (await certificate(sim, accessToken)).json()) as {
    CertificateManagementResource: {
      CertificateManagement: { javaWebToken: string; clientID: string; endpoint: string };
    };
  };
  const cm = first.CertificateManagementResource.CertificateManagement;
  assert.match(cm.clientID, /^test_\d{9}$/);
  assert.equal(cm.endpoint, 'broker.test');
  assert.equal(decodeProtectedHeader(cm.javaWebToken).alg, 'RS256');
  const claims = decodeJwt(cm.javaWebToken);
  assert.equal(claims.clientID, cm.clientID);
  assert.equal(claims.authGroups, 'flupPubTopic;flupSubTopic');
  assert.equal(claims.created, Math.floor(now / 1000));
  assert.equal(claims.exp, Math.floor(now / 1000) + 2 * 365 * 24 * 3600);

  const second = (await (await certificate(sim, accessToken)).json()) as typeof first;
  assert.notEqual(
    second.CertificateManagementResource.CertificateManagement.clientID,
    cm.clientID,
    'a new clientID per call',
  );
  assert.deepEqual(sim.calls, { token: 2, certificate: 3, other: 0 });

  assert.equal(await sim.verifyBrokerLogin(cm.clientID, cm.javaWebToken), 'ok');
  assert.equal(await sim.verifyBrokerLogin('test_000000001', cm.javaWebToken), 'unknown-client');
  const other = second.CertificateManagementResource.CertificateManagement;
  assert.equal(await sim.verifyBrokerLogin(cm.clientID, other.javaWebToken), 'bad-password');
  assert.equal(await sim.verifyBrokerLogin(cm.clientID, 'not-a-jwt'), 'bad-password');
  now += 3 * 365 * 24 * 3600 * 1000;
  assert.equal(await sim.verifyBrokerLogin(cm.clientID, cm.javaWebToken), 'expired');
  assert.ok(!sim.isValidAccessToken(`Bearer ${accessToken}`), 'access tokens expire on the sim clock');
});

test('LufthansaApiSim: faults, revocation, extra routes and 404', async (t) => {
  const sim = new LufthansaApiSim({ slowMs: 300 });
  await sim.start();
  t.after(() => sim.stop());
  const accessToken = ((await (await token(sim)).json()) as { access_token: string }).access_token;

  sim.setFault('token', 'unauthorized');
  assert.equal((await token(sim)).status, 401);
  sim.setFault('token', 'server-error');
  assert.equal((await token(sim)).status, 500);
  sim.setFault('token', 'malformed');
  const malformed = await token(sim);
  assert.equal(malformed.status, 200);
  assert.match(await malformed.text(), /^<html>/);
  sim.setFault('token', 'missing-field');
  assert.equal(((await (await token(sim)).json()) as Record<string, unknown>).access_token, undefined);
  sim.setFault('token', null);

  sim.setFault('certificate', 'missing-field');
  const missing = (await (await certificate(sim, accessToken)).json()) as {
    CertificateManagementResource: { CertificateManagement: Record<string, unknown> };
  };
  assert.equal(missing.CertificateManagementResource.CertificateManagement.javaWebToken, undefined);
  sim.setFault('certificate', 'slow');
  const started = Date.now();
  assert.equal((await certificate(sim, accessToken)).status, 200);
  assert.ok(Date.now() - started >= 250, 'the slow fault delays the answer');
  sim.setFault('certificate', null);

  sim.revokeAccessTokens();
  assert.equal((await certificate(sim, accessToken)).status, 401);

  sim.addRoute('GET', /^\/v1\/hello\/(\w+)$/, (_req, res, match) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ hello: match[1] }));
  });
  assert.deepEqual(await (await fetch(`${sim.url}/v1/hello/world?x=1`)).json(), { hello: 'world' });
  assert.equal(sim.calls.other, 1);
  const notFound = await fetch(`${sim.url}/v1/nothing`);
  assert.equal(notFound.status, 404);
  assert.equal(((await notFound.json()) as { error: string }).error, 'not_found');
});
