/**
 * Issue 18 items 4 and 5 at the configuration: a webhook URL with user:password@ is refused
 * (exit 78, pointing to auth / headers, the password never printed), and keys named like
 * Object.prototype members are unknown keys wherever they appear — `__proto__` cannot change a
 * webhook's effective settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { maskUrl } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'flup-sec-'));
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let n = 0;

function file(yaml: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

function cli(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function issues(yaml: string): string[] {
  try {
    loadConfig({ file: file(yaml), env: {} });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

const webhook = (extra: string) =>
  `source: { kind: mqtt }\nwebhooks:\n  - id: a\n    url: "http://127.0.0.1:1/x"\n    secret: ${SECRET}\n${extra}`;

test('a webhook URL with user:password@ exits 78 pointing to auth and headers, without the password', () => {
  const path = file(
    `source: { kind: mqtt }\nwebhooks: [{ id: a, url: "https://ops:hunter2-pw@hooks.example/x", secret: ${SECRET} }]\n`,
  );
  const { code, out } = cli(['config', 'check', path]);
  assert.equal(code, 78, out);
  assert.match(out, /webhooks\[0\]\.url: must not hold user:password@/);
  assert.match(out, /auth: \{ provider/);
  assert.match(out, /headers/);
  assert.ok(!out.includes('hunter2-pw'), out);
  assert.deepEqual(
    issues(
      `source: { kind: mqtt }\nwebhooks: [{ id: a, url: "https://token@hooks.example/x", secret: ${SECRET} }]\n`,
    ).length,
    1,
    'a user name alone is refused too',
  );
});

test('maskUrl: the one URL masking, password hidden, user kept, query dropped on demand', () => {
  assert.equal(maskUrl('redis://u:p%40ss@h:6379/0'), 'redis://u:********@h:6379/0');
  assert.equal(maskUrl('https://h/x?cs=secret#f', { dropQuery: true }), 'https://h/x');
  assert.equal(maskUrl('not a url', { fallback: 'redis.url' }), 'redis.url');
});

const BUILTINS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];

test('prototype-named keys are unknown keys at the top, in sections and in webhooks', () => {
  for (const key of BUILTINS) {
    const places: Array<[string, string]> = [
      [`${key}: { a: 1 }\nsource: { kind: mqtt }\n`, key],
      [`source: { kind: mqtt }\nredis:\n  ${key}: { prefix: x }\n`, `redis.${key}`],
      [webhook(`    ${key}:\n      enabled: false\n`), `webhooks[0].${key}`],
      [webhook(`    retry:\n      ${key}: { attempts: 1 }\n`), `webhooks[0].retry.${key}`],
      [webhook(`    headers:\n      ${key}: x\n`), `webhooks[0].headers.${key}`],
      [`source: { kind: mqtt }\ntokenProviders:\n  - { id: p, kind: ${key} }\n`, `tokenProviders[0].kind`],
    ];
    for (const [yaml, path] of places) {
      const found = issues(yaml);
      assert.ok(
        found.some((i) => i.startsWith(`${path}: `)),
        `${key}: expected an issue at ${path}, got ${JSON.stringify(found)}`,
      );
    }
  }
});

test('__proto__ inside a webhook does not change its effective config; the CLI exits 78 naming it', () => {
  const path = file(webhook(`    __proto__:\n      enabled: false\n`));
  const { code, out } = cli(['config', 'check', path]);
  assert.equal(code, 78, out);
  assert.match(out, /webhooks\[0\]\.__proto__: unknown key/);
  const plain = loadConfig({ file: file(webhook('')), env: {} });
  assert.equal(plain.webhooks[0]!.enabled, true);
  assert.equal(Object.getPrototypeOf(plain.webhooks[0]), Object.prototype);
});
