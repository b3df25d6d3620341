/**
 * oauth2-pkce: after a one-time `flup-bridge auth login`, the daemon refreshes access tokens with
 * the refresh token kept in Redis, storing rotated refresh tokens. A Redis lock keeps replicas
 * from spending the same rotating refresh token twice. When there is no usable refresh token the
 * provider says so: status 'login-required', metric flup_token_login_required 1, and a log line
 * naming the command to run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as oauth from 'oauth4webapi';
import type { PkceProviderConfig } from '../../config/index.js';
import { type RedisClient, RedisKeys } from '../../redis/index.js';
import { AuthError, LoginRequiredError, errorMessage } from '../errors.js';
import type { FetchLike } from '../http.js';
import { resolveOAuthServer, type OAuthServer } from '../oauth-server.js';
import { RedisLock } from '../../redis/index.js';
import { RefreshTokenStore, tokenKey, type StoredTokens } from '../refresh-store.js';
import { CachedTokenProvider, refreshAt, type FetchedToken, type TokenCacheDeps } from '../token-cache.js';

export interface PkceDeps extends Omit<TokenCacheDeps, 'refreshSkew'> {
  redis: RedisClient;
  prefix: string;
  fetch?: FetchLike;
  timeout?: number;
  lockTtl?: number;
}

export class PkceTokenProvider extends CachedTokenProvider {
  readonly #config: PkceProviderConfig;
  readonly #store: RefreshTokenStore;
  readonly #lock: RedisLock;
  readonly #pkceDeps: PkceDeps;
  #server?: OAuthServer;

  constructor(config: PkceProviderConfig, deps: PkceDeps) {
    super(config.id, { ...deps, refreshSkew: config.refreshSkew });
    this.#config = config;
    this.#pkceDeps = deps;
    this.#store = new RefreshTokenStore(deps.redis, tokenKey(deps.prefix, config.id));
    this.#lock = new RedisLock(
      deps.redis,
      new RedisKeys(deps.prefix).tokensLock(config.id),
      deps.lockTtl ?? 30_000,
    );
  }

  get key(): string {
    return this.#store.key;
  }

  protected async fetchToken(): Promise<FetchedToken> {
    const shared = this.#usable(await this.#store.read());
    if (shared) return shared;
    const deadline = Date.now() + 2 * this.#lock.ttlMs;
    for (;;) {
      const owner = await this.#lock.tryAcquire();
      if (owner) {
        try {
          const stored = await this.#store.read();
          return this.#usable(stored) ?? (await this.#refresh(stored));
        } finally {
          await this.#lock.release(owner).catch(() => undefined);
        }
      }
      // Another replica is refreshing: wait and use what it stores.
      while ((await this.#lock.isHeld()) && Date.now() < deadline) await sleep(50);
      const shared = this.#usable(await this.#store.read());
      if (shared) return shared;
      if (Date.now() >= deadline)
        throw new AuthError(
          `token provider "${this.id}": the refresh lock ${this.#lock.key} stayed busy; retrying later`,
          { retryable: true },
        );
    }
  }

  /** The access token another replica (or the login) stored, when it is not yet due for refresh. */
  #usable(stored: StoredTokens | undefined): FetchedToken | undefined {
    if (!stored?.accessToken || stored.issuedAt === undefined) return undefined;
    const token: FetchedToken = {
      authorization: `Bearer ${stored.accessToken}`,
      secret: stored.accessToken,
      issuedAt: stored.issuedAt,
      expiresAt: stored.expiresAt,
    };
    const now = this.clock.now();
    if (token.expiresAt !== undefined && now >= token.expiresAt) return undefined;
    return now < refreshAt(token, this.#config.refreshSkew) ? token : undefined;
  }

  async #refresh(stored: StoredTokens | undefined): Promise<FetchedToken> {
    if (!stored) throw new LoginRequiredError(this.id, `no refresh token in Redis key ${this.#store.key}`);
    this.#server ??= await resolveOAuthServer(this.#config, this.#pkceDeps.fetch);
    const { as, client, clientAuth, options } = this.#server;
    const issuedAt = this.clock.now();
    let result: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, stored.refreshToken, {
        ...options,
        signal: AbortSignal.timeout(this.#pkceDeps.timeout ?? 15_000),
      });
      result = await oauth.processRefreshTokenResponse(as, client, response);
    } catch (err) {
      if (err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant') {
        // The refresh token is spent, revoked or expired: only a new login helps.
        await this.#store.clear();
        throw new LoginRequiredError(
          this.id,
          `${as.token_endpoint} refused the refresh token (invalid_grant)`,
        );
      }
      const status = err instanceof oauth.ResponseBodyError ? ` (HTTP ${err.status} ${err.error})` : '';
      throw new AuthError(
        `token provider "${this.id}": refresh at ${as.token_endpoint} failed${status}: ${errorMessage(err)}`,
        {
          retryable: true,
          cause: err,
        },
      );
    }
    const expiresAt = typeof result.expires_in === 'number' ? issuedAt + result.expires_in * 1000 : undefined;
    if (result.refresh_token) this.deps.secrets?.add(result.refresh_token);
    this.deps.secrets?.add(result.access_token);
    await this.#store.write({
      refreshToken: result.refresh_token ?? stored.refreshToken,
      accessToken: result.access_token,
      tokenType: result.token_type,
      issuedAt,
      expiresAt,
      scope: result.scope ?? stored.scope,
      updatedAt: issuedAt,
    });
    if (result.refresh_token && result.refresh_token !== stored.refreshToken)
      this.log.debug('stored the rotated refresh token');
    return {
      authorization: `Bearer ${result.access_token}`,
      secret: result.access_token,
      issuedAt,
      expiresAt,
    };
  }

  protected override onFetched(): void {
    this.metrics?.tokenLoginRequired.set({ provider: this.id }, 0);
  }

  protected override onFailed(err: Error): void {
    if (err instanceof LoginRequiredError) {
      this.metrics?.tokenLoginRequired.set({ provider: this.id }, 1);
      this.log.error(
        { reason: err.message },
        `token provider "${this.id}" needs a new login; run: flup-bridge auth login ${this.id}`,
      );
      return;
    }
    super.onFailed(err);
  }

  /** Reads Redis (and refreshes if due) so /readyz knows early whether a login is needed. */
  async check(): Promise<void> {
    await this.token().catch(() => undefined);
  }
}
