import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, secretValues } from '../../src/config/index.js';
import { SecretRegistry } from '../../src/core/logger.js';
import { captureLogger } from '../helpers/logger.js';

const SECRETS = {
  redisPassword: 'r3dis-pa55word',
  clientKey: 'lh-app-key-0001',
  clientSecret: 'lh-app-secret-0002',
  adminToken: 'admin-token-0003',
  webhookSecret: 'whsec_c2VjcmV0LWZvci1yZWRhY3Rpb24tdGVzdA==',
  providerSecret: 'provider-secret-0004',
  aerisCs: 'aeris-cs-0005',
  aerisAs: 'aeris-as-0006',
};

function configWithSecrets() {
  const dir = mkdtempSync(join(tmpdir(), 'flup-redact-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    `
redis: { url: "redis://:${SECRETS.redisPassword}@127.0.0.1:6379" }
source: { kind: lufthansa, lufthansa: { clientKey: ${SECRETS.clientKey}, clientSecret: ${SECRETS.clientSecret} } }
admin: { token: ${SECRETS.adminToken} }
tokenProviders:
  - { id: p, kind: oauth2-client-credentials, tokenUrl: "http://127.0.0.1:9/token", clientId: c, clientSecret: ${SECRETS.providerSecret} }
  - { id: a, kind: aeris, baseUrl: "http://127.0.0.1:9", clientId: c, cs: ${SECRETS.aerisCs}, accountId: "1", as: ${SECRETS.aerisAs}, requesterId: x@y.z }
webhooks:
  - { id: w, url: "http://127.0.0.1:9/h", secret: "${SECRETS.webhookSecret}", auth: { provider: p } }
`,
  );
  return loadConfig({ file, env: {} });
}

test('no configured or fetched secret appears in any log line, however it is logged', () => {
  const config = configWithSecrets();
  const registry = new SecretRegistry();
  registry.addAll(secretValues(config));
  const { logger, lines } = captureLogger({ secrets: () => registry.values() });
  const fetchedJwt = 'eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRJRCI6InRlc3RfMSJ9.c2lnbmF0dXJl';
  registry.add(fetchedJwt);

  // The mistakes redaction must survive: whole config objects, secrets in messages and errors,
  // under innocent field names, in URLs and headers.
  logger.info({ config }, 'effective config');
  logger.info({ source: config.source }, 'source');
  logger.warn(`token endpoint rejected ${SECRETS.clientKey}:${SECRETS.clientSecret}`);
  logger.error(
    { err: new Error(`connect failed for redis://:${SECRETS.redisPassword}@127.0.0.1:6379`) },
    'redis down',
  );
  logger.info({ headers: { authorization: `Bearer ${fetchedJwt}` } }, 'request');
  logger.info({ innocent: SECRETS.webhookSecret, nested: { deeper: { value: SECRETS.adminToken } } }, 'misc');
  logger.debug({ password: fetchedJwt, jwt: fetchedJwt }, 'broker login');
  logger.info({ list: [SECRETS.aerisCs, SECRETS.aerisAs, SECRETS.providerSecret] }, 'list');
  logger.flush();

  assert.ok(lines.length >= 8, `expected the log lines, got ${lines.length}`);
  for (const line of lines) {
    for (const [name, secret] of Object.entries({ ...SECRETS, fetchedJwt })) {
      assert.ok(!line.includes(secret), `${name} leaked in: ${line}`);
    }
  }
  assert.ok(lines.some((l) => l.includes('[REDACTED]')));
  // Non-secret context stays readable.
  assert.ok(lines.some((l) => l.includes('127.0.0.1:6379')));
});
