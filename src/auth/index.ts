/** Public surface of the auth module: broker credentials and outbound token providers. */
export type * from './types.js';
export { AuthError, LoginRequiredError } from './errors.js';
export { fullJitterDelay, withRetry, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export type { FetchLike } from './http.js';
export { CachedTokenProvider, type FetchedToken, type TokenCacheDeps } from './token-cache.js';
export { LufthansaApiToken, type LufthansaApiTokenDeps } from './lufthansa-token.js';
export { LufthansaCredentials, type LufthansaCredentialsDeps } from './lufthansa-credentials.js';
export { credentialKey } from './credential-store.js';
export { StaticMqttCredentials } from './static-mqtt.js';
export {
  createTokenProviders,
  createTokenProvider,
  AerisTokenProvider,
  ClientCredentialsProvider,
  PkceTokenProvider,
  StaticTokenProvider,
  type TokenProvidersDeps,
} from './providers/index.js';
export { pkceLogin, pkceChallenge, type PkceLoginOptions, type PkceLoginResult } from './pkce-login.js';
export { tokenKey } from './refresh-store.js';
export { createAuth, type Auth } from './create-auth.js';
export * from './types.js';
