/**
 * The stable identity of a message, from which the envelope id and every job id derive, so a QoS 1
 * redelivery (after a crash or reconnect) maps to the same jobs and adds nothing new.
 *
 * Default: sha-256 of topic, a NUL byte and the payload bytes. With ingest.dedupKey set to a dotted
 * JSON path (e.g. "Meta.MessageId"), the value of that field alone identifies the message; a message
 * without the field (or not JSON) falls back to the default. Always 64 lowercase hex digits, so it is
 * a valid BullMQ job id (no ':').
 */
import { createHash } from 'node:crypto';
import type { ParsedPayload } from './envelope.js';
import { valueAtPath } from '../core/index.js';

export type MessageKeyFn = (topic: string, payload: Uint8Array, parsed: ParsedPayload | undefined) => string;

export function messageKeyFn(dedupKey: string): MessageKeyFn {
  const path = dedupKey ? dedupKey.split('.') : undefined;
  return (topic, payload, parsed) => {
    if (path && parsed?.isJson) {
      const value = valueAtPath(parsed.json, path);
      if (value !== undefined && value !== null) {
        return createHash('sha256').update('field\0').update(JSON.stringify(value)).digest('hex');
      }
    }
    return createHash('sha256').update(`${topic}\0`).update(payload).digest('hex');
  };
}

/** The Standard Webhooks `webhook-id` of the message: the same on every retry and redelivery. */
export function envelopeId(key: string): string {
  return `msg_${key.slice(0, 32)}`;
}
