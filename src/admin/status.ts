/**
 * What the admin server and /readyz read from the other parts. Each part implements its slice;
 * the admin server depends on these interfaces only.
 */

export interface IngestStatus {
  /** leader: holds the lock and the MQTT session; standby: waiting for the lock. */
  role: 'leader' | 'standby' | 'stopped';
  connected: boolean;
  sessionPresent?: boolean;
  /** Reconnects where the broker had not kept the session (flup_mqtt_session_lost_total). */
  sessionsLost?: number;
  lastSessionLostAt?: string;
  /** Since when Redis has refused ingest writes (ISO time), while paused. */
  pausedSince?: string;
  /** Paused longer than ingest.writeFailureGrace: not ready. */
  writesFailing?: boolean;
  /** The leader lock as this replica last saw it (standby: who leads; the last lock error). */
  lock?: { holder?: string; ttlMs?: number; ageMs: number; error?: string };
  /** true while acks are held because Redis is unavailable. */
  paused: boolean;
  lastMessageAt?: string;
  /** Granted QoS per subscribed topic filter (from SUBACK). */
  grantedQos: Record<string, number>;
}

export interface CredentialStatus {
  clientId: string;
  endpoint: string;
  expiresAt?: string;
  issuedAt?: string;
  lastError?: string;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  paused: number;
}

export interface WebhookState {
  id: string;
  url: string;
  /** active; paused by an operator; disabled after 410 Gone or by config. */
  state: 'active' | 'paused' | 'disabled';
  disabledReason?: string;
  breaker: 'closed' | 'open' | 'half-open';
  counts: QueueCounts;
}

export interface WebhookAdmin {
  list(): Promise<WebhookState[]>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Re-enable an endpoint disabled by 410 Gone. */
  enable(id: string): Promise<void>;
}

export interface DeadLetter {
  /** The job id (stable per message and webhook). */
  id: string;
  webhookId: string;
  /** exhausted | rejected | stale | gone | oversized | invalid-payload ... */
  reason: string;
  detail?: string;
  lastStatus?: number;
  /** First bytes of the last response body. */
  lastBody?: string;
  attempts: number;
  eventType: string;
  topic: string;
  receivedAt: string;
  failedAt: string;
}

export interface DeadLetterQuery {
  webhookId?: string;
  since?: Date;
  limit?: number;
}

/** One dead letter with the message it holds (the event envelope, payload included). */
export interface DeadLetterMessage extends DeadLetter {
  event: unknown;
}

export interface DeadLetterAdmin {
  list(query: DeadLetterQuery): Promise<DeadLetter[]>;
  /** One dead letter with its message; undefined when there is no such dead letter. */
  message?(webhookId: string, id: string): Promise<DeadLetterMessage | undefined>;
  /** Replays one (id + webhookId) or all matching; returns how many were queued again. */
  replay(query: DeadLetterQuery & { id?: string }): Promise<number>;
  purge(query: DeadLetterQuery): Promise<number>;
}

/** Everything the admin server can show; absent parts (by role) are undefined. */
export interface StatusSources {
  ingest?: { status(): IngestStatus };
  credentials?: { status(): CredentialStatus | undefined };
  webhooks?: WebhookAdmin;
  deadLetters?: DeadLetterAdmin;
  tokens?: { status(): Array<{ id: string; state: string; expiresAt?: string; error?: string }> };
  /** Run-time subscriptions and the flight timeline (issue 21). */
  subscriptions?: import('../subscriptions/index.js').SubscriptionStore;
  timeline?: import('../timeline/index.js').TimelineStore;
}
