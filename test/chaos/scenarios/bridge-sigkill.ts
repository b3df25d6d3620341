/** 1. SIGKILL the bridge at random moments during a long stream, restarting it each time. */
import { randomMoments, atMoments, type ChaosEnv } from '../harness.js';
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

/** Kills the bridge at `count` random moments of the stream, restarting it after a short pause. */
export function killBridge(count: number) {
  return async (env: ChaosEnv, streamMs: number): Promise<void> => {
    const moments = randomMoments(count, streamMs * 0.05, streamMs * 0.9);
    await atMoments(moments, async (i) => {
      await env.bridge.kill();
      env.note(`SIGKILL bridge (${i + 1}/${count})`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
      env.bridge.start();
      // Ready before the next kill, so every kill hits a bridge that is moving messages.
      await env.bridge.waitReady(60_000);
      env.note('bridge ready again');
    });
  };
}

export const bridgeSigkill: Scenario = {
  id: '1-bridge-sigkill',
  title: 'SIGKILL the bridge 10× at random moments, restart each time',
  estimateSeconds: 120,
  run: () =>
    runStream({
      id: '1-bridge-sigkill',
      title: bridgeSigkill.title,
      valid: 20_000,
      rate: 400,
      chaos: killBridge(10),
    }),
};
