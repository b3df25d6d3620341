/**
 * The shared behaviour of every fetched token: one fetch in flight (concurrent callers share it),
 * refresh at 80% of the lifetime or `refreshSkew` before expiry, keep serving a still-valid token
 * when an early refresh fails, and hold back after a failed fetch (growing, jittered) so callers
 * cannot turn a broken token endpoint into a tight loop.
 */
import type { Logger } from '../core/index.js';
import type { Metrics } from '../core/index.js';
import type { Clock } from '../core/index.js';
import type { SecretRegistry } from '../core/index.js';
import type { TokenProvider, TokenStatus } from './types.js';
import { fullJitterDelay } from '../core/index.js';
import { AuthError, LoginRequiredError } from './errors.js';

export interface FetchedToken {
  /** The full Authorization header value ("Bearer ..."). */
  authorization: string;
  /** The raw secret, registered with the log scrubber. */
  secret: string;
  issuedAt: number;
  /** undefined = no known expiry (kept until invalidate()). */
  expiresAt?: number;
}

export interface TokenCacheDeps {
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
  secrets?: SecretRegistry;
  /** Refresh this long before expiry; 0 = at 80% of the lifetime. */
  refreshSkew?: number;
  /** Hold-back after failed fetches: ceiling of the first and the largest delay (ms). */
  failureBackoff?: { initialDelay: number; maxDelay: number };
  random?: () => number;
}

export function refreshAt(token: Pick<FetchedToken, 'issuedAt' | 'expiresAt'>, refreshSkew: number): number {
  if (token.expiresAt === undefined) return Number.POSITIVE_INFINITY;
  const lifetime = Math.max(0, token.expiresAt - token.issuedAt);
  return refreshSkew > 0 ? token.expiresAt - refreshSkew : token.issuedAt + 0.8 * lifetime;
}

export abstract class CachedTokenProvider implements TokenProvider {
  protected readonly log: Logger;
  protected readonly clock: Clock;
  protected readonly metrics?: Metrics;
  #current?: FetchedToken;
  #inflight?: Promise<FetchedToken>;
  #lastError?: Error;
  #failures = 0;
  #holdUntil = 0;

  constructor(
    readonly id: string,
    protected readonly deps: TokenCacheDeps,
  ) {
    this.log = deps.logger.child({ module: 'auth', provider: id });
    this.clock = deps.clock;
    this.metrics = deps.metrics;
  }

  /** One request to the token endpoint; subclasses map its errors. */
  protected abstract fetchToken(): Promise<FetchedToken>;

  async authorization(): Promise<string> {
    return (await this.token()).authorization;
  }

  async token(): Promise<FetchedToken> {
    const now = this.clock.now();
    const current = this.#current;
    const valid = current && (current.expiresAt === undefined || now < current.expiresAt);
    if (current && valid && now < refreshAt(current, this.deps.refreshSkew ?? 0)) return current;
    if (this.#inflight) return this.#inflight;
    if (now < this.#holdUntil) {
      // A recent fetch failed: a still-valid token beats no token; otherwise repeat the error.
      if (current && valid) return current;
      throw this.#lastError ?? new AuthError(`token provider "${this.id}" is backing off`);
    }
    const inflight = this.#fetch();
    this.#inflight = inflight;
    try {
      return await inflight;
    } catch (err) {
      // An early refresh failed (and was logged): the current token is still good until it expires.
      if (current && valid && !(err instanceof LoginRequiredError)) return current;
      throw err;
    } finally {
      if (this.#inflight === inflight) this.#inflight = undefined;
    }
  }

  async #fetch(): Promise<FetchedToken> {
    try {
      const token = await this.fetchToken();
      this.deps.secrets?.add(token.secret);
      this.#current = token;
      this.#lastError = undefined;
      this.#failures = 0;
      this.#holdUntil = 0;
      this.metrics?.tokenFetches.inc({ provider: this.id, outcome: 'ok' });
      this.onFetched(token);
      return token;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#lastError = error;
      const backoff = this.deps.failureBackoff ?? { initialDelay: 1000, maxDelay: 60_000 };
      this.#holdUntil =
        this.clock.now() +
        Math.max(100, fullJitterDelay(this.#failures, { ...backoff, attempts: 1, random: this.deps.random }));
      this.#failures += 1;
      this.metrics?.tokenFetches.inc({ provider: this.id, outcome: 'error' });
      this.onFailed(error);
      throw error;
    }
  }

  /** Hooks for subclasses (login-required bookkeeping). */
  protected onFetched(_token: FetchedToken): void {}
  protected onFailed(err: Error): void {
    this.log.error({ err: err.message }, `token provider "${this.id}": ${err.message}`);
  }

  invalidate(): void {
    this.#current = undefined;
    // A 401 from the target is not a failed fetch: allow the next call to fetch at once.
    this.#holdUntil = 0;
  }

  status(): TokenStatus {
    const current = this.#current;
    const now = this.clock.now();
    if (this.#lastError instanceof LoginRequiredError)
      return { state: 'login-required', error: this.#lastError.message };
    if (current && (current.expiresAt === undefined || now < current.expiresAt)) {
      return {
        state: 'ok',
        expiresAt: current.expiresAt === undefined ? undefined : new Date(current.expiresAt),
        ...(this.#lastError ? { error: this.#lastError.message } : {}),
      };
    }
    if (this.#lastError) return { state: 'error', error: this.#lastError.message };
    return { state: 'empty' };
  }
}
