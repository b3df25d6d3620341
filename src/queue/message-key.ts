/**
 * The stable identity of a message, from which the envelope id and every job id derive, so a QoS 1
 * redelivery (after a crash or reconnect) maps to the same jobs and adds nothing new.
 *
 * Default: sha-256 of topic, a NUL byte and the payload bytes. With ingest.dedupKey set to a dotted
 * JSON path (e.g. "Meta.MessageId"), the value of that field alone identifies the message; a message
 * without the field (or not JSON) falls back to the default. Always 64 lowercase hex digits, so it is
 * a valid BullMQ job id (no ':').
 */
import { hash } from 'node:crypto';
import type { ParsedPayload } from './envelope.js';
import { valueAtPath } from '../core/index.js';

export type MessageKeyFn = (topic: string, payload: Uint8Array, parsed: ParsedPayload | undefined) => string;

export function messageKeyFn(dedupKey: string): MessageKeyFn {
  const path = dedupKey ? dedupKey.split('.') : undefined;
  return (topic, payload, parsed) => {
    if (path && parsed?.isJson) {
      const value = valueAtPath(parsed.json, path);
      if (value !== undefined && value !== null) {
        return hash('sha256', `field\0${JSON.stringify(value)}`, 'hex');
      }
    }
    return hash('sha256', topicAndPayload(topic, payload), 'hex');
  };
}

/**
 * The bytes hashed by default: topic (UTF-8), NUL, payload. One buffer for the one-shot
 * `crypto.hash`, which costs less per message than a Hash object (the burst profile showed it).
 */
function topicAndPayload(topic: string, payload: Uint8Array): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const bytes = Buffer.allocUnsafe(topicBytes + 1 + payload.byteLength);
  bytes.write(topic, 0, topicBytes, 'utf8');
  bytes[topicBytes] = 0;
  bytes.set(payload, topicBytes + 1);
  return bytes;
}

/** The Standard Webhooks `webhook-id` of the message: the same on every retry and redelivery. */
export function envelopeId(key: string): string {
  return `msg_${key.slice(0, 32)}`;
}
