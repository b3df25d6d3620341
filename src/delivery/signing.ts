/**
 * Standard Webhooks signatures, one per secret, space-separated, so a receiver holding either the
 * old or the new secret verifies during rotation: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * for a `whsec_` secret, `v1a,<base64 ed25519 signature of the same>` for a `whsk_` key.
 */
import { sign as ed25519Sign } from 'node:crypto';
import { hmacSha256Base64 } from './hmac.js';
import { parseSigningSecret, type SigningKey } from '../signing-keys/index.js';

/** Parsed keys by secret: decoding base64 (or an ed25519 key) for every request showed in the profile. */
const keys = new Map<string, SigningKey>();

function keyOf(secret: string): SigningKey {
  let key = keys.get(secret);
  if (!key) {
    key = secret.startsWith('whsk_')
      ? parseSigningSecret(secret)
      : // Lenient for v1 as before: config validation enforces the whsec_ prefix.
        { scheme: 'v1', key: Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64') };
    // Bounded by the configured secrets; guard anyway against callers signing with ad-hoc ones.
    if (keys.size > 1000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** body: the bytes sent, or the string sent as UTF-8. */
export function sign(secret: string, id: string, timestampSec: number, body: string | Uint8Array): string {
  return signWith(keyOf(secret), id, timestampSec, body);
}

export function signWith(
  key: SigningKey,
  id: string,
  timestampSec: number,
  body: string | Uint8Array,
): string {
  if (key.scheme === 'v1a') {
    const content =
      typeof body === 'string'
        ? Buffer.from(`${id}.${timestampSec}.${body}`)
        : Buffer.concat([Buffer.from(`${id}.${timestampSec}.`), body]);
    return `v1a,${ed25519Sign(null, content, key.privateKey).toString('base64')}`;
  }
  return `v1,${hmacSha256Base64(key.key, `${id}.${timestampSec}.`, body)}`;
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
  const headers: Record<string, string> = {};
  setSignatureHeaders(headers, secrets, id, timestampSec, body);
  return headers as unknown as SignatureHeaders;
}

/** Sets the three Standard Webhooks headers on a request's own headers object (no copy). */
export function setSignatureHeaders(
  headers: Record<string, string>,
  secrets: readonly string[],
  id: string,
  timestampSec: number,
  body: string | Uint8Array,
): void {
  headers['webhook-id'] = id;
  headers['webhook-timestamp'] = String(timestampSec);
  headers['webhook-signature'] = signature(secrets, id, timestampSec, body);
}

/** The `webhook-signature` value: one signature per secret, space-separated. */
function signature(
  secrets: readonly string[],
  id: string,
  timestampSec: number,
  body: string | Uint8Array,
): string {
  // One secret is the common case: no array, no join.
  if (secrets.length === 1) return sign(secrets[0]!, id, timestampSec, body);
  return secrets.map((s) => sign(s, id, timestampSec, body)).join(' ');
}
