/**
 * Standard Webhooks signing keys: `whsec_` + base64 (HMAC-SHA256, signature `v1`) and `whsk_` +
 * base64 (ed25519, signature `v1a`; receivers verify with the `whpk_` public key).
 *
 * `whsk_` holds the 64 bytes seed || public key (the layout of Go's crypto/ed25519, libsodium and
 * the standard-webhooks Go library); the bare 32-byte seed is accepted too. Errors never repeat
 * the key material.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface HmacSigningKey {
  readonly scheme: 'v1';
  readonly key: Buffer;
}

export interface Ed25519SigningKey {
  readonly scheme: 'v1a';
  readonly privateKey: KeyObject;
  /** `whpk_...`: what receivers verify with. */
  readonly publicKey: string;
}

export type SigningKey = HmacSigningKey | Ed25519SigningKey;

/** A signing secret that cannot be used; the message names the problem, never the key. */
export class SigningSecretError extends Error {}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** PKCS#8 DER header of an ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const MIN_HMAC_BYTES = 16;
const SEED_BYTES = 32;

/** Parses `whsec_...` or `whsk_...`; throws SigningSecretError with a clear reason. */
export function parseSigningSecret(value: unknown): SigningKey {
  if (typeof value !== 'string') {
    throw new SigningSecretError('must be a string: "whsec_..." (HMAC) or "whsk_..." (ed25519)');
  }
  if (value.startsWith('whsec_')) return { scheme: 'v1', key: hmacKey(value.slice(6)) };
  if (value.startsWith('whsk_')) return ed25519Key(value.slice(5));
  if (value.startsWith('whpk_')) {
    throw new SigningSecretError(
      'is an ed25519 public key (whpk_), which receivers verify with; the bridge signs with the whsk_ secret key of the pair',
    );
  }
  throw new SigningSecretError(
    'must be a Standard Webhooks secret: "whsec_" (HMAC) or "whsk_" (ed25519) followed by base64',
  );
}

function decodeBase64(text: string, prefix: string): Buffer {
  if (!BASE64.test(text)) throw new SigningSecretError(`must be "${prefix}" followed by base64`);
  return Buffer.from(text, 'base64');
}

function hmacKey(text: string): Buffer {
  const key = decodeBase64(text, 'whsec_');
  if (key.length < MIN_HMAC_BYTES) {
    throw new SigningSecretError(
      `must hold at least ${MIN_HMAC_BYTES} bytes of key material (generate with: flup-bridge secret)`,
    );
  }
  return key;
}

function ed25519Key(text: string): Ed25519SigningKey {
  const bytes = decodeBase64(text, 'whsk_');
  if (bytes.length !== SEED_BYTES && bytes.length !== 2 * SEED_BYTES) {
    throw new SigningSecretError(
      `must hold a 64-byte ed25519 secret key (seed + public key) or its 32-byte seed, not ${bytes.length} bytes (generate with: flup-bridge secret --asymmetric)`,
    );
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, bytes.subarray(0, SEED_BYTES)]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = rawPublicKey(privateKey);
  if (bytes.length === 2 * SEED_BYTES && !publicKey.equals(bytes.subarray(SEED_BYTES))) {
    throw new SigningSecretError('is not an ed25519 secret key: its public half does not belong to its seed');
  }
  return { scheme: 'v1a', privateKey, publicKey: `whpk_${publicKey.toString('base64')}` };
}

function rawPublicKey(privateKey: KeyObject): Buffer {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(x!, 'base64url');
}

export interface SigningKeyPair {
  /** `whsk_...`: for the bridge's `secret`. */
  secretKey: string;
  /** `whpk_...`: for receivers. */
  publicKey: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d, x } = privateKey.export({ format: 'jwk' });
  const [seed, publicKey] = [Buffer.from(d!, 'base64url'), Buffer.from(x!, 'base64url')];
  return {
    secretKey: `whsk_${Buffer.concat([seed, publicKey]).toString('base64')}`,
    publicKey: `whpk_${publicKey.toString('base64')}`,
  };
}
