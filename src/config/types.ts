/**
 * The validated, defaulted configuration every part receives. Durations are milliseconds.
 * The schema in schema.ts is the source of truth for docs and defaults; these types mirror it, and
 * test/config/types-drift.test.ts fails when a key is in one and not the other.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type Role = 'all' | 'ingest' | 'worker';

export interface RedisSentinelConfig {
  name: string;
  /** host:port of each sentinel; empty = not Sentinel. */
  nodes: string[];
  password: string;
  sentinelPassword: string;
  tls: boolean;
}

export interface RedisClusterConfig {
  /** host:port seed nodes; empty = not Cluster. */
  nodes: string[];
  password: string;
  tls: boolean;
}

export interface RedisConfig {
  /** "" only when redis.sentinel or redis.cluster is set (loadConfig fills the default). */
  url: string;
  sentinel: RedisSentinelConfig;
  cluster: RedisClusterConfig;
  prefix: string;
  /** Replicas that must confirm a write batch (WAIT) before its PUBACKs; 0 = none. */
  minReplicas: number;
  /** WAIT timeout per write batch, ms. */
  minReplicasTimeout: number;
}

export interface BrokerConfig {
  /** "" = use the Certificate Manager answer's `endpoint`. */
  host: string;
  port: number;
  tls: boolean;
  caFile: string;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5. */
  protocolVersion: 4 | 5;
  /** Skip TLS certificate verification: only for local simulators. */
  insecure: boolean;
}

export interface LufthansaSourceConfig {
  apiBase: string;
  clientKey: string;
  clientSecret: string;
  clientId: string;
  authGroups: string;
  topics: string[];
  qos: 0 | 1;
  /** Renew the broker JWT this long before its `exp`. */
  renewBefore: number;
  broker: BrokerConfig;
}

export interface MqttSourceConfig {
  url: string;
  username: string;
  password: string;
  clientId: string;
  topics: string[];
  qos: 0 | 1;
  caFile: string;
  protocolVersion: 4 | 5;
}

export interface SourceConfig {
  kind: 'lufthansa' | 'mqtt';
  lufthansa: LufthansaSourceConfig;
  mqtt: MqttSourceConfig;
}

export interface IngestConfig {
  /** Messages written to Redis in one pipeline before their PUBACKs go out. */
  batchMaxSize: number;
  /** Longest a message waits for its batch to fill. */
  batchMaxWait: number;
  /** At a steady rate, how long a lone message waits for a second one to share its write; 0 = never. */
  groupWindow: number;
  maxPayloadBytes: number;
  /** What to do with a payload that is not JSON / not UTF-8: forward it base64-encoded, or dead-letter it. */
  invalidPayload: 'forward' | 'deadletter';
  /** JSON field path whose value identifies a message for dedup; "" = sha-256 of topic + payload. */
  dedupKey: string;
  dedupWindow: number;
  leaderLockTtl: number;
  /** Ingest paused by failing Redis writes longer than this: /readyz not ready. */
  writeFailureGrace: number;
  reconnectMaxDelay: number;
  /** MQTT 5 only: how long the broker keeps the session while we are away. */
  sessionExpiryInterval: number;
  keepalive: number;
}

export interface EventTypeRule {
  topic: string;
  type: string;
}

export interface EventsConfig {
  /** Generic MQTT sources: event `type` by topic filter, first match wins. */
  types: EventTypeRule[];
  defaultType: string;
  /** ms: flight.delayed threshold. */
  delayThreshold: number;
}

export interface FlightStateConfig {
  /** ms kept after the flight date. */
  retention: number;
  maxSequencesPerFlight: number;
}

export interface EnrichmentConfig {
  cacheTtl: number;
  ratePerSecond: number;
  ratePerHour: number;
  maxWait: number;
  onError: 'deliver' | 'retry';
  timeout: number;
}

export interface RetryConfig {
  attempts: number;
  initialDelay: number;
  factor: number;
  maxDelay: number;
  /** Explicit delays between attempts; when non-empty it replaces the exponential schedule. */
  schedule: number[];
}

