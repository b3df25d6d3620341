/**
 * Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret,
 * space-separated, so a receiver holding either the old or the new secret verifies during rotation.
 */
import { createHmac } from 'node:crypto';

/** Decoded keys by secret: decoding base64 for every request showed in the profile. */
const keys = new Map<string, Buffer>();

function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    // Bounded by the configured secrets; guard anyway against callers signing with ad-hoc ones.
    if (keys.size > 1000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** body: the bytes sent, or the string sent as UTF-8. */
export function sign(secret: string, id: string, timestampSec: number, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', keyOf(secret));
  // A string body joins the prefix: one update (one UTF-8 conversion) instead of two.
  if (typeof body === 'string') hmac.update(`${id}.${timestampSec}.${body}`);
  else hmac.update(`${id}.${timestampSec}.`).update(body);
  return `v1,${hmac.digest('base64')}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signatureHeaders(
  secrets: readonly string[],
  id: string,
  timestampSec: number,
  body: string | Uint8Array,
): SignatureHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => sign(s, id, timestampSec, body)).join(' '),
  };
}
