/** Outbound auth: the token providers webhooks (and the Lufthansa API token) use, their cache and HTTP. */
export type * from './types.js';
export { AuthError, LoginRequiredError } from './errors.js';
export { withRetry } from './backoff.js';
export type { FetchLike } from './http.js';
export { CachedTokenProvider, type FetchedToken, type TokenCacheDeps } from './token-cache.js';
export {
  createTokenProviders,
  createTokenProvider,
  AerisTokenProvider,
  ClientCredentialsProvider,
  PkceTokenProvider,
  StaticTokenProvider,
  type TokenProvidersDeps,
} from './providers/index.js';
export { tokenKey } from './refresh-store.js';
export { RefreshTokenStore } from './refresh-store.js';
export { resolveOAuthServer } from './oauth-server.js';
export { errorMessage } from './errors.js';
export { defaultFetch, displayUrl, httpRequest, jsonObject, throwForStatus } from './http.js';
export * from './errors.js';
export * from './http.js';
export * from './oauth-server.js';
export * from './refresh-store.js';
export * from './backoff.js';
export * from './token-cache.js';
export * from './types.js';
