import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'flup-cli-'));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('config check prints the effective config with secrets masked and exits 0', () => {
  const { code, stdout, stderr } = cli(['config', 'check', 'config/example.yaml']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /config\/example\.yaml: valid/);
  assert.match(stdout, /clientSecret: "\*+"/);
  assert.ok(!stdout.includes('your-app-secret'));
  assert.ok(!stdout.includes('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
  assert.match(stdout, /batchMaxSize: 500/);
  // Durations read as written: 30d, 15s, not milliseconds.
  assert.match(stdout, /renewBefore: 30d/);
  assert.match(stdout, /\n {4}timeout: 15s\n/);
});

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const cases: Array<[string, string, RegExp]> = [
  ['unknown key', 'source: { kind: mqtt }\nredis: { nope: 1 }\n', /^config error: redis\.nope: unknown key$/],
  [
    'wrong type',
    'source: { kind: mqtt }\nadmin: { listen: 12 }\n',
    /^config error: admin\.listen: must be host:port/,
  ],
  [
    'missing webhook url',
    `source: { kind: mqtt }\nwebhooks: [{ id: a, secret: ${SECRET} }]\n`,
    /^config error: webhooks\[0\]\.url: is required$/,
  ],
  [
    'non-URL url',
    `source: { kind: mqtt }\nwebhooks: [{ id: a, url: hello, secret: ${SECRET} }]\n`,
    /^config error: webhooks\[0\]\.url: must be an http\(s\) URL$/,
  ],
  [
    'duplicate ids',
    `source: { kind: mqtt }\nwebhooks: [{ id: a, url: "http://h/1", secret: ${SECRET} }, { id: a, url: "http://h/2", secret: ${SECRET} }]\n`,
    /^config error: webhooks\[1\]\.id: duplicate id "a"/,
  ],
  [
    'empty topics',
    `source: { kind: mqtt }\nwebhooks: [{ id: a, url: "http://h/1", secret: ${SECRET}, topics: [] }]\n`,
    /^config error: webhooks\[0\]\.topics: must list at least one topic filter$/,
  ],
  ['malformed YAML', 'source:\n  kind: [mqtt\n', /^config error: .*\.yaml:\d+:\d+: YAML syntax error: /],
];

for (const [name, yaml, expected] of cases) {
  test(`config check: ${name} exits 78 with one line naming the key`, () => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, yaml);
    const { code, stdout, stderr } = cli(['config', 'check', file]);
    assert.equal(code, 78);
    assert.equal(stdout, '');
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, expected);
    assert.ok(!stderr.includes('    at '), 'no stack trace');
  });
}

test('config check: a missing file exits 78 naming it', () => {
  const { code, stderr } = cli(['config', 'check', join(dir, 'absent.yaml')]);
  assert.equal(code, 78);
  assert.equal(
    stderr.trim(),
    `config error: cannot read config file ${join(dir, 'absent.yaml')}: file not found`,
  );
});

test('run with a bad config exits 78 before starting anything', () => {
  const file = join(dir, 'run-bad.yaml');
  writeFileSync(file, 'source: { kind: lufthansa }\n');
  const { code, stderr } = cli(['run', '--config', file]);
  assert.equal(code, 78);
  assert.match(stderr, /source\.lufthansa\.clientKey: is required/);
});

test('FLUP_CONFIG names the file when --config is absent', () => {
  const { code, stdout } = cli(['config', 'check'], { FLUP_CONFIG: 'config/example.yaml' });
  assert.equal(code, 0);
  assert.match(stdout, /example\.yaml: valid/);
});

test('--version and --help', () => {
  const version = cli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = cli(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['run', 'config', 'credentials', 'auth', 'dlq', 'demo'])
    assert.match(help.stdout, new RegExp(`\\n  ${command} `));
  assert.equal(cli(['frobnicate']).code, 2);
});

test('config check: redis.url with redis.sentinel exits 78 naming both keys', () => {
  const file = join(dir, 'redis-mixture.yaml');
  writeFileSync(
    file,
    'source: { kind: mqtt }\nredis:\n  url: "redis://127.0.0.1:6379"\n  sentinel: { name: m, nodes: ["127.0.0.1:26379"] }\n',
  );
  const { code, stdout, stderr } = cli(['config', 'check', file]);
  assert.equal(code, 78);
  assert.equal(stdout, '');
  assert.equal(
    stderr.trim(),
    'config error: redis: give exactly one of redis.url, redis.sentinel, redis.cluster (got redis.url and redis.sentinel)',
  );
});

test('config check accepts the Sentinel and Cluster forms', () => {
  for (const [name, yaml] of [
    ['sentinel', 'redis:\n  sentinel: { name: m, nodes: ["127.0.0.1:26379"] }\n  minReplicas: 1\n'],
    ['cluster', 'redis:\n  cluster: { nodes: ["127.0.0.1:7000", "127.0.0.1:7001"] }\n'],
  ]) {
    const file = join(dir, `redis-${name}.yaml`);
    writeFileSync(file, `source: { kind: mqtt }\n${yaml}`);
    const { code, stderr } = cli(['config', 'check', file]);
    assert.equal(code, 0, stderr);
  }
});
