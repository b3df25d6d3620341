/**
 * 9. Issue 20: SIGKILL the bridge during a stream of notifications of 20 flights (Lufthansa
 * source against the simulators, so messages carry a flight) and check the per-flight sequence
 * in Redis afterwards: every stored message has a number, the numbers of a flight run 1..n with
 * no gap and no repeat, and n over all flights equals the messages delivered.
 */
import { Redis } from 'ioredis';
import { LufthansaApiSim } from '../../../src/sim/index.js';
import { LufthansaBrokerSim } from '../../../src/sim/broker.js';
import { RedisKeys } from '../../../src/redis/index.js';
import { ChaosEnv, PREFIX, type ScenarioResult } from '../harness.js';
import { buildStream, FLIGHT_DATE } from '../payloads.js';
import type { Scenario } from '../scenario.js';
import { failedResult } from '../stream.js';
import { publishViaSim } from '../sim-publish.js';
import { killBridge } from './bridge-sigkill.js';

const FLIGHTS = 20;
const flightOf = (seq: number) => 100 + (seq % FLIGHTS);

/** Failures of the sequence check: per flight, stored numbers must be exactly 1..n. */
async function checkSequences(
  redisUrl: string,
  delivered: number,
): Promise<{ failures: string[]; note: string }> {
  const redis = new Redis(redisUrl);
  const keys = new RedisKeys(PREFIX);
  const failures: string[] = [];
  let numbered = 0;
  try {
    for (let f = 0; f < FLIGHTS; f++) {
      const ref = { carrier: 'LH', flightNumber: String(100 + f), date: FLIGHT_DATE };
      const scores = (await redis.zrange(keys.flightMessages(ref), 0, -1, 'WITHSCORES'))
        .filter((_, i) => i % 2 === 1)
        .map(Number);
      const last = Number((await redis.hget(keys.flightState(ref), 'seq')) ?? 0);
      numbered += scores.length;
      const expected = Array.from({ length: scores.length }, (_, i) => i + 1);
      if (scores.join() !== expected.join() || last !== scores.length)
        failures.push(
          `LH${100 + f}: stored sequences are not 1..n (n=${scores.length}, last given ${last}): ${scores.slice(0, 20).join(',')}`,
        );
    }
  } finally {
    redis.disconnect();
  }
  if (numbered !== delivered)
    failures.push(`${numbered} messages have a sequence, but ${delivered} distinct messages were delivered`);
  return { failures, note: `${numbered} messages numbered over ${FLIGHTS} flights, gapless` };
}

export async function runFlightSequence(valid = 4_000, rate = 200, kills = 5): Promise<ScenarioResult> {
  const id = '9-flight-sequence-sigkill';
  const title = `SIGKILL the bridge ${kills}× during a stream of ${FLIGHTS} flights: no sequence skipped or repeated`;
  const api = new LufthansaApiSim({ apps: [{ key: 'chaos-key', secret: 'chaos-secret' }] });
  await api.start();
  const broker = new LufthansaBrokerSim({ verifyLogin: (u, p) => api.verifyBrokerLogin(u, p) });
  await broker.start();
  api.brokerEndpoint = '127.0.0.1';
  const env = new ChaosEnv({
    source: {
      kind: 'lufthansa',
      lufthansa: {
        apiBase: api.url,
        clientKey: 'chaos-key',
        clientSecret: 'chaos-secret',
        clientId: 'flup-chaos',
        topics: ['prd/FlightUpdate/#'],
        qos: 1,
        broker: { host: '127.0.0.1', port: broker.port, tls: false },
      },
    },
    extra: { flightState: { maxSequencesPerFlight: 100_000 } },
  });
  try {
    await env.start();
    await env.startBridges(60_000, (message) => broker.publish(message.topic, message.payload, 1));
    const messages = buildStream(valid).map((m) => ({
      ...m,
      topic: m.topic.replace(/\/LH\d+\//, `/LH${flightOf(m.seq)}/`),
    }));
    const [published] = await Promise.all([
      publishViaSim(broker, messages, rate),
      killBridge(kills)(env, (valid / rate) * 1000).then(() => env.note('fault schedule done')),
    ]);
    for (const bridge of env.bridges) if (!bridge.running) bridge.start();
    const drained = await env.drain(published);
    const result = env.result(id, title, published, drained);
    const check = await checkSequences(env.redis.url, env.receiver.uniqueDelivered);
    result.failures.push(...check.failures);
    result.notes.push(check.note);
    return result;
  } catch (err) {
    return failedResult(id, title, err, env);
  } finally {
    await env.dispose();
    await broker.stop();
    await api.stop();
  }
}

export const flightSequenceSigkill: Scenario = {
  id: '9-flight-sequence-sigkill',
  title: 'SIGKILL the bridge during a flight stream: per-flight sequences stay 1..n',
  estimateSeconds: 90,
  run: () => runFlightSequence(),
};
