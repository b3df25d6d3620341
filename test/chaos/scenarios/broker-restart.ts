/** 3. Restart the broker (mosquitto, persistence on) twice mid-stream. */
import { atMoments, type ChaosEnv } from '../harness.js';
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

/**
 * Restarts mosquitto at 30% and 65% of the stream. SIGTERM: mosquitto saves its store on the way
 * down. (A SIGKILLed mosquitto loses what arrived since its last autosave: the broker's own loss,
 * which no client can recover, so it is not a test of the bridge.)
 */
export function restartBroker(times = 2, downMs = 2000) {
  return async (env: ChaosEnv, streamMs: number): Promise<void> => {
    const moments = Array.from(
      { length: times },
      (_, i) => streamMs * (0.3 + (0.35 * i) / Math.max(1, times - 1)),
    );
    await atMoments(moments, async (i) => {
      env.note(`SIGTERM mosquitto (${i + 1}/${times})`);
      await env.broker.restart('SIGTERM', downMs);
      env.note('mosquitto back');
    });
  };
}

export const brokerRestart: Scenario = {
  id: '3-broker-restart',
  title: 'Restart mosquitto (persistence on) 2× mid-stream (SIGTERM, down 2 s)',
  estimateSeconds: 75,
  run: () =>
    runStream({
      id: '3-broker-restart',
      title: brokerRestart.title,
      valid: 10_000,
      rate: 400,
      chaos: restartBroker(),
    }),
};
