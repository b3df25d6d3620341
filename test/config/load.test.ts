import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, maskConfig, MASK } from '../../src/config/index.js';
import { configFiles } from './support.js';

const { dir, file, issues } = configFiles('config');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const base = `
source:
  kind: mqtt
  mqtt: { url: mqtt://127.0.0.1:1883, topics: ["prd/FlightUpdate/#"] }
`;

test('the example config is valid', () => {
  const config = loadConfig({ file: 'config/example.yaml', env: {} });
  assert.ok(config.webhooks.length > 0);
});

test('defaults fill every key', () => {
  const config = loadConfig({ file: file(base), env: {} });
  assert.equal(config.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(config.ingest.dedupWindow, 24 * 3600 * 1000);
  assert.equal(config.source.lufthansa.broker.port, 8883);
});

test('webhook items get defaults and secret lists', () => {
  const config = loadConfig({
    file: file(
      `${base}webhooks:\n  - { id: a, url: "https://x.example/h", secret: "${SECRET} ${SECRET}x" }\n`,
    ),
    env: {},
  });
  const [hook] = config.webhooks;
  assert.deepEqual(hook!.topics, ['#']);
  assert.equal(hook!.secrets.length, 2);
  assert.equal(hook!.retry.attempts, 20);
  assert.equal(hook!.timeout, 15_000);
  assert.equal(hook!.auth, null);
});

test('an unknown key is named', () => {
  assert.deepEqual(issues(`${base}redis: { url: "redis://h:1", prefx: x }\n`), ['redis.prefx: unknown key']);
});

test('a wrong type is named', () => {
  assert.deepEqual(issues(`${base}ingest: { batchMaxSize: lots }\n`), [
    'ingest.batchMaxSize: must be an integer from 1 to 10000',
  ]);
});

test('a missing webhook url is named with its index', () => {
  assert.deepEqual(issues(`${base}webhooks:\n  - { id: a, secret: ${SECRET} }\n`), [
    'webhooks[0].url: is required',
  ]);
});

test('a non-URL url is named', () => {
  assert.deepEqual(
    issues(
      `${base}webhooks:\n  - { id: a, url: "not a url", secret: ${SECRET} }\n  - { id: b, url: "ftp://x/y", secret: ${SECRET} }\n`,
    ),
    ['webhooks[0].url: must be an http(s) URL', 'webhooks[1].url: must be an http(s) URL'],
  );
});

test('duplicate webhook ids are named', () => {
  assert.deepEqual(
    issues(
      `${base}webhooks:\n  - { id: a, url: "http://x/1", secret: ${SECRET} }\n  - { id: a, url: "http://x/2", secret: ${SECRET} }\n`,
    ),
    ['webhooks[1].id: duplicate id "a" (also webhooks[0])'],
  );
});

test('an empty topics list is named', () => {
  assert.deepEqual(
    issues(`${base}webhooks:\n  - { id: a, url: "http://x/1", secret: ${SECRET}, topics: [] }\n`),
    ['webhooks[0].topics: must list at least one topic filter'],
  );
});

test('a malformed YAML file gives line and column', () => {
  const lines = issues('redis:\n  url: "redis://x\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /c\d+\.yaml:\d+:\d+: YAML syntax error: /);
});

test('a missing config file is named', () => {
  assert.throws(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} }), {
    message: `cannot read config file ${join(dir, 'nope.yaml')}: file not found`,
  });
});

test('all problems are reported at once, one line each', () => {
  const lines = issues(
    `${base}bogus: 1\nlog: { level: loud }\nwebhooks:\n  - { id: "bad id", url: x, secret: nope, topics: ["a/#/b"] }\n`,
  );
  assert.deepEqual(lines, [
    'bogus: unknown key',
    'webhooks[0].id: must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
    'webhooks[0].url: must be an http(s) URL',
    'webhooks[0].secret: must be a Standard Webhooks secret: "whsec_" (HMAC) or "whsk_" (ed25519) followed by base64',
    `webhooks[0].topics: "a/#/b" is not a valid topic filter: '#' must be the whole last level`,
    'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
  ]);
});

test('a token provider of an unknown kind, and a webhook naming a missing provider', () => {
  assert.deepEqual(issues(`${base}tokenProviders:\n  - { id: p, kind: magic }\n`), [
    'tokenProviders[0].kind: must be one of "aeris", "oauth2-client-credentials", "oauth2-pkce", "static"',
  ]);
  assert.deepEqual(
    issues(
      `${base}webhooks:\n  - { id: a, url: "http://x/1", secret: ${SECRET}, auth: { provider: nope } }\n`,
    ),
    ['webhooks[0].auth.provider: names no tokenProviders entry ("nope")'],
  );
});

test('the lufthansa source needs its key and secret', () => {
  assert.deepEqual(issues('source: { kind: lufthansa }\n'), [
    'source.lufthansa.clientKey: is required when source.kind is lufthansa',
    'source.lufthansa.clientSecret: is required when source.kind is lufthansa',
  ]);
});

test('env vars override the file, and <ENV>_FILE supplies secrets', () => {
  const secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, 'from-a-file\n');
  const config = loadConfig({
    file: file('source: { kind: lufthansa, lufthansa: { clientKey: k, clientSecret: s } }\n'),
    env: {
      FLUP_LOG_LEVEL: 'debug',
      FLUP_LH_CLIENT_SECRET_FILE: secretFile,
      FLUP_INGEST_BATCH_MAX_SIZE: '64',
    },
  });
  assert.equal(config.log.level, 'debug');
  assert.equal(config.source.lufthansa.clientSecret, 'from-a-file');
  assert.equal(config.ingest.batchMaxSize, 64);
});

test('a bad env value is named by its key', () => {
  assert.deepEqual(issues(base, { FLUP_REDIS_URL: 'http://nope' }), [
    'redis.url: must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL',
  ]);
});

test('list-item secrets can come from <key>File', () => {
  const secretFile = join(dir, 'whsec.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
  const config = loadConfig({
    file: file(`${base}webhooks:\n  - { id: a, url: "http://x/1", secretFile: "${secretFile}" }\n`),
    env: {},
  });
  assert.deepEqual(config.webhooks[0]!.secrets, [SECRET]);
});

test('masking hides every secret and keeps the rest', () => {
  const config = loadConfig({
    file: file(`
redis: { url: "redis://:hunter22@127.0.0.1:6379" }
source: { kind: lufthansa, lufthansa: { clientKey: key-1234, clientSecret: sec-5678 } }
admin: { token: admintoken }
tokenProviders:
  - { id: p, kind: oauth2-client-credentials, tokenUrl: "http://t/x", clientId: cid, clientSecret: cs-9999 }
webhooks:
  - { id: a, url: "http://x/1", secret: ${SECRET}, auth: { provider: p } }
`),
    env: {},
  });
  const text = JSON.stringify(maskConfig(config));
  for (const secret of ['hunter22', 'key-1234', 'sec-5678', 'admintoken', 'cs-9999', SECRET])
    assert.ok(!text.includes(secret), secret);
  assert.ok(text.includes(MASK));
  assert.ok(text.includes('cid'));
  assert.ok(text.includes('127.0.0.1:6379'));
});
