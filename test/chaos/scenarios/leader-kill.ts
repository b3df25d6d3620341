/** 5. Two replicas share one MQTT client id; the leader is SIGKILLed repeatedly. */
import { setTimeout as sleep } from 'node:timers/promises';
import { atMoments, randomMoments, type ChaosEnv } from '../harness.js';
import type { BridgeProcess } from '../bridge-process.js';
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

async function findLeader(env: ChaosEnv, timeoutMs: number): Promise<BridgeProcess | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const bridge of env.bridges) {
      if (bridge.running && (await bridge.role()) === 'leader') return bridge;
    }
    await sleep(200);
  }
  return undefined;
}

export function killLeader(count: number) {
  return async (env: ChaosEnv, streamMs: number): Promise<void> => {
    const moments = randomMoments(count, streamMs * 0.05, streamMs * 0.85);
    await atMoments(moments, async (i) => {
      const leader = await findLeader(env, 30_000);
      if (!leader) throw new Error('no replica became leader within 30 s');
      await leader.kill();
      env.note(`SIGKILL leader ${leader.name} (${i + 1}/${count})`);
      await sleep(1000);
      leader.start();
      await leader.waitReady(60_000);
      const next = await findLeader(env, 30_000);
      env.note(`${leader.name} back as standby; leader now ${next?.name ?? 'none'}`);
    });
  };
}

export const leaderKill: Scenario = {
  id: '5-leader-kill',
  title: 'Two replicas (leaderLockTtl 3 s); SIGKILL the leader 5×',
  estimateSeconds: 90,
  run: () =>
    runStream({
      id: '5-leader-kill',
      title: leaderKill.title,
      env: { replicas: 2 },
      valid: 12_000,
      rate: 300,
      chaos: killLeader(5),
    }),
};
