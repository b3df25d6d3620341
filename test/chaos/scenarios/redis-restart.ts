/** 2. Restart Redis twice mid-stream: graceful (SIGTERM) and crash (SIGKILL) variants. */
import { atMoments, type ChaosEnv } from '../harness.js';
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

/** Restarts Redis at 30% and 65% of the stream, down for downMs each time. */
export function restartRedis(signal: NodeJS.Signals, times = 2, downMs = 2000) {
  return async (env: ChaosEnv, streamMs: number): Promise<void> => {
    const moments = Array.from(
      { length: times },
      (_, i) => streamMs * (0.3 + (0.35 * i) / Math.max(1, times - 1)),
    );
    await atMoments(moments, async (i) => {
      env.note(`${signal} Redis (${i + 1}/${times})`);
      await env.redis.restart(signal, downMs);
      env.note('Redis back');
    });
  };
}

function redisScenario(signal: 'SIGTERM' | 'SIGKILL'): Scenario {
  const id = `2${signal === 'SIGTERM' ? 'a' : 'b'}-redis-${signal.toLowerCase()}`;
  const title = `Restart Redis 2× mid-stream (${signal}, AOF everysec, down 2 s)`;
  return {
    id,
    title,
    estimateSeconds: 75,
    run: () => runStream({ id, title, valid: 10_000, rate: 400, chaos: restartRedis(signal) }),
  };
}

export const redisSigterm = redisScenario('SIGTERM');
export const redisSigkill = redisScenario('SIGKILL');
