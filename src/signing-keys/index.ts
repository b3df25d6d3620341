/**
 * Standard Webhooks signing keys (whsec_ / whsk_), a leaf folder: config validation and delivery
 * both parse secrets with it, and it imports nothing of the bridge.
 */
export {
  parseSigningSecret,
  generateSigningKeyPair,
  SigningSecretError,
  type SigningKey,
  type SigningKeyPair,
  type HmacSigningKey,
  type Ed25519SigningKey,
} from './signing-keys.js';
