/**
 * 4. Receivers that fail: a 60 s outage (503), random 5xx on 30% of requests, connection resets,
 * answers that hang past the webhook timeout, and a receiver that answers only after 20 s.
 */
import type { Scenario } from '../scenario.js';
import { outageFor, randomly, type Fault } from '../receiver.js';
import { runStream } from '../stream.js';

const statuses = [500, 502, 503, 504];

export const receiverOutage: Scenario = {
  id: '4a-receiver-503-60s',
  title: 'Receiver answers 503 for 60 s from the start of the stream',
  estimateSeconds: 100,
  run: () =>
    runStream({
      id: '4a-receiver-503-60s',
      title: receiverOutage.title,
      valid: 5_000,
      rate: 200,
      before: (env) => env.receiver.setFault(outageFor(60_000)),
      drain: { maxMs: 240_000 },
    }),
};

export const receiverRandom5xx: Scenario = {
  id: '4b-receiver-5xx-30pct',
  title: 'Receiver answers a random 5xx to 30% of requests',
  estimateSeconds: 45,
  run: () =>
    runStream({
      id: '4b-receiver-5xx-30pct',
      title: receiverRandom5xx.title,
      valid: 5_000,
      rate: 400,
      before: (env) =>
        env.receiver.setFault(
          randomly(0.3, (): Fault => ({
            kind: 'status',
            status: statuses[Math.floor(Math.random() * statuses.length)]!,
          })),
        ),
    }),
};

export const receiverResets: Scenario = {
  id: '4c-receiver-resets',
  title: 'Receiver resets the TCP connection (RST) on 30% of requests',
  estimateSeconds: 45,
  run: () =>
    runStream({
      id: '4c-receiver-resets',
      title: receiverResets.title,
      valid: 5_000,
      rate: 400,
      before: (env) => env.receiver.setFault(randomly(0.3, (): Fault => ({ kind: 'reset' }))),
    }),
};

export const receiverHangs: Scenario = {
  id: '4d-receiver-hangs',
  title: 'Receiver hangs 10 s (webhook timeout 2 s) on 10% of requests',
  estimateSeconds: 60,
  run: () =>
    runStream({
      id: '4d-receiver-hangs',
      title: receiverHangs.title,
      env: { webhook: { timeout: '2s' } },
      valid: 2_000,
      rate: 200,
      before: (env) => env.receiver.setFault(randomly(0.1, (): Fault => ({ kind: 'hang', ms: 10_000 }))),
    }),
};

export const receiverSlow: Scenario = {
  id: '4e-receiver-slow-20s',
  title: 'Receiver answers 200 only after 20 s (timeout 30 s, concurrency 100)',
  estimateSeconds: 100,
  run: () =>
    runStream({
      id: '4e-receiver-slow-20s',
      title: receiverSlow.title,
      env: { webhook: { timeout: '30s', concurrency: 100, connections: 128 } },
      valid: 300,
      rate: 50,
      before: (env) => env.receiver.setFault(() => ({ kind: 'slow', ms: 20_000 })),
      drain: { maxMs: 240_000, quietMs: 45_000 },
    }),
};
