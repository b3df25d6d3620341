/**
 * Whether the broker kept our MQTT session across reconnects. A CONNACK with sessionPresent false
 * for a client id this process already had a session with means the messages the broker queued
 * while we were away are gone (a broker that lost its state, or an expiry): warned and counted.
 */
import type { AppDeps, Logger } from '../core/index.js';

export class SessionContinuity {
  readonly #deps: Pick<AppDeps, 'metrics' | 'clock'>;
  readonly #log: Logger;
  #clientId?: string;
  #lost = 0;
  #lastAt?: number;

  constructor(deps: Pick<AppDeps, 'metrics' | 'clock'>, log: Logger) {
    this.#deps = deps;
    this.#log = log;
  }

  /** Reconnects where the broker had not kept the session this process had with it. */
  get lost(): { count: number; lastAt?: number } {
    return { count: this.#lost, ...(this.#lastAt !== undefined ? { lastAt: this.#lastAt } : {}) };
  }

  /** A handed-over connection (new login): its session is new by design, not lost. */
  adopted(clientId: string): void {
    this.#clientId = clientId;
  }

  /** Called on every CONNACK. */
  connected(clientId: string, sessionPresent: boolean, broker: string): void {
    if (!sessionPresent && this.#clientId === clientId) {
      this.#lost += 1;
      this.#lastAt = this.#deps.clock.now();
      this.#deps.metrics.mqttSessionLost.inc();
      this.#log.warn(
        { broker, clientId, sessionsLost: this.#lost },
        'the MQTT broker did not keep our session (sessionPresent false on reconnect): messages published while disconnected may be lost upstream',
      );
    }
    this.#clientId = clientId;
  }
}
