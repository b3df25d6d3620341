/** OAuth2 client credentials (RFC 6749 §4.4) with client_secret_basic or client_secret_post. */
import type { ClientCredentialsProviderConfig } from '../../config/index.js';
import { AuthError } from '../errors.js';
import {
  defaultFetch,
  displayUrl,
  errorDetail,
  httpRequest,
  jsonObject,
  throwForStatus,
  type FetchLike,
} from '../http.js';
import { CachedTokenProvider, type FetchedToken, type TokenCacheDeps } from '../token-cache.js';

export interface ClientCredentialsDeps extends Omit<TokenCacheDeps, 'refreshSkew'> {
  fetch?: FetchLike;
  timeout?: number;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

export class ClientCredentialsProvider extends CachedTokenProvider {
  readonly #config: ClientCredentialsProviderConfig;
  readonly #fetch: FetchLike;
  readonly #timeout: number;

  constructor(config: ClientCredentialsProviderConfig, deps: ClientCredentialsDeps) {
    super(config.id, { ...deps, refreshSkew: config.refreshSkew });
    this.#config = config;
    this.#fetch = deps.fetch ?? defaultFetch;
    this.#timeout = deps.timeout ?? 15_000;
  }

  protected async fetchToken(): Promise<FetchedToken> {
    const c = this.#config;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (c.scope) form.set('scope', c.scope);
    if (c.audience) form.set('audience', c.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (c.authMethod === 'client_secret_basic')
      headers.authorization = basicAuthorization(c.clientId, c.clientSecret);
    else {
      form.set('client_id', c.clientId);
      form.set('client_secret', c.clientSecret);
    }
    const issuedAt = this.clock.now();
    const answer = await httpRequest(
      this.#fetch,
      c.tokenUrl,
      { method: 'POST', headers, body: form.toString() },
      this.#timeout,
    );
    if (answer.status === 400 || answer.status === 401 || answer.status === 403) {
      throw new AuthError(
        `client id or secret rejected by ${displayUrl(c.tokenUrl)} (HTTP ${answer.status}${errorDetail(answer)}): check tokenProviders "${this.id}" (clientId, clientSecret, authMethod ${c.authMethod}, scope)`,
        { status: answer.status, url: displayUrl(c.tokenUrl) },
      );
    }
    throwForStatus(answer, c.tokenUrl, 'token endpoint');
    const body = jsonObject(answer, c.tokenUrl, 'token endpoint');
    const token = body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new AuthError(`token endpoint ${displayUrl(c.tokenUrl)} answered without "access_token"`);
    const expiresIn = Number(body.expires_in);
    const type =
      typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer'
        ? body.token_type
        : 'Bearer';
    return {
      authorization: `${type} ${token}`,
      secret: token,
      issuedAt,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? issuedAt + expiresIn * 1000 : undefined,
    };
  }
}
