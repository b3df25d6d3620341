/** Issue 22 config: whsk_ secrets (errors name secret[j]) and the telemetry section, exit 78. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '../../src/signing-keys/index.js';

const dir = mkdtempSync(join(tmpdir(), 'flup-sig-'));

function check(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'config', 'check', file],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HMAC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const pair = generateSigningKeyPair();
const webhook = (secret: string) =>
  `source: { kind: mqtt }\nwebhooks: [{ id: a, url: "http://h/1", secret: ${secret} }]\n`;

test('a mixed whsec_ + whsk_ list is valid, and the whsk_ key is masked', () => {
  const { code, stdout, stderr } = check(webhook(`["${HMAC}", "${pair.secretKey}"]`));
  assert.equal(code, 0, stderr);
  assert.ok(!stdout.includes(pair.secretKey.slice(5, 30)));
});

const cases: Array<[string, string, NodeJS.ProcessEnv, RegExp]> = [
  [
    'a whpk_ public key in the list',
    webhook(`["${HMAC}", "${pair.publicKey}"]`),
    {},
    /^config error: webhooks\[0\]\.secret\[1\]: is an ed25519 public key \(whpk_\)/,
  ],
  [
    'a short whsk_ key',
    webhook(`["whsk_${Buffer.alloc(16).toString('base64')}"]`),
    {},
    /^config error: webhooks\[0\]\.secret\[0\]: must hold a 64-byte ed25519 secret key/,
  ],
  [
    'a bad telemetry.sampler',
    'source: { kind: mqtt }\ntelemetry: { sampler: sometimes }\n',
    {},
    /^config error: telemetry\.sampler: must be one of "always_on"/,
  ],
  [
    'a bad telemetry.endpoint',
    'source: { kind: mqtt }\ntelemetry: { enabled: true, endpoint: "collector:4318" }\n',
    {},
    /^config error: telemetry\.endpoint: must be an http\(s\) URL/,
  ],
  [
    'a bad OTEL_TRACES_SAMPLER_ARG',
    'source: { kind: mqtt }\n',
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
    /^config error: OTEL_TRACES_SAMPLER_ARG: must be a ratio between 0 and 1/,
  ],
];

for (const [name, yaml, env, expected] of cases) {
  test(`config check: ${name} exits 78 naming the key`, () => {
    const { code, stderr } = check(yaml, env);
    assert.equal(code, 78, stderr);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, expected);
    assert.ok(!stderr.includes(pair.secretKey.slice(5, 30)), 'no key material in the error');
  });
}
