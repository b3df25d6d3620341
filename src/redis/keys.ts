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

/** A flight (carrier, number, date) as the flight-state keys name it; checked by src/flights. */
export interface FlightKeyRef {
  carrier: string;
  flightNumber: string;
  date: string;
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

  /**
   * Hash: one minute of a webhook's deliveries (counts, latency buckets) for the dashboard charts.
   * Written and read for every webhook in one pipeline: one slot (`{history}`) on a Cluster.
   */
  deliveryMinute(webhookId: string, minute: number): string {
    const history = this.layout === 'cluster' ? '{history}' : 'history';
    return `${this.prefix}:${history}:${webhookId}:${minute}`;
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

  /**
   * `{flight:LH400:2026-12-01}`: every key of one flight carries this hash tag, so Redis Cluster
   * keeps them in one slot and one Lua script may touch several (src/flights checks the ref).
   */
  flightTag(ref: FlightKeyRef): string {
    return `{flight:${ref.carrier}${ref.flightNumber}:${ref.date}}`;
  }

  /** Hash: `seq` the last sequence given; `s<n>` the status of sequence n; `c<n>` its changes. */
  flightState(ref: FlightKeyRef): string {
    return `${this.prefix}:${this.flightTag(ref)}:state`;
  }

  /** Sorted set: message key → its sequence (a redelivery keeps its number). */
  flightMessages(ref: FlightKeyRef): string {
    return `${this.prefix}:${this.flightTag(ref)}:msgs`;
  }

  /** Sorted set: the sequences that have a status. */
  flightStatuses(ref: FlightKeyRef): string {
    return `${this.prefix}:${this.flightTag(ref)}:statuses`;
  }

  /**
   * Sorted set (`ordering: flight`): job id → sequence, routed to the webhook and not yet done.
   * Ingest adds to it inside the webhook's job MULTI, so on a Cluster it carries the webhook's tag
   * (`<prefix>:{wh.<id>}:flight:LH400:2026-12-01:pending`), not the flight's.
   */
  flightPending(webhookId: string, ref: FlightKeyRef): string {
    return `${this.#webhookFlight(webhookId, ref)}:pending`;
  }

  /** Sorted set (`ordering: flight`): sequences done at the webhook (a redelivery stays done). */
  flightDone(webhookId: string, ref: FlightKeyRef): string {
    return `${this.#webhookFlight(webhookId, ref)}:done`;
  }

  #webhookFlight(webhookId: string, ref: FlightKeyRef): string {
    const flight = `${ref.carrier}${ref.flightNumber}:${ref.date}`;
    return this.layout === 'cluster'
      ? `${this.prefix}:{wh.${webhookId}}:flight:${flight}`
      : `${this.prefix}:{flight:${flight}}:wh:${webhookId}`;
  }

  /**
   * The subscription store's keys. All carry the hash tag {subs}: Redis Cluster keeps them in one
   * slot, so one Lua script can change a record, its webhook's index and the change log atomically.
   */
  subscriptions(): SubscriptionKeys {
    const base = `${this.prefix}:{subs}`;
    return {
      records: `${base}:records`,
      webhooks: `${base}:webhooks`,
      version: `${base}:version`,
      epoch: `${base}:epoch`,
      changes: `${base}:changes`,
      byWebhook: (webhookId) => `${base}:wh:${webhookId}`,
      index: (webhookId) => `${base}:idx:${webhookId}`,
      idempotency: (key) => `${base}:idem:${key}`,
    };
  }

  /**
   * The flight timeline's keys. A flight's keys share the hash tag {flight:LH400:2026-12-01} (see
   * flightBucket), so Redis Cluster keeps a flight in one slot and one script can update its
   * notification list and records together.
   */
  timeline(): TimelineKeys {
    const base = `${this.prefix}:tl`;
    return {
      notifications: (bucket) => `${base}:${bucket}:n`,
      messages: (bucket) => `${base}:${bucket}:m`,
      attempts: (bucket, messageId) => `${base}:${bucket}:a:${messageId}`,
      locator: (messageId) => `${base}:loc:${messageId}`,
      recent: `${base}:recent`,
    };
  }
}

export interface SubscriptionKeys {
  /** Hash: subscription id → the subscription as JSON. */
  records: string;
  /** Set: ids of webhooks that have (or had) subscriptions, for a full index load. */
  webhooks: string;
  /** Change counter, incremented by every create and remove. */
  version: string;
  /** Random id set with the first subscription: a new one means Redis lost the data (reload). */
  epoch: string;
  /** Sorted set: score = version, member = "version\twebhookId\tindexKey" (capped). */
  changes: string;
  /** Set: a webhook's subscription ids. */
  byWebhook(webhookId: string): string;
  /** Hash: index key (flight:LH400:2026-12-01, carrier:LH, ...) → its entries, one per line. */
  index(webhookId: string): string;
  /** String: Idempotency-Key → subscription id (expires). */
  idempotency(key: string): string;
}

export interface TimelineKeys {
  /** Sorted set: score = time, member = message id (capped per flight). */
  notifications(bucket: string): string;
  /** Hash: message id → the notification as JSON (with what is needed to re-send it). */
  messages(bucket: string): string;
  /** List: the message's delivery attempts as JSON, oldest first (capped). */
  attempts(bucket: string, messageId: string): string;
  /** String: message id → its bucket, for a look-up by id alone. */
  locator(messageId: string): string;
  /** Sorted set: score = time, member = the message's matchable fields as JSON (last hour). */
  recent: string;
}

/** The timeline bucket (hash tag, braces included) of a flight, e.g. {flight:LH400:2026-12-01}. */
export function flightBucket(flight: string, date: string): string {
  return `{flight:${flight}:${date}}`;
}

/** The timeline bucket of a message without a flight. */
export function messageBucket(messageId: string): string {
  return `{msg:${messageId}}`;
}
