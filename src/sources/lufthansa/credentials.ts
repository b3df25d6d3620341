/**
 * The Lufthansa broker login: the Certificate Manager's JWT and clientID, kept in Redis so that
 * restarts and replicas reuse them (every new answer is a new clientID, hence a new broker
 * session). Renewed ahead of `exp`, when the broker refuses them, or on an operator's request;
 * a Redis lock makes sure only one replica asks, and the others read its answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import type { LufthansaSourceConfig } from '../../config/index.js';
import type { Logger, SecretRegistry } from '../../core/index.js';
import type { Metrics } from '../../core/index.js';
import type { Clock } from '../../core/index.js';
import { type Redis, RedisKeys } from '../../redis/index.js';
import type { CredentialStatus } from '../../admin/index.js';
import {
  type TokenProvider,
  withRetry,
  AuthError,
  errorMessage,
  defaultFetch,
  displayUrl,
  httpRequest,
  jsonObject,
  throwForStatus,
  type FetchLike,
  type HttpAnswer,
} from '../../auth/index.js';
import { DEFAULT_BACKOFF, fullJitterDelay, type RetryBackoffOptions } from '../../core/index.js';
import { apiUrl } from './api-token.js';
import { CredentialStore, credentialKey, type KeptCredentials } from './credential-store.js';
import { RedisLock } from '../../redis/index.js';
import type { BrokerCredentials, CredentialSource, RenewReason } from '../types.js';

export interface LufthansaCredentialsDeps {
  source: LufthansaSourceConfig;
  redis: Redis;
  /** Redis key prefix (config.redis.prefix). */
  prefix: string;
  /** The API access token (LufthansaApiToken). */
  apiToken: TokenProvider;
  logger: Logger;
  metrics?: Metrics;
  clock: Clock;
  secrets?: SecretRegistry;
  fetch?: FetchLike;
  /** Per HTTP request (ms). */
  timeout?: number;
  /** Retries of one Certificate Manager call, and the hold-back between failed renewals. */
  retry?: RetryBackoffOptions;
  /** How often the renewal timer looks at the expiry and at Redis (ms). */
  checkInterval?: number;
  /** Renewal lock lifetime (ms): longer than one renewal with its retries. */
  lockTtl?: number;
  /** A broker refusal this soon after a renewal does not renew again (ms). */
  refusalWindow?: number;
}

const CM_PATH = 'CertificateManagementResource.CertificateManagement';
const MAX_TIMER = 2 ** 31 - 1;

export class LufthansaCredentials implements CredentialSource {
  readonly #deps: LufthansaCredentialsDeps;
  readonly #log: Logger;
  readonly #store: CredentialStore;
  readonly #lock: RedisLock;
  readonly #retry: RetryBackoffOptions;
  readonly #fetch: FetchLike;
  #current?: KeptCredentials;
  #renewing?: Promise<BrokerCredentials>;
  /** Clock time of the last renewal this instance made or adopted. */
  #lastRenewalAt = 0;
  #failures = 0;
  #retryDelay = 0;
  #nextAttemptAt = 0;
  #lastError?: string;
  #timer?: NodeJS.Timeout;
  #abort = new AbortController();

