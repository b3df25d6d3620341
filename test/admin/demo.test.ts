/**
 * `flup-bridge demo` end to end as a user runs it: deliveries appear, the dashboard URL works
 * with its token, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops
 * everything with exit 0, the throwaway redis-server included.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/servers.js';
import { waitWhileProgressing } from '../helpers/progress.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('demo delivers, serves the dashboard and stops cleanly on Ctrl-C', { timeout: 90_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, FLUP_LOG_LEVEL: 'warn' };
  delete env.REDIS_URL;
  // Through the test launcher, which prints a line per dependency loaded: the start's progress.
  const command = ['--import', 'tsx', 'test/helpers/launch.ts', 'src/cli/main.ts', 'demo', '--rate', '20'];
  const child = spawn(process.execPath, command, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  after(() => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  // Guarded on silence, not on the total: a loaded machine makes the start slow, not quiet.
  const dashboard = (await waitWhileProgressing(
    () => /dashboard\s+(http:\S+)#token=(\S+)/.exec(out),
    () => out.length,
    30_000,
    'the dashboard line',
  )) as RegExpExecArray;
  const redisPid = Number(/redis-server \(pid (\d+)\)/.exec(out)?.[1]);
  assert.ok(redisPid > 0, `redis pid in:\n${out}`);
  // Receivers print one line per verified delivery: "<time>  ops  200  flight.x  LH400 ...".
  await waitFor(
    () => (out.match(/ ops\s+200 /g) ?? []).length >= 5,
    30_000,
    `5 deliveries to ops in:\n${out}`,
  );
  await waitFor(() => /^-- \d+s: published \d+/m.test(out), 15_000, 'a summary line');

  const [, base, token] = dashboard;
  const page = await fetch(base!);
  assert.equal(page.status, 200);
  const webhooks = (await (
    await fetch(`${base}api/webhooks`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as Array<{
    id: string;
    stats: { delivered: number } | null;
  }>;
  assert.deepEqual(webhooks.map((w) => w.id).sort(), ['disruptions', 'ops', 'raw-archive']);
  assert.ok(webhooks.find((w) => w.id === 'ops')!.stats!.delivered >= 5);
  assert.doesNotMatch(out, /REJECTED/, 'every delivery verified');

  process.kill(-child.pid!, 'SIGINT');
  assert.equal(await exited, 0, out.slice(-2000));
  await waitFor(() => !alive(redisPid), 5000, 'the throwaway redis-server to be gone');
});
