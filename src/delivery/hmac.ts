/**
 * HMAC-SHA256 (RFC 2104) from two one-shot `crypto.hash` calls over buffers. `createHmac` builds
 * a native Hmac object (a stream) per call: in the delivery path that object cost ~19 µs per
 * message, against ~5 µs for the whole HMAC in a tight loop; this form saves about half of it
 * (bench/micro-delivery.ts, docs/BENCHMARKS.md). Checked against createHmac in
 * test/delivery/hmac.test.ts.
 */
import { hash } from 'node:crypto';

/** SHA-256's block size: keys are padded (or first hashed) to this many bytes. */
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;

interface Pads {
  /** key XOR 0x36 repeated: what the inner hash starts with. */
  inner: Buffer;
  /** key XOR 0x5c repeated: what the outer hash starts with. */
  outer: Buffer;
}

/** Per key buffer (the parsed secret, kept for the process's life by signing.ts). */
const padsByKey = new WeakMap<Uint8Array, Pads>();

function padsOf(key: Uint8Array): Pads {
  let pads = padsByKey.get(key);
  if (!pads) {
    const block = key.byteLength > BLOCK_BYTES ? hash('sha256', key, 'buffer') : key;
    pads = { inner: Buffer.alloc(BLOCK_BYTES, 0x36), outer: Buffer.alloc(BLOCK_BYTES, 0x5c) };
    for (let i = 0; i < block.byteLength; i++) {
      pads.inner[i]! ^= block[i]!;
      pads.outer[i]! ^= block[i]!;
    }
    padsByKey.set(key, pads);
  }
  return pads;
}

/** base64 HMAC-SHA256 under `key` of `prefix` (UTF-8) followed by `body` (UTF-8 when a string). */
export function hmacSha256Base64(key: Uint8Array, prefix: string, body: string | Uint8Array): string {
  const { inner, outer } = padsOf(key);
  const prefixBytes = Buffer.byteLength(prefix);
  const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  const message = Buffer.allocUnsafe(BLOCK_BYTES + prefixBytes + bodyBytes);
  inner.copy(message, 0);
  message.write(prefix, BLOCK_BYTES, prefixBytes, 'utf8');
  if (typeof body === 'string') message.write(body, BLOCK_BYTES + prefixBytes, bodyBytes, 'utf8');
  else message.set(body, BLOCK_BYTES + prefixBytes);
  const outerMessage = Buffer.allocUnsafe(BLOCK_BYTES + DIGEST_BYTES);
  outer.copy(outerMessage, 0);
  outerMessage.set(hash('sha256', message, 'buffer'), BLOCK_BYTES);
  return hash('sha256', outerMessage, 'base64');
}
