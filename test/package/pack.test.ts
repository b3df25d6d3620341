/**
 * The package as a user gets it: `npm pack`, then the tarball installed without devDependencies
 * into an empty folder. The installed CLI prints its version, checks the shipped example config and
 * runs the demo until a delivery prints; Ctrl-C (SIGINT to the process group) leaves no process.
 * The install must not warn EBADENGINE: every dependency it resolves runs on Node 20.18+.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/servers.js';
import { alive, spawnGroup } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The environment without npm's own npm_* variables (set when the tests run from `npm test`). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  delete env.REDIS_URL;
  for (const k of Object.keys(env)) if (k.startsWith('FLUP_')) delete env[k];
  return { ...env, ...extra };
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env = cleanEnv(),
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}`, stdout });
    });
  });
}

describe('the packed package', { timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'flup-pack-'));
  const app = join(work, 'app');
  let installOutput = '';
  let bin = '';

  before(async () => {
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    assert.equal(packed.code, 0, packed.out);
    // prepare's build output goes to stdout before npm's JSON.
    const json = packed.stdout.slice(packed.stdout.lastIndexOf('\n[\n') + 1);
    const [{ filename, files }] = JSON.parse(json) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const paths = files.map((f) => f.path);
    for (const needed of ['LICENSE', 'dist/cli/main.js', 'config/example.yaml', 'config/demo.yaml'])
      assert.ok(paths.includes(needed), `the package ships ${needed}`);
    assert.ok(
      paths.some((p) => p.startsWith('deploy/k8s/')),
      'the package ships deploy/',
    );
    assert.ok(!paths.some((p) => p.startsWith('src/') || p.startsWith('test/')), 'no sources or tests');

    await run('mkdir', ['-p', app], work);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'flup-user', private: true }));
    const installed = await run(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel', 'warn', join(work, filename)],
      app,
    );
    installOutput = installed.out;
    assert.equal(installed.code, 0, installed.out);
    bin = join(app, 'node_modules/.bin/flup-bridge');
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('installs without EBADENGINE on this Node', () => {
    assert.doesNotMatch(installOutput, /EBADENGINE/, installOutput);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string; dev?: boolean }>;
    };
    assert.equal(lock.packages['node_modules/light-my-request']?.version, '6.6.0');
    assert.ok(!lock.packages['node_modules/aedes']?.dev, 'aedes is installed as a runtime dependency');
  });

  it('prints its version', async () => {
    const { code, out } = await run(bin, ['--version'], app);
    assert.equal(code, 0, out);
    assert.equal(out.trim(), PKG.version);
  });

  it('checks the shipped example config', async () => {
    const example = join(app, 'node_modules/flup-bridge/config/example.yaml');
    const env = cleanEnv({ FLUP_LH_CLIENT_KEY: 'key', FLUP_LH_CLIENT_SECRET: 'secret' });
    const { code, out } = await run(bin, ['config', 'check', example], app, env);
    assert.equal(code, 0, out);
    assert.match(out, /^\s*clientSecret: "\*+"$/m, 'the secret is shown masked');
    assert.doesNotMatch(out, /clientSecret: "?secret"?$/m, 'and never in clear');
  });

  it('runs the demo until a delivery prints and stops on Ctrl-C with no process left', async () => {
    const child = spawnGroup(bin, ['demo', '--rate', '20'], app, cleanEnv({ FLUP_LOG_LEVEL: 'warn' }));
    let redisPid = 0;
    try {
      // Receivers print one line per verified delivery: "<time>  ops  200  flight.x  LH400 ...".
      const delivered = () => / ops\s+200 /.test(child.output());
      await waitFor(() => delivered() || child.hasExited(), 120_000, 'a delivery to ops').catch(
        (err: Error) => assert.fail(`${err.message}; the demo printed:\n${child.output()}`),
      );
      assert.ok(delivered(), `the demo exited before a delivery:\n${child.output()}`);
      redisPid = Number(/redis-server \(pid (\d+)\)/.exec(child.output())?.[1] ?? 0);
      assert.doesNotMatch(child.output(), /Cannot find package|ERR_MODULE_NOT_FOUND/);
      process.kill(-child.pid, 'SIGINT');
      assert.equal(await child.exited, 0, child.output().slice(-2000));
      await waitFor(() => !alive(-child.pid), 10_000, 'the demo process group to be gone');
      if (redisPid) await waitFor(() => !alive(redisPid), 10_000, 'the throwaway redis-server to be gone');
    } finally {
      if (alive(-child.pid)) process.kill(-child.pid, 'SIGKILL');
      if (redisPid && alive(redisPid)) process.kill(redisPid, 'SIGKILL');
    }
  });
});
