/**
 * Every Redis key name flup-bridge writes is built here, from `redis.prefix`, so the key space can
 * be read (and, for Redis Cluster, hash-tagged) in one place. The strings are the ones stored by
 * earlier versions: changing one is a data migration.
 */
/** The BullMQ queue name of a webhook. */
export function webhookQueueName(webhookId: string): string {
  return `wh.${webhookId}`;
}

/** A flight (carrier, number, date) as the flight-state keys name it; checked by src/flights. */
export interface FlightKeyRef {
  carrier: string;
  flightNumber: string;
  date: string;
}

export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** BullMQ's own key prefix; BullMQ builds `<prefix>:<queue>:<suffix>` under it. */
  get bullPrefix(): string {
    return this.prefix;
  }

  /** The BullMQ queue name of a webhook (its keys are `<prefix>:wh.<webhookId>:*`). */
  queueName(webhookId: string): string {
    return webhookQueueName(webhookId);
  }

  /** Sorted set: the message keys a batching webhook already has (ingest dedup memory). */
  dedup(webhookId: string): string {
    return `${this.prefix}:dedup:${webhookId}`;
  }

  /** The ingest leader lock (one ingest process subscribes at a time). */
  ingestLeader(): string {
    return `${this.prefix}:ingest:leader`;
  }

  /** A webhook's circuit breaker state. */
  breaker(webhookId: string): string {
    return `${this.prefix}:delivery:${webhookId}:breaker`;
  }

  /** Set while a webhook is disabled through the admin API. */
  disabled(webhookId: string): string {
    return `${this.prefix}:delivery:${webhookId}:disabled`;
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

  /** Hash: one minute of a webhook's deliveries (counts, latency buckets) for the dashboard charts. */
  deliveryMinute(webhookId: string, minute: number): string {
    return `${this.prefix}:history:${webhookId}:${minute}`;
  }

  /** A cached Flight Status answer (or lasting error) for a URL. */
  enrichAnswer(url: string): string {
    return `${this.prefix}:enrich:fs:${url}`;
  }

  /** An upstream fault on a URL, or on the whole API when scope is `*`. */
  enrichFault(scope: string): string {
    return `${this.prefix}:enrich:fault:${scope}`;
  }

  /** Held by the one worker calling a Flight Status URL (single flight). */
  enrichLock(url: string): string {
    return `${this.prefix}:enrich:lock:${url}`;
  }

  /** Set after an API-wide fault until a call succeeds. */
  enrichProbation(): string {
    return `${this.prefix}:enrich:probation`;
  }

  /** Held by the one caller allowed to probe the API during probation. */
  enrichProbe(): string {
    return `${this.prefix}:enrich:probe`;
  }

  /** rate-limiter-flexible key prefix of the Flight Status limit per second (`s`) or hour (`h`). */
  enrichRate(window: 's' | 'h'): string {
    return `${this.prefix}:enrich:rate:${window}`;
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

  /** Sorted set (`ordering: flight`): job id → sequence, routed to the webhook and not yet done. */
  flightPending(webhookId: string, ref: FlightKeyRef): string {
    return `${this.prefix}:${this.flightTag(ref)}:wh:${webhookId}:pending`;
  }

  /** Sorted set (`ordering: flight`): sequences done at the webhook (a redelivery stays done). */
  flightDone(webhookId: string, ref: FlightKeyRef): string {
    return `${this.prefix}:${this.flightTag(ref)}:wh:${webhookId}:done`;
  }
}
