/**
 * Publishes a stream of messages with QoS 1 at a steady rate, keeping a window of unacknowledged
 * publishes open. A message counts as published when the broker's PUBACK arrived. When the broker
 * goes away, mqtt.js keeps QoS 1 messages in its outgoing store and resends them after the
 * reconnect; a publish that still gets no PUBACK in time is sent again (same topic and payload, so
 * the bridge's content-hash dedup makes the copy harmless and the suite checks that it does).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutgoingMessage } from './payloads.js';

export interface PublisherOptions {
  url: string;
  /** Messages per second (0 = as fast as the window allows). */
  rate: number;
  /** Unacknowledged publishes at once. */
  window?: number;
  /** A publish without PUBACK for this long is sent again. */
  republishAfterMs?: number;
}

export interface PublishResult {
  published: number;
  /** seq → kind of every acknowledged message. */
  acked: Map<number, string>;
  republished: number;
  startedAt: number;
  finishedAt: number;
}

export class Publisher {
  readonly acked = new Map<number, string>();
  republished = 0;
  #client?: MqttClient;
  #stopped = false;
  #progress = 0;

  constructor(private readonly options: PublisherOptions) {}

  /** Messages handed to the client so far (acknowledged or not). */
  get sent(): number {
    return this.#progress;
  }

  async connect(): Promise<void> {
    this.#client = await mqtt.connectAsync(this.options.url, {
      clientId: `chaos-pub-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 250,
      connectTimeout: 5000,
      protocolVersion: 4,
    });
    // Errors while the broker is down are expected; the reconnect loop handles them.
    this.#client.on('error', () => undefined);
  }

  async publishAll(messages: OutgoingMessage[]): Promise<PublishResult> {
    const client = this.#client;
    if (!client) throw new Error('Publisher: connect() first');
    const window = this.options.window ?? 200;
    const republishAfterMs = this.options.republishAfterMs ?? 30_000;
    const startedAt = Date.now();
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < messages.length && !this.#stopped; i++) {
      const message = messages[i]!;
      if (this.options.rate > 0) {
        const due = startedAt + (i * 1000) / this.options.rate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      while (inflight.size >= window) await Promise.race(inflight);
      const task = this.#publishOne(client, message, republishAfterMs).finally(() => inflight.delete(task));
      inflight.add(task);
      this.#progress = i + 1;
    }
    await Promise.all(inflight);
    return {
      published: this.acked.size,
      acked: this.acked,
      republished: this.republished,
      startedAt,
      finishedAt: Date.now(),
    };
  }

  async #publishOne(client: MqttClient, message: OutgoingMessage, republishAfterMs: number): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const acked = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), republishAfterMs);
        client.publish(message.topic, message.payload, { qos: 1 }, (err) => {
          clearTimeout(timer);
          resolve(!err);
        });
      });
      if (acked) {
        this.acked.set(message.seq, message.kind);
        return;
      }
      this.republished += 1;
      await sleep(250);
    }
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.#client?.endAsync(true);
  }
}
