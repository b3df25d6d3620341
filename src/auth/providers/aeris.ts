/**
 * Aeris "Get Authentication Token": `GET {baseUrl}/api/token?clientId&cs&accountId&as&requesterId
 * &grant_type=client_credentials`, answering `{token, token_type, expires_in}` where expires_in is
 * the EPOCH (seconds) at which the token expires, not a lifetime.
 */
import type { AerisProviderConfig } from '../../config/index.js';
import { AuthError } from '../errors.js';
import {
  defaultFetch,
  displayUrl,
  httpRequest,
  jsonObject,
  throwForStatus,
  type FetchLike,
} from '../http.js';
import { CachedTokenProvider, type FetchedToken, type TokenCacheDeps } from '../token-cache.js';

/** Smaller values cannot be an epoch of this century: the server sent a lifetime in seconds. */
const SMALLEST_EPOCH = 1e9;
/** Larger values are an epoch in milliseconds. */
const LARGEST_EPOCH_SECONDS = 1e11;

export interface AerisDeps extends Omit<TokenCacheDeps, 'refreshSkew'> {
  fetch?: FetchLike;
  timeout?: number;
}

export class AerisTokenProvider extends CachedTokenProvider {
  readonly #config: AerisProviderConfig;
  readonly #fetch: FetchLike;
  readonly #timeout: number;

  constructor(config: AerisProviderConfig, deps: AerisDeps) {
    super(config.id, { ...deps, refreshSkew: config.refreshSkew });
    this.#config = config;
    this.#fetch = deps.fetch ?? defaultFetch;
    this.#timeout = deps.timeout ?? 15_000;
  }

  /** An already-expired answer is asked for once more, then reported (never looped on). */
  protected async fetchToken(): Promise<FetchedToken> {
    const first = await this.#requestOnce();
    if (first.expiresAt !== undefined && first.expiresAt > first.issuedAt) return first;
    this.log.warn(
      { expiresAt: new Date(first.expiresAt ?? 0).toISOString() },
      'Aeris answered with a token that has already expired; asking once more',
    );
    const second = await this.#requestOnce();
    if (second.expiresAt !== undefined && second.expiresAt > second.issuedAt) return second;
    throw new AuthError(
      `Aeris token API ${this.#shownUrl()} twice answered with a token that had already expired ` +
        `(expires_in ${new Date(second.expiresAt ?? 0).toISOString()}, this host's time ${new Date(second.issuedAt).toISOString()}); ` +
        `check this host's clock and the Aeris account; retrying later`,
      { url: this.#shownUrl() },
    );
  }

  #shownUrl(): string {
    return displayUrl(this.#url());
  }

  #url(): URL {
    const c = this.#config;
    const url = new URL(`${c.baseUrl.replace(/\/+$/, '')}/api/token`);
    url.search = new URLSearchParams({
      clientId: c.clientId,
      cs: c.cs,
      accountId: String(c.accountId),
      as: c.as,
      requesterId: c.requesterId,
      grant_type: 'client_credentials',
    }).toString();
    return url;
  }

  async #requestOnce(): Promise<FetchedToken> {
    const url = this.#url();
    const issuedAt = this.clock.now();
    const answer = await httpRequest(
      this.#fetch,
      url,
      { method: 'GET', headers: { accept: 'application/json', 'content-type': 'application/json' } },
      this.#timeout,
    );
    if (answer.status === 401 || answer.status === 403) {
      throw new AuthError(
        `Aeris token API ${displayUrl(url)} rejected clientId/cs/accountId/as (HTTP ${answer.status}): check tokenProviders "${this.id}"`,
        {
          status: answer.status,
          url: displayUrl(url),
        },
      );
    }
    throwForStatus(answer, url, 'Aeris token API');
    const body = jsonObject(answer, url, 'Aeris token API');
    const token = body.token;
    if (typeof token !== 'string' || token === '')
      throw new AuthError(`Aeris token API ${displayUrl(url)} answered without "token"`, {
        url: displayUrl(url),
      });
    this.deps.secrets?.add(token);
    return {
      authorization: `Bearer ${token}`,
      secret: token,
      issuedAt,
      expiresAt: this.#expiry(body.expires_in, issuedAt),
    };
  }

  #expiry(raw: unknown, now: number): number | undefined {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      this.log.warn(
        { expires_in: raw },
        'Aeris answer has no usable expires_in; keeping the token until a target refuses it',
      );
      return undefined;
    }
    if (value < SMALLEST_EPOCH) {
      this.log.warn(
        { expires_in: value },
        `Aeris expires_in ${value} looks like a lifetime in seconds, not the documented epoch; treating it as seconds from now`,
      );
      return now + value * 1000;
    }
    if (value > LARGEST_EPOCH_SECONDS) {
      this.log.warn(
        { expires_in: value },
        'Aeris expires_in looks like an epoch in milliseconds; reading it so',
      );
      return value;
    }
    return value * 1000;
  }
}
