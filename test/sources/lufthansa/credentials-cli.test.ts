import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { connectRedis } from '../../../src/redis/connection.js';
import { LufthansaApiSim } from '../../../src/sim/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../../helpers/servers.js';
import { cleanRedis } from '../../helpers/credentials-harness.js';
import { credentialKey } from '../../../src/sources/index.js';

type Io = Parameters<typeof main>[1];

function sink<S>(): { stream: S; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream: stream as unknown as S, text: () => out };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink<NonNullable<Io>['stdout']>();
  const stderr = sink<NonNullable<Io>['stderr']>();
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test('flup-bridge credentials show|renew against the simulator', async (t) => {
  const sim = new LufthansaApiSim({ brokerEndpoint: 'broker.sim' });
  await sim.start();
  const redis = connectRedis(SHARED_REDIS_URL);
  const prefix = uniquePrefix('cli');
  const dir = mkdtempSync(join(tmpdir(), 'flup-cli-'));
  t.after(async () => {
    await cleanRedis(redis, prefix);
    redis.disconnect();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = join(dir, 'flup.yaml');
  writeFileSync(
    config,
    [
      `redis: { url: "${SHARED_REDIS_URL}", prefix: "${prefix}" }`,
      'source:',
      '  kind: lufthansa',
      `  lufthansa: { apiBase: "${sim.url}", clientKey: demo-key, clientSecret: demo-secret, clientId: cli }`,
      'tokenProviders:',
      '  - { id: legacy, kind: static, token: abcdef }',
      'log: { level: warn }',
    ].join('\n') + '\n',
  );

  const empty = await cli(['credentials', 'show', '--config', config]);
  assert.equal(empty.code, 1);
  assert.match(empty.stdout, /no broker credentials in Redis yet .*flup-bridge credentials renew/);
  assert.equal(sim.calls.certificate, 0, 'show never fetches');

  const renewed = await cli(['credentials', 'renew', '--config', config]);
  assert.equal(renewed.code, 0, renewed.stderr);
  const clientId = /clientID:\s+(cli_\d{9})/.exec(renewed.stdout)?.[1];
  assert.ok(clientId, renewed.stdout);
  assert.equal(sim.calls.certificate, 1);

  const shown = await cli(['credentials', 'show', '--config', config]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`clientID:\\s+${clientId}\\n`));
  assert.match(shown.stdout, /endpoint:\s+broker\.sim\n/);
  assert.match(shown.stdout, /expires:\s+\d{4}-\d\d-\d\dT[\d:.]+Z \(in 7\d\d days\)/);
  const jwt = (JSON.parse((await redis.get(credentialKey(prefix, 'cli')))!) as { jwt: string }).jwt;
  for (const out of [renewed, shown]) {
    assert.ok(!out.stdout.includes(jwt) && !out.stderr.includes(jwt), 'the JWT is never printed');
    assert.ok(!out.stdout.includes(jwt.split('.')[1]!), 'not even its payload');
  }

  const again = await cli(['credentials', 'renew', '--config', config]);
  assert.equal(again.code, 0);
  assert.notEqual(/clientID:\s+(\S+)/.exec(again.stdout)?.[1], clientId, 'renew forces new credentials');
  assert.equal(sim.calls.certificate, 2);

  sim.setFault('certificate', 'server-error');
  const failed = await cli(['credentials', 'renew', '--config', config]);
  assert.equal(failed.code, 1);
  assert.match(
    failed.stderr,
    /flup-bridge credentials: renewal failed: Certificate Manager .* answered HTTP 500/,
  );
  sim.setFault('certificate', null);

  const usage = await cli(['credentials', 'rotate', '--config', config]);
  assert.equal(usage.code, 2);
  const notPkce = await cli(['auth', 'login', 'legacy', '--config', config]);
  assert.equal(notPkce.code, 2);
  assert.match(notPkce.stderr, /token provider "legacy" is static; only oauth2-pkce providers need a login/);
  const unknown = await cli(['auth', 'login', 'nobody', '--config', config]);
  assert.match(unknown.stderr, /no token provider "nobody" in tokenProviders \(known: legacy\)/);
});