  constructor(deps: LufthansaCredentialsDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ module: 'credentials' });
    this.#store = new CredentialStore(deps.redis, credentialKey(deps.prefix, deps.source.clientId));
    this.#lock = new RedisLock(
      deps.redis,
      new RedisKeys(deps.prefix).lufthansaCredentialsRenewLock(deps.source.clientId),
      deps.lockTtl ?? 120_000,
    );
    this.#retry = deps.retry ?? DEFAULT_BACKOFF;
    this.#fetch = deps.fetch ?? defaultFetch;
  }

  /** The Redis key holding the credentials. */
  get key(): string {
    return this.#store.key;
  }

  get certificateUrl(): string {
    const s = this.#deps.source;
    return apiUrl(
      s.apiBase,
      `/v1/flightUpdate/credentials/JWT/${encodeURIComponent(s.clientId)}/${encodeURIComponent(s.authGroups)}`,
    );
  }

  /** Credentials kept in Redis, without asking the Certificate Manager (for `credentials show`). */
  async stored(): Promise<BrokerCredentials | undefined> {
    const kept = await this.#readStore();
    if (kept) this.#adopt(kept);
    return kept?.credentials;
  }

  async get(): Promise<BrokerCredentials> {
    let kept: KeptCredentials | undefined;
    try {
      kept = await this.#readStore();
    } catch (err) {
      // Redis briefly away: credentials this process already holds are still good.
      if (!this.#current) throw err;
      this.#log.warn(
        { err: errorMessage(err) },
        'cannot read credentials from Redis; using the ones in memory',
      );
    }
    if (kept) this.#adopt(kept);
    const current = this.#current;
    if (current && !this.#expired(current)) return current.credentials;
    return this.renew('expiry');
  }

  /** Concurrent calls share one renewal; refusals right after a renewal do not renew again. */
  renew(reason: RenewReason): Promise<BrokerCredentials> {
    if (this.#renewing) return this.#renewing;
    const renewing = this.#renew(reason).finally(() => {
      if (this.#renewing === renewing) this.#renewing = undefined;
    });
    this.#renewing = renewing;
    return renewing;
  }

  async start(): Promise<void> {
    this.#abort = new AbortController();
    try {
      const kept = await this.#readStore();
      if (kept) this.#adopt(kept);
    } catch (err) {
      this.#log.warn(
        { err: errorMessage(err) },
        'cannot read credentials from Redis yet; the renewal timer will retry',
      );
    }
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#renewing?.catch(() => undefined);
  }

  status(): CredentialStatus | undefined {
    const c = this.#current?.credentials;
    if (!c) return this.#lastError ? { clientId: '', endpoint: '', lastError: this.#lastError } : undefined;
    return {
      clientId: c.clientId,
      endpoint: c.endpoint,
      expiresAt: c.expiresAt?.toISOString(),
      issuedAt: c.issuedAt?.toISOString(),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  async #renew(reason: RenewReason): Promise<BrokerCredentials> {
    const startedAt = this.#deps.clock.now();
    const held = this.#current;
    try {
      const kept = await this.#readStore();
      if (kept) this.#adopt(kept);
    } catch (err) {
      // The renewal below needs Redis too and will report the outage with the back-off.
      this.#log.debug({ err: errorMessage(err) }, 'cannot read credentials before renewing');
    }
    if (reason === 'refused' && held && this.#current) {
      if (this.#current.credentials.clientId !== held.credentials.clientId && !this.#expired(this.#current)) {
        this.#log.info(
          { clientId: this.#current.credentials.clientId },
          'broker refused the credentials; another replica has already renewed them',
        );
        return this.#current.credentials;
      }
      const window = this.#deps.refusalWindow ?? 60_000;
      if (this.#lastRenewalAt > 0 && startedAt - this.#lastRenewalAt < window) {
        this.#log.warn(
          { clientId: this.#current.credentials.clientId, sinceRenewalMs: startedAt - this.#lastRenewalAt },
          'broker refused credentials renewed moments ago; not renewing again within the refusal window',
        );
        return this.#current.credentials;
      }
    }
    // After a failed renewal, wait out the back-off before asking again (never a tight loop).
    const wait = Math.min(this.#retryDelay, this.#nextAttemptAt - startedAt);
    if (wait > 0) await sleep(wait, undefined, { signal: this.#abort.signal });

    // The credentials this renewal replaces: the ones we held (a fresh instance: the stored ones).
    // Anything else found in Redis under the lock was written by another replica meanwhile.
    const before = held?.credentials.clientId ?? this.#current?.credentials.clientId;
    this.#log.info({ reason, clientId: before }, 'renewing broker credentials');
    try {
      const { credentials, adopted } = await this.#renewUnderLock(before);
      this.#failures = 0;
      this.#retryDelay = 0;
      this.#nextAttemptAt = 0;
      this.#lastError = undefined;
      this.#lastRenewalAt = this.#deps.clock.now();
      // 'adopted': another replica renewed while we waited for the lock.
      this.#deps.metrics?.credentialRenewals.inc({ reason, outcome: adopted ? 'adopted' : 'ok' });
      this.#log.info(
        {
          reason,
          clientId: credentials.clientId,
          endpoint: credentials.endpoint,
          expiresAt: credentials.expiresAt?.toISOString(),
          adopted,
        },
        adopted ? 'using the broker credentials another replica renewed' : 'broker credentials renewed',
      );
      return credentials;
    } catch (err) {
      this.#retryDelay = Math.max(
        Math.min(1000, this.#retry.initialDelay),
        fullJitterDelay(this.#failures, this.#retry),
      );
      this.#failures += 1;
      this.#nextAttemptAt = this.#deps.clock.now() + this.#retryDelay;
      this.#lastError = errorMessage(err);
      this.#deps.metrics?.credentialRenewals.inc({ reason, outcome: 'error' });
      this.#log.error(
        {
          reason,
          err: this.#lastError,
          retryInMs: this.#retryDelay,
          keeping: this.#current?.credentials.clientId,
        },
        `broker credential renewal failed: ${this.#lastError}`,
      );
      throw err;
    }
  }

  /** Renews holding the lock, or adopts what the replica that holds it wrote. */
  async #renewUnderLock(
    before: string | undefined,
  ): Promise<{ credentials: BrokerCredentials; adopted: boolean }> {
    const renewedElsewhere = (kept: KeptCredentials | undefined) =>
      kept !== undefined && kept.credentials.clientId !== before && !this.#expired(kept);
    const deadline = Date.now() + 2 * this.#lock.ttlMs;
    for (;;) {
      const token = await this.#lock.tryAcquire();
      if (token) {
        try {
          const kept = await this.#store.read();
          if (kept && renewedElsewhere(kept)) {
            this.#adopt(kept);
            return { credentials: kept.credentials, adopted: true };
          }
          const credentials = await this.#requestCertificate();
          const fresh: KeptCredentials = { credentials, fetchedAt: this.#deps.clock.now() };
          await this.#store.write(fresh);
          this.#adopt(fresh, true);
          return { credentials, adopted: false };
        } finally {
          await this.#lock
            .release(token)
            .catch((err: unknown) =>
              this.#log.warn({ err: errorMessage(err) }, 'could not release the renewal lock'),
            );
        }
      }
      // Another replica is renewing: wait for it, then use what it stored.
      this.#log.debug(
        { lock: this.#lock.key },
        'another replica is renewing the broker credentials; waiting',
      );
      while ((await this.#lock.isHeld()) && Date.now() < deadline)
        await sleep(50, undefined, { signal: this.#abort.signal });
      const kept = await this.#store.read();
      if (kept && renewedElsewhere(kept)) {
        this.#adopt(kept);
        return { credentials: kept.credentials, adopted: true };
      }
      if (Date.now() >= deadline) {
        throw new AuthError(
          `another replica held the renewal lock ${this.#lock.key} without storing new credentials; retrying later`,
          { retryable: true },
        );
      }
    }
  }

  async #requestCertificate(): Promise<BrokerCredentials> {
    const url = this.certificateUrl;
    const apiToken = this.#deps.apiToken;
    let answer = await withRetry(
      async () => this.#post(url, await apiToken.authorization()),
      this.#retry,
      this.#abort.signal,
    );
    if (answer.status === 401) {
      // The access token may have expired or been revoked early: one retry with a fresh one.
      apiToken.invalidate();
      answer = await withRetry(
        async () => this.#post(url, await apiToken.authorization()),
        this.#retry,
        this.#abort.signal,
      );
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new AuthError(
        `client key or secret rejected by ${displayUrl(url)} (HTTP ${answer.status}): check source.lufthansa.clientKey/clientSecret and that the app may use flight-update notifications`,
        { status: answer.status, url: displayUrl(url) },
      );
    }
    throwForStatus(answer, url, 'Certificate Manager');
    return this.#parse(jsonObject(answer, url, 'Certificate Manager'), url);
  }

  async #post(url: string, authorization: string): Promise<HttpAnswer> {
    const answer = await httpRequest(
      this.#fetch,
      url,
      { method: 'POST', headers: { authorization, accept: 'application/json' } },
      this.#deps.timeout ?? 15_000,
      this.#abort.signal,
    );
    if (answer.status >= 500 || answer.status === 429) throwForStatus(answer, url, 'Certificate Manager');
    return answer;
  }

  #parse(body: Record<string, unknown>, url: string): BrokerCredentials {
    const shown = displayUrl(url);
    const missing = (path: string) =>
      new AuthError(
        `Certificate Manager ${shown} answered without "${path}" (top-level keys: ${Object.keys(body).join(', ') || 'none'})`,
        { url: shown },
      );
    const root = body.CertificateManagementResource;
    if (!isObject(root)) throw missing('CertificateManagementResource');
    const cm = root.CertificateManagement;
    if (!isObject(cm)) throw missing(CM_PATH);
    const field = (name: string): string => {
      const value = cm[name];
      if (typeof value !== 'string' || value === '') throw missing(`${CM_PATH}.${name}`);
      return value;
    };
    const jwt = field('javaWebToken');
    this.#deps.secrets?.add(jwt);
    const clientId = field('clientID');
    const endpoint = field('endpoint');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(jwt);
    } catch (err) {
      throw new AuthError(
        `${CM_PATH}.javaWebToken from ${shown} is not a readable JWT (${errorMessage(err)})`,
        { url: shown },
      );
    }
    if (typeof claims.exp !== 'number')
      throw new AuthError(`the JWT from ${shown} has no "exp" claim; cannot plan its renewal`, {
        url: shown,
      });
    const created = typeof claims.created === 'number' ? claims.created : claims.iat;
    if (typeof claims.clientID === 'string' && claims.clientID !== clientId) {
      this.#log.warn(
        { clientId, jwtClientId: claims.clientID },
        'the JWT names another clientID than the answer; using the answer',
      );
    }
    return {
      clientId,
      username: clientId,
      password: jwt,
      endpoint,
      expiresAt: new Date(claims.exp * 1000),
      issuedAt: typeof created === 'number' ? new Date(created * 1000) : undefined,
    };
  }

  async #readStore(): Promise<KeptCredentials | undefined> {
    try {
      return await this.#store.read();
    } catch (err) {
      throw new AuthError(
        `cannot read broker credentials from Redis key ${this.#store.key}: ${errorMessage(err)}`,
        { retryable: true, cause: err },
      );
    }
  }

  /** Takes credentials from Redis or a renewal when they are newer than (or differ from) ours. */
  #adopt(kept: KeptCredentials, force = false): void {
    const current = this.#current;
    const differs =
      !current ||
      current.credentials.clientId !== kept.credentials.clientId ||
      current.credentials.password !== kept.credentials.password;
    if (!force && !differs) return;
    if (current && differs) this.#lastRenewalAt = this.#deps.clock.now();
    this.#current = kept;
    this.#deps.secrets?.add(kept.credentials.password);
    this.#updateExpiryMetric();
    // New credentials (first fetch, a renewal, another replica's) move the renewal check: the
    // timer may be set a whole checkInterval ahead, longer than a short-lived JWT has left
    // (found by the chaos suite, scenario 8: the first JWT was never renewed).
    if (differs && this.#timer) {
      const interval = this.#deps.checkInterval ?? 600_000;
      this.#schedule(Math.max(0, Math.min(interval, this.#renewAt(kept) - this.#deps.clock.now())));
    }
  }

  #updateExpiryMetric(): void {
    const expiresAt = this.#current?.credentials.expiresAt;
    if (expiresAt)
      this.#deps.metrics?.credentialExpirySeconds.set(
        Math.round((expiresAt.getTime() - this.#deps.clock.now()) / 1000),
      );
  }

  #expired(kept: KeptCredentials): boolean {
    const exp = kept.credentials.expiresAt?.getTime();
    return exp !== undefined && this.#deps.clock.now() >= exp;
  }

  /** When renewal is due: `renewBefore` ahead of exp, but never in the first half of the lifetime. */
  #renewAt(kept: KeptCredentials): number {
    const exp = kept.credentials.expiresAt?.getTime();
    if (exp === undefined) return Number.POSITIVE_INFINITY;
    const start = kept.credentials.issuedAt?.getTime() ?? kept.fetchedAt;
    return Math.max(exp - this.#deps.source.renewBefore, start + (exp - start) / 2);
  }

  #schedule(delay: number): void {
    if (this.#abort.signal.aborted) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, Math.min(delay, MAX_TIMER)));
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const interval = this.#deps.checkInterval ?? 600_000;
    try {
      const kept = await this.#readStore();
      if (kept) this.#adopt(kept);
      const current = this.#current;
      if (current && this.#deps.clock.now() >= this.#renewAt(current)) await this.renew('expiry');
      this.#updateExpiryMetric();
      const next = this.#current ? this.#renewAt(this.#current) - this.#deps.clock.now() : interval;
      this.#schedule(Math.max(0, Math.min(interval, next)));
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      if (!this.#retryDelay) this.#log.warn({ err: errorMessage(err) }, 'credential check failed');
      // renew() logged the failure and chose the back-off; the old credentials stay in use.
      this.#schedule(Math.max(10, this.#retryDelay || Math.min(interval, 5000)));
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
