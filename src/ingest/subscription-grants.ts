/**
 * SUBACK bookkeeping of the MQTT session: the QoS the broker granted per topic filter (for status
 * and metrics), an error for a refused filter, and one warning per filter granted below the QoS
 * asked for (messages sent while disconnected would then not be redelivered).
 */
import type { Logger, Metrics } from '../core/index.js';

export class SubscriptionGrants {
  #granted: Record<string, number> = {};
  readonly #downgradesWarned = new Set<string>();

  readonly #qos: number;
  readonly #metrics: Metrics;
  readonly #log: Logger;

  constructor(qos: number, metrics: Metrics, log: Logger) {
    this.#qos = qos;
    this.#metrics = metrics;
    this.#log = log;
  }

  snapshot(): Record<string, number> {
    return { ...this.#granted };
  }

  onGranted(topic: string, code: number): void {
    const metrics = this.#metrics;
    this.#granted[topic] = code;
    if (code >= 0x80) {
      this.#log.error(
        { topic, code },
        `the broker refused the subscription to "${topic}" (SUBACK 0x${code.toString(16)}): check the topic filter and the client's auth groups`,
      );
      return;
    }
    metrics.mqttGrantedQos.set({ topic }, code);
    if (code < this.#qos) {
      metrics.mqttQosDowngrades.inc({ topic });
      if (!this.#downgradesWarned.has(topic)) {
        this.#downgradesWarned.add(topic);
        this.#log.warn(
          { topic, requested: this.#qos, granted: code },
          `the broker granted QoS ${code} for "${topic}" (requested ${this.#qos}): messages sent while the bridge is disconnected are not redelivered`,
        );
      }
    }
  }
}
