/**
 * Every Redis key name flup-bridge writes is built here, from `redis.prefix`, so the key space can
 * be read (and, for Redis Cluster, hash-tagged) in one place. The strings are the ones stored by
 * earlier versions: changing one is a data migration.
 *
 * Two layouts. On one server (or a Sentinel-managed primary) the names are the ones earlier
 * versions wrote, so an upgrade finds the jobs already waiting in `<prefix>:wh.<id>:*`. On a Redis
 * Cluster each webhook's keys carry the hash tag `{wh.<id>}`: its BullMQ queue, its dedup record
 * and its breaker state share one slot (BullMQ's scripts and the jobs + dedup MULTI need that),
 * while different webhooks spread over the masters. Global keys keep their names (single-key
 * commands); the Flight Status fault keys, read and written together, share `{enrich}`.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './factory.js';

export type KeyLayout = 'single' | 'cluster';

/** The layout a client needs: tags on a Cluster, the historical names everywhere else. */
export function keyLayoutOf(redis: RedisClient): KeyLayout {
  return redis instanceof Cluster ? 'cluster' : 'single';
}

/** The BullMQ queue name of a webhook: `wh.<id>`, or `{wh.<id>}` (a hash tag) on a Cluster. */
export function webhookQueueName(webhookId: string, layout: KeyLayout = 'single'): string {
  return layout === 'cluster' ? `{wh.${webhookId}}` : `wh.${webhookId}`;
}

export class RedisKeys {
  constructor(
    readonly prefix: string,
    readonly layout: KeyLayout = 'single',
  ) {}

  /** The keys for a prefix as `redis` needs them laid out. */
  static for(redis: RedisClient, prefix: string): RedisKeys {
    return new RedisKeys(prefix, keyLayoutOf(redis));
  }

  /** BullMQ's own key prefix; BullMQ builds `<prefix>:<queue>:<suffix>` under it. */
  get bullPrefix(): string {
    return this.prefix;
  }

  /** The BullMQ queue name of a webhook (its keys are `<prefix>:<queue name>:*`). */
  queueName(webhookId: string): string {
    return webhookQueueName(webhookId, this.layout);
  }

  /** Sorted set: the message keys a webhook already has (ingest dedup memory). */
  dedup(webhookId: string): string {
    return `${this.prefix}:dedup:${this.#webhook(webhookId)}`;
  }

  /** The ingest leader lock (one ingest process subscribes at a time). */
  ingestLeader(): string {
    return `${this.prefix}:ingest:leader`;
  }

  /** A webhook's circuit breaker state. */
  breaker(webhookId: string): string {
    return `${this.prefix}:delivery:${this.#webhook(webhookId)}:breaker`;
  }

  /** Set while a webhook is disabled through the admin API. */
  disabled(webhookId: string): string {
    return `${this.prefix}:delivery:${this.#webhook(webhookId)}:disabled`;
  }

  /** A PKCE token provider's stored refresh token. */
  tokens(providerId: string): string {
    return `${this.prefix}:tokens:${providerId}`;
  }

  /** Held by the one process refreshing a PKCE provider's token. */
  tokensLock(providerId: string): string {
    return `${this.tokens(providerId)}:lock`;
  }

  /** The Lufthansa broker credentials issued for a requested client id. */
  lufthansaCredentials(clientId: string): string {
    return `${this.prefix}:credentials:lufthansa:${clientId}`;
  }

  /** Held by the one process renewing those credentials. */
  lufthansaCredentialsRenewLock(clientId: string): string {
    return `${this.lufthansaCredentials(clientId)}:renew-lock`;
  }

  /** A cached Flight Status answer (or lasting error) for a URL. */
  enrichAnswer(url: string): string {
    return `${this.prefix}:enrich:fs:${url}`;
  }

  /** An upstream fault on a URL, or on the whole API when scope is `*`. */
  enrichFault(scope: string): string {
    return `${this.prefix}:${this.#enrich}:fault:${scope}`;
  }

  /** Held by the one worker calling a Flight Status URL (single flight). */
  enrichLock(url: string): string {
    return `${this.prefix}:enrich:lock:${url}`;
  }

  /** Set after an API-wide fault until a call succeeds. */
  enrichProbation(): string {
    return `${this.prefix}:${this.#enrich}:probation`;
  }

  /** Held by the one caller allowed to probe the API during probation. */
  enrichProbe(): string {
    return `${this.prefix}:enrich:probe`;
  }

  /** rate-limiter-flexible key prefix of the Flight Status limit per second (`s`) or hour (`h`). */
  enrichRate(window: 's' | 'h'): string {
    return `${this.prefix}:enrich:rate:${window}`;
  }

  /** The webhook part of its keys: tagged like its queue on a Cluster. */
  #webhook(webhookId: string): string {
    return this.layout === 'cluster' ? `{wh.${webhookId}}` : webhookId;
  }

  /** Fault and probation keys are read and written in one MULTI: one slot on a Cluster. */
  get #enrich(): string {
    return this.layout === 'cluster' ? '{enrich}' : 'enrich';
  }
}
