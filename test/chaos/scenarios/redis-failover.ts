/**
 * 10. Redis Sentinel (1 master + 1 replica + 3 sentinels), redis.minReplicas 1: a SENTINEL
 * FAILOVER and later a SIGKILL of the new master, mid-stream. The bridge must ride both without a
 * restart, /readyz must say "not ready" during each switch and "ready" after, and nothing may be
 * lost (PUBACKs only after a replica has the batch).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { atMoments, waitUntil, type ChaosEnv } from '../harness.js';
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

interface Sample {
  at: number;
  ready: boolean | undefined;
}

/**
 * Runs `action` (a master switch) and then, in the background, polls /readyz until it was not
 * ready at least once and ready again (bounded): the promise resolves when the switch is done,
 * the returned `watched` when the watch has its answer.
 */
async function watchedSwitch(
  env: ChaosEnv,
  label: string,
  action: () => Promise<{ from: number; to: number }>,
): Promise<{ watched: Promise<void> }> {
  const samples: Sample[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const answer = await env.bridge.readiness();
      samples.push({ at: Date.now(), ready: answer?.body.ready });
      await sleep(100);
    }
  })();
  const started = Date.now();
  env.note(`${label}: start`);
  const { from, to } = await action();
  env.note(`${label}: master ${from} → ${to} (${Date.now() - started} ms)`);
  const firstDown = () => samples.findIndex((s) => s.ready !== true);
  const recovered = () => firstDown() >= 0 && samples.slice(firstDown()).some((s) => s.ready === true);
  const watched = (async () => {
    await waitUntil(recovered, 60_000);
    polling = false;
    await poll;
    const down = samples.filter((s) => s.ready !== true);
    if (down.length === 0) {
      env.switchFindings.push(`${label}: /readyz never said not-ready during the switch`);
    } else if (!recovered()) {
      env.switchFindings.push(`${label}: /readyz not ready again within 60 s`);
    } else {
      const back = samples.slice(firstDown()).find((s) => s.ready === true)!;
      env.note(
        `${label}: /readyz not ready from +${down[0]!.at - started} ms, ready again at +${back.at - started} ms`,
      );
    }
  })();
  return { watched };
}

function sentinelChaos() {
  return async (env: ChaosEnv, streamMs: number): Promise<void> => {
    const group = env.sentinel!;
    const watches: Array<Promise<void>> = [];
    await atMoments([streamMs * 0.2, streamMs * 0.55], async (i) => {
      const switched =
        i === 0
          ? await watchedSwitch(env, 'SENTINEL FAILOVER', () => group.failover())
          : await watchedSwitch(env, 'SIGKILL of the master', async () => {
              const moved = await group.killMaster();
              // Back as a replica of the new master, so minReplicas 1 can be met again.
              const killed = group.servers.find((s) => s.port === moved.from)!;
              await killed.start();
              env.note(`killed server ${moved.from} restarted (rejoins as a replica)`);
              return moved;
            });
      watches.push(switched.watched);
    });
    await Promise.all(watches);
  };
}

export const sentinelFailover: Scenario = {
  id: '10-sentinel-failover',
  title: 'Sentinel, minReplicas 1: SENTINEL FAILOVER, then SIGKILL of the new master, mid-stream',
  estimateSeconds: 90,
  run: async () => {
    const result = await runStream({
      id: '10-sentinel-failover',
      title: sentinelFailover.title,
      env: { redisTopology: 'sentinel', redis: { minReplicas: 1 } },
      valid: 10_000,
      rate: 300,
      chaos: sentinelChaos(),
      drain: { maxMs: 240_000 },
      noRestarts: true,
      eventNotes: true,
    });
    return result;
  },
};
