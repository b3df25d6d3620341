/**
 * The Lufthansa broker login: the Certificate Manager's JWT and clientID, kept in Redis so that
 * restarts and replicas reuse them (every new answer is a new clientID, hence a new broker
 * session). Renewed ahead of `exp`, when the broker refuses them, or on an operator's request;
 * a Redis lock makes sure only one replica asks, and the others read its answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LufthansaSourceConfig } from '../../config/index.js';
import type { Clock, Logger, Metrics, SecretRegistry } from '../../core/index.js';
import { type RedisClient, RedisKeys, RedisLock } from '../../redis/index.js';
import type { CredentialStatus } from '../../admin/index.js';
import { type TokenProvider, errorMessage, defaultFetch, type FetchLike } from '../../auth/index.js';
import { DEFAULT_BACKOFF, type RetryBackoffOptions } from '../../core/index.js';
import { CertificateManager } from './certificate-manager.js';
import {
  CredentialStore,
  credentialKey,
  isExpired,
  renewAt,
  type KeptCredentials,
} from './credential-store.js';
import { keepAfterRefusal, renewUnderLock, RenewalHoldBack } from './renewal.js';
import type { BrokerCredentials, CredentialSource, RenewReason } from '../types.js';

export interface LufthansaCredentialsDeps {
  source: LufthansaSourceConfig;
  redis: RedisClient;
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

const MAX_TIMER = 2 ** 31 - 1;

export class LufthansaCredentials implements CredentialSource {
  readonly #deps: LufthansaCredentialsDeps;
  readonly #log: Logger;
  readonly #store: CredentialStore;
  readonly #lock: RedisLock;
  readonly #holdBack: RenewalHoldBack;
  readonly #certificates: CertificateManager;
  #current?: KeptCredentials;
  #renewing?: Promise<BrokerCredentials>;
  /** Clock time of the last renewal this instance made or adopted. */
  #lastRenewalAt = 0;
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
    const retry = deps.retry ?? DEFAULT_BACKOFF;
    this.#holdBack = new RenewalHoldBack(retry);
    this.#certificates = new CertificateManager({
      ...deps,
      fetch: deps.fetch ?? defaultFetch,
      retry,
      log: this.#log,
    });
  }

  /** The Redis key holding the credentials. */
  get key(): string {
    return this.#store.key;
  }

  get certificateUrl(): string {
    return this.#certificates.url;
  }

  /** Credentials kept in Redis, without asking the Certificate Manager (for `credentials show`). */
  async stored(): Promise<BrokerCredentials | undefined> {
    const kept = await this.#store.load();
    if (kept) this.#adopt(kept);
    return kept?.credentials;
  }

  async get(): Promise<BrokerCredentials> {
    let kept: KeptCredentials | undefined;
    try {
      kept = await this.#store.load();
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
    if (current && !isExpired(current, this.#deps.clock.now())) return current.credentials;
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
      const kept = await this.#store.load();
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
      const kept = await this.#store.load();
      if (kept) this.#adopt(kept);
    } catch (err) {
      // The renewal below needs Redis too and will report the outage with the back-off.
      this.#log.debug({ err: errorMessage(err) }, 'cannot read credentials before renewing');
    }
    if (reason === 'refused' && held && this.#current) {
      const keep = keepAfterRefusal({
        held,
        current: this.#current,
        lastRenewalAt: this.#lastRenewalAt,
        now: startedAt,
        window: this.#deps.refusalWindow ?? 60_000,
        log: this.#log,
      });
      if (keep) return keep;
    }
    // After a failed renewal, wait out the back-off before asking again (never a tight loop).
    const wait = this.#holdBack.waitAt(startedAt);
    if (wait > 0) await sleep(wait, undefined, { signal: this.#abort.signal });

    // The credentials this renewal replaces: the ones we held (a fresh instance: the stored ones).
    // Anything else found in Redis under the lock was written by another replica meanwhile.
    const before = held?.credentials.clientId ?? this.#current?.credentials.clientId;
    this.#log.info({ reason, clientId: before }, 'renewing broker credentials');
    try {
      const { credentials, adopted } = await renewUnderLock({
        lock: this.#lock,
        store: this.#store,
        before,
        request: () => this.#certificates.request(this.#abort.signal),
        adopt: (kept, force) => this.#adopt(kept, force),
        clock: this.#deps.clock,
        signal: this.#abort.signal,
        log: this.#log,
      });
      this.#holdBack.succeeded();
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
      const retryInMs = this.#holdBack.failed(this.#deps.clock.now());
      this.#lastError = errorMessage(err);
      this.#deps.metrics?.credentialRenewals.inc({ reason, outcome: 'error' });
      this.#log.error(
        {
          reason,
          err: this.#lastError,
          retryInMs,
          keeping: this.#current?.credentials.clientId,
        },
        `broker credential renewal failed: ${this.#lastError}`,
      );
      throw err;
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
    // With the new clientId visible, an earlier renewal failure no longer describes the state
    // (clearing it only after the lock release let status() show both for a moment).
    if (differs) this.#lastError = undefined;
    this.#current = kept;
    this.#deps.secrets?.add(kept.credentials.password);
    this.#updateExpiryMetric();
    // New credentials (first fetch, a renewal, another replica's) move the renewal check: the
    // timer may be set a whole checkInterval ahead, longer than a short-lived JWT has left
    // (found by the chaos suite, scenario 8: the first JWT was never renewed).
    if (differs && this.#timer) {
      const interval = this.#deps.checkInterval ?? 600_000;
      this.#schedule(
        Math.max(
          0,
          Math.min(interval, renewAt(this.#deps.source.renewBefore, kept) - this.#deps.clock.now()),
        ),
      );
    }
  }

  #updateExpiryMetric(): void {
    const expiresAt = this.#current?.credentials.expiresAt;
    if (expiresAt)
      this.#deps.metrics?.credentialExpirySeconds.set(
        Math.round((expiresAt.getTime() - this.#deps.clock.now()) / 1000),
      );
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
      const kept = await this.#store.load();
      if (kept) this.#adopt(kept);
      const current = this.#current;
      if (current && this.#deps.clock.now() >= renewAt(this.#deps.source.renewBefore, current))
        await this.renew('expiry');
      this.#updateExpiryMetric();
      const next = this.#current
        ? renewAt(this.#deps.source.renewBefore, this.#current) - this.#deps.clock.now()
        : interval;
      this.#schedule(Math.max(0, Math.min(interval, next)));
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      if (!this.#holdBack.delay) this.#log.warn({ err: errorMessage(err) }, 'credential check failed');
      // renew() logged the failure and chose the back-off; the old credentials stay in use.
      this.#schedule(Math.max(10, this.#holdBack.delay || Math.min(interval, 5000)));
    }
  }
}
