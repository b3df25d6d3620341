/**
 * 8. Clock and credentials: the broker JWT expires several times during the stream. The bridge
 * runs the Lufthansa source against the simulators (LufthansaApiSim issues JWTs that live
 * `jwtTtlSeconds`; LufthansaBrokerSim accepts only unexpired ones) and must renew
 * `renewBefore` ahead of expiry and switch brokers logins without losing a message.
 */
import { LufthansaApiSim } from '../../../src/sim/index.js';
import { LufthansaBrokerSim } from '../../../src/sim/broker.js';
import { ChaosEnv, type ScenarioResult } from '../harness.js';
import { buildStream } from '../payloads.js';
import type { Scenario } from '../scenario.js';
import { failedResult } from '../stream.js';
import { publishViaSim } from '../sim-publish.js';

const JWT_TTL_SECONDS = 20;
const RENEW_BEFORE = '8s';

export async function runJwtExpiry(valid = 3_000, rate = 50): Promise<ScenarioResult> {
  const id = '8-jwt-expiry';
  const title = `Broker JWT lives ${JWT_TTL_SECONDS} s (renewBefore ${RENEW_BEFORE}); renewed during a ${Math.round(valid / rate)} s stream`;
  const api = new LufthansaApiSim({
    apps: [{ key: 'chaos-key', secret: 'chaos-secret' }],
    jwtTtlSeconds: JWT_TTL_SECONDS,
  });
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
        renewBefore: RENEW_BEFORE,
        broker: { host: '127.0.0.1', port: broker.port, tls: false },
      },
    },
  });
  try {
    await env.start();
    await env.startBridges(60_000, (message) => broker.publish(message.topic, message.payload, 1));
    const certificatesBefore = api.calls.certificate;
    const published = await publishViaSim(broker, buildStream(valid), rate);
    env.note(`simulated broker published ${published.published}`);
    const drained = await env.drain(published);
    const result = env.result(id, title, published, drained);
    const renewals = api.calls.certificate - certificatesBefore;
    result.notes.push(
      `JWTs issued during the stream: ${renewals} (Certificate Manager calls ${api.calls.certificate}, token calls ${api.calls.token}); broker logins accepted ${broker.stats.connections}, refused ${broker.stats.refused}`,
    );
    const expected = Math.floor(valid / rate / (JWT_TTL_SECONDS - 8)) - 1;
    if (renewals < Math.max(1, expected)) {
      result.failures.push(
        `only ${renewals} JWT renewals during the stream; expected at least ${Math.max(1, expected)}`,
      );
    }
    return result;
  } catch (err) {
    return failedResult(id, title, err, env);
  } finally {
    await env.dispose();
    await broker.stop();
    await api.stop();
  }
}

export const jwtExpiry: Scenario = {
  id: '8-jwt-expiry',
  title: 'Broker JWT expires during the run and is renewed',
  estimateSeconds: 90,
  run: () => runJwtExpiry(),
};
