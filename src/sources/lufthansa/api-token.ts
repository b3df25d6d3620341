/**
 * The Lufthansa API access token: client credentials with the app key and secret
 * (`POST {apiBase}/v1/oauth/token`, form fields client_id, client_secret, grant_type). The
 * Certificate Manager and the Flight Status enrichment both use it.
 */
import type { LufthansaSourceConfig } from '../../config/index.js';
import type { Logger, SecretRegistry } from '../../core/index.js';
import type { Metrics } from '../../core/index.js';
import type { Clock } from '../../core/index.js';
import {
  withRetry,
  AuthError,
  defaultFetch,
  displayUrl,
  httpRequest,
  jsonObject,
  throwForStatus,
  type FetchLike,
  CachedTokenProvider,
  type FetchedToken,
} from '../../auth/index.js';
import { DEFAULT_BACKOFF, type RetryBackoffOptions } from '../../core/index.js';

export interface LufthansaApiTokenDeps {
  source: Pick<LufthansaSourceConfig, 'apiBase' | 'clientKey' | 'clientSecret'>;
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
  secrets?: SecretRegistry;
  fetch?: FetchLike;
  /** Per request (ms). */
  timeout?: number;
  retry?: RetryBackoffOptions;
  refreshSkew?: number;
}

export function apiUrl(apiBase: string, path: string): string {
  return `${apiBase.replace(/\/+$/, '')}${path}`;
}

export class LufthansaApiToken extends CachedTokenProvider {
  readonly #source: LufthansaApiTokenDeps['source'];
  readonly #fetch: FetchLike;
  readonly #timeout: number;
  readonly #retry: RetryBackoffOptions;

  constructor(deps: LufthansaApiTokenDeps) {
    super('lufthansa-api', {
      logger: deps.logger,
      clock: deps.clock,
      metrics: deps.metrics,
      secrets: deps.secrets,
      refreshSkew: deps.refreshSkew,
      failureBackoff: deps.retry
        ? { initialDelay: deps.retry.initialDelay, maxDelay: deps.retry.maxDelay }
        : undefined,
    });
    this.#source = deps.source;
    this.#fetch = deps.fetch ?? defaultFetch;
    this.#timeout = deps.timeout ?? 15_000;
    this.#retry = deps.retry ?? DEFAULT_BACKOFF;
  }

  get url(): string {
    return apiUrl(this.#source.apiBase, '/v1/oauth/token');
  }

  protected fetchToken(): Promise<FetchedToken> {
    if (!this.#source.clientKey || !this.#source.clientSecret) {
      return Promise.reject(
        new AuthError(
          'no Lufthansa app key/secret configured: set source.lufthansa.clientKey and clientSecret (FLUP_LH_CLIENT_KEY, FLUP_LH_CLIENT_SECRET)',
        ),
      );
    }
    return withRetry(() => this.#requestOnce(), this.#retry);
  }

  async #requestOnce(): Promise<FetchedToken> {
    const url = this.url;
    const issuedAt = this.clock.now();
    const answer = await httpRequest(
      this.#fetch,
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          client_id: this.#source.clientKey,
          client_secret: this.#source.clientSecret,
          grant_type: 'client_credentials',
        }).toString(),
      },
      this.#timeout,
    );
    if (answer.status === 401 || answer.status === 403) {
      throw new AuthError(
        `client key or secret rejected by ${displayUrl(url)} (HTTP ${answer.status}): check source.lufthansa.clientKey and clientSecret`,
        { status: answer.status, url: displayUrl(url) },
      );
    }
    throwForStatus(answer, url, 'Lufthansa token endpoint');
    const body = jsonObject(answer, url, 'Lufthansa token endpoint');
    const token = body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new AuthError(`Lufthansa token endpoint ${displayUrl(url)} answered without "access_token"`, {
        url: displayUrl(url),
      });
    }
    this.deps.secrets?.add(token);
    const expiresIn = Number(body.expires_in);
    const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? issuedAt + expiresIn * 1000 : undefined;
    if (expiresAt === undefined)
      this.log.warn(
        { url: displayUrl(url) },
        'access token answer has no usable expires_in; keeping it until the API refuses it',
      );
    return { authorization: `Bearer ${token}`, secret: token, issuedAt, expiresAt };
  }
}
