/**
 * The authorization server of an oauth2-pkce provider, through oauth4webapi: discovered from
 * `issuer`, or assembled from `authorizeUrl` + `tokenUrl`. Plain http is allowed only on loopback
 * (local test servers); anything else must be https.
 */
import * as oauth from 'oauth4webapi';
import type { PkceProviderConfig } from '../config/index.js';
import { AuthError, errorMessage } from './errors.js';
import { defaultFetch, type FetchLike } from './http.js';

export interface OAuthServer {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  /** Options for every oauth4webapi request (fetch, http on loopback). */
  options: {
    [oauth.customFetch]: typeof fetch;
    [oauth.allowInsecureRequests]: boolean;
    signal?: AbortSignal;
  };
  /** True when the server was discovered (its `iss` response parameter can be checked). */
  discovered: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function checkScheme(url: string, providerId: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return false;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return true;
  throw new AuthError(
    `token provider "${providerId}": ${u.origin} must use https (plain http is accepted only on loopback)`,
  );
}

export async function resolveOAuthServer(
  config: PkceProviderConfig,
  fetchFn: FetchLike = defaultFetch,
): Promise<OAuthServer> {
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = config.clientSecret ? oauth.ClientSecretPost(config.clientSecret) : oauth.None();
  const urls = [config.issuer, config.authorizeUrl, config.tokenUrl].filter((u) => u !== '');
  const insecure = urls.map((u) => checkScheme(u, config.id)).some(Boolean);
  const options = { [oauth.customFetch]: fetchFn as typeof fetch, [oauth.allowInsecureRequests]: insecure };

  if (config.authorizeUrl && config.tokenUrl) {
    const as: oauth.AuthorizationServer = {
      issuer: config.issuer || new URL(config.authorizeUrl).origin,
      authorization_endpoint: config.authorizeUrl,
      token_endpoint: config.tokenUrl,
    };
    return { as, client, clientAuth, options, discovered: false };
  }
  const issuer = new URL(config.issuer);
  let lastError: unknown;
  // OpenID discovery first, then RFC 8414 metadata for plain OAuth servers.
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    try {
      const response = await oauth.discoveryRequest(issuer, {
        ...options,
        algorithm,
        signal: AbortSignal.timeout(15_000),
      });
      const as = await oauth.processDiscoveryResponse(issuer, response);
      if (!as.authorization_endpoint || !as.token_endpoint) {
        throw new AuthError(
          `the metadata of ${config.issuer} names no authorization_endpoint or token_endpoint`,
        );
      }
      return { as, client, clientAuth, options, discovered: true };
    } catch (err) {
      lastError = err;
    }
  }
  throw new AuthError(
    `token provider "${config.id}": cannot read the authorization server metadata of ${config.issuer} (${errorMessage(lastError)}); give authorizeUrl and tokenUrl instead`,
    { retryable: true, cause: lastError },
  );
}
