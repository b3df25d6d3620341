/**
 * `flup-bridge demo` end to end as a user runs it: deliveries appear, the dashboard URL works
 * with its token, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops
 * everything with exit 0, the throwaway redis-server included.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/servers.js';
import { waitWhileProgressing } from '../helpers/progress.js';
import { alive, spawnGroup } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('demo delivers, serves the dashboard and stops cleanly on Ctrl-C', { timeout: 90_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, FLUP_LOG_LEVEL: 'warn' };
  delete env.REDIS_URL;
  // Through the test launcher, which prints a line per dependency loaded: the start's progress.
  const child = spawnGroup(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/launch.ts', 'src/cli/main.ts', 'demo', '--rate', '20'],
    ROOT,
    env,
  );
  const exited = child.exited;
  after(() => {
    if (alive(-child.pid)) process.kill(-child.pid, 'SIGKILL');
  });

  // Guarded on silence, not on the total: a loaded machine makes the start slow, not quiet.
  const dashboard = (await waitWhileProgressing(
    () => /dashboard\s+(http:\S+)#token=(\S+)/.exec(child.output()),
    () => child.output().length,
    30_000,
    'the dashboard line',
  )) as RegExpExecArray;
  const redisPid = Number(/redis-server \(pid (\d+)\)/.exec(child.output())?.[1]);
  assert.ok(redisPid > 0, `redis pid in:\n${child.output()}`);
  // Receivers print one line per verified delivery: "<time>  ops  200  flight.x  LH400 ...".
  await waitFor(
    () => (child.output().match(/ ops\s+200 /g) ?? []).length >= 5,
    30_000,
    `5 deliveries to ops in:\n${child.output()}`,
  );
  await waitFor(() => /^-- \d+s: published \d+/m.test(child.output()), 15_000, 'a summary line');

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
  assert.doesNotMatch(child.output(), /REJECTED/, 'every delivery verified');

  process.kill(-child.pid, 'SIGINT');
  assert.equal(await exited, 0, child.output().slice(-2000));
  await waitFor(() => !alive(redisPid), 5000, 'the throwaway redis-server to be gone');
});