export interface BreakerConfig {
  failureThreshold: number;
  cooldown: number;
  maxCooldown: number;
}

export interface WebhookTlsConfig {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface RateLimitConfig {
  max: number;
  duration: number;
}

export interface WebhookConfig {
  id: string;
  url: string;
  enabled: boolean;
  /** Standard Webhooks secrets (`whsec_...`); several = rotation, each signs. */
  secrets: string[];
  topics: string[];
  /** JSON path → accepted value(s); all entries must match. */
  where: Record<string, unknown>;
  /** Event type filters, `flight.*` wildcards allowed; empty = all. */
  events: string[];
  enrich: Array<'flightStatus'>;
  /** flight: deliver a flight's events in sequence order. */
  ordering: 'none' | 'flight';
  body: 'envelope' | 'raw';
  headers: Record<string, string>;
  concurrency: number;
  batchSize: number;
  rateLimit: RateLimitConfig | null;
  timeout: number;
  connectTimeout: number;
  connections: number;
  maxResponseBytes: number;
  retry: RetryConfig;
  maxAge: number;
  breaker: BreakerConfig;
  tls: WebhookTlsConfig;
  auth: { provider: string } | null;
  /** Only messages matching one of the webhook's run-time subscriptions. */
  subscriptions: boolean;
}

export interface TokenProviderBase {
  id: string;
  /** Refresh this long before expiry; 0 = at 80% of the token's lifetime. */
  refreshSkew: number;
}

export interface AerisProviderConfig extends TokenProviderBase {
  kind: 'aeris';
  baseUrl: string;
  clientId: string;
  cs: string;
  accountId: string;
  as: string;
  requesterId: string;
}

export interface ClientCredentialsProviderConfig extends TokenProviderBase {
  kind: 'oauth2-client-credentials';
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  audience: string;
  authMethod: 'client_secret_post' | 'client_secret_basic';
}

export interface PkceProviderConfig extends TokenProviderBase {
  kind: 'oauth2-pkce';
  /** OpenID/OAuth issuer for discovery; or give authorizeUrl + tokenUrl. */
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Loopback port for the redirect listener; 0 = any free port. */
  redirectPort: number;
  redirectPath: string;
}

export interface StaticProviderConfig extends TokenProviderBase {
  kind: 'static';
  token: string;
  username: string;
  password: string;
}

export type TokenProviderConfig =
  AerisProviderConfig | ClientCredentialsProviderConfig | PkceProviderConfig | StaticProviderConfig;

export interface DeliveryConfig {
  deadLetterRetention: number;
  completedMaxCount: number;
  shutdownTimeout: number;
}

export interface AdminConfig {
  listen: string;
  token: string;
  /** Host names the admin server answers to besides IP literals, localhost and the listen host. */
  allowedHosts: string[];
}

export interface LogConfig {
  level: LogLevel;
  /** auto = pretty on a TTY, JSON otherwise. */
  format: 'auto' | 'json' | 'pretty';
}

/** The `telemetry` section: null = unset, the OTEL_* variable (or its default) applies. */
export interface TelemetrySectionConfig {
  enabled: boolean | null;
  endpoint: string | null;
  serviceName: string | null;
  sampler: string | null;
  samplerArg: number | null;
}

export interface Config {
  role: Role;
  redis: RedisConfig;
  source: SourceConfig;
  ingest: IngestConfig;
  events: EventsConfig;
  flightState: FlightStateConfig;
  enrichment: EnrichmentConfig;
  delivery: DeliveryConfig;
  webhooks: WebhookConfig[];
  tokenProviders: TokenProviderConfig[];
  admin: AdminConfig;
  telemetry: TelemetrySectionConfig;
  log: LogConfig;
  subscriptions: SubscriptionsConfig;
  timeline: TimelineConfig;
}

export interface SubscriptionsConfig {
  flightGrace: number;
  refresh: number;
}

export interface TimelineConfig {
  retention: number;
  maxNotificationsPerFlight: number;
  maxAttemptsPerMessage: number;
}
