/**
 * Make-before-break login rotation: when the broker login is renewed (a new clientID, hence a new
 * broker session), a successor connection connects and subscribes with it before the current
 * session is closed, so no message is missed. MqttIngest decides when and switches over.
 */
import { connect, type MqttClient, type IPublishPacket } from 'mqtt';
import type { BrokerTarget } from '../sources/index.js';

export interface SuccessorOptions {
  target: BrokerTarget;
  topics: string[];
  qos: 0 | 1;
  /** Messages the successor receives (it acks them like the current connection). */
  onPublish(client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void;
  /** Connected and every topic granted: switch to it. */
  onReady(client: MqttClient, granted: number[]): void;
  /** Connecting or subscribing failed; returns false when the successor was already dropped. */
  onFailed(client: MqttClient, reason: string): boolean;
}

/** Connects the successor; on failure it is closed and onFailed is told why. */
export function connectSuccessor(options: SuccessorOptions): MqttClient {
  const { target, topics, qos } = options;
  const successor = target.url ? connect(target.url, target.options) : connect(target.options);
  successor.handleMessage = (packet, callback) => options.onPublish(successor, packet, callback);
  const abandon = (reason: string) => {
    if (!options.onFailed(successor, reason)) return;
    successor.removeAllListeners();
    successor.on('error', () => undefined);
    successor.end(true);
  };
  successor.on('error', (err) => abandon(err.message));
  successor.on('close', () => abandon('connection closed'));
  successor.once('connect', () => {
    successor.subscribe(topics, { qos }, (err, _subs, packet) => {
      const granted = (packet?.granted ?? []) as unknown[];
      const codes = granted.map((c) => (typeof c === 'number' ? c : Number((c as { qos?: number }).qos)));
      if (err || codes.length !== topics.length || codes.some((c) => c >= 0x80)) {
        abandon(`subscription refused (${err?.message ?? codes.join(',')})`);
        return;
      }
      options.onReady(successor, codes);
    });
  });
  return successor;
}
