/** Publishes as the simulated Lufthansa broker at a steady rate; every publish resolves once queued. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LufthansaBrokerSim } from '../../src/sim/broker.js';
import type { OutgoingMessage } from './payloads.js';
import type { PublishResult } from './publisher.js';

export async function publishViaSim(
  broker: LufthansaBrokerSim,
  messages: OutgoingMessage[],
  rate: number,
): Promise<PublishResult> {
  const acked = new Map<number, string>();
  const startedAt = Date.now();
  for (const [i, message] of messages.entries()) {
    // Pacing to the rate (not synchronisation): the stream is spread over time on purpose.
    const wait = startedAt + (i * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
    await broker.publish(message.topic, message.payload, 1);
    acked.set(message.seq, message.kind);
  }
  return { published: acked.size, acked, republished: 0, startedAt, finishedAt: Date.now() };
}
