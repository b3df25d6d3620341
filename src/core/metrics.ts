/**
 * Every Prometheus metric the bridge exports, defined in one place so names stay consistent.
 * Parts receive this object and count into it; /metrics serves its registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Metrics {
  readonly registry: Registry;

  // ingest
  readonly messagesReceived: Counter<'source'>;
  readonly messagesAcked: Counter;
  readonly messagesRouted: Counter;
  readonly messagesUnrouted: Counter;
  readonly messagesRejected: Counter<'reason'>;
  readonly ingestBatchSize: Histogram;
  readonly ingestWriteSeconds: Histogram;
  readonly ingestRedisErrors: Counter;
  readonly ingestPaused: Gauge;
  readonly ingestReplicationTimeouts: Counter;
  readonly mqttConnected: Gauge;
  readonly mqttReconnects: Counter;
  readonly mqttGrantedQos: Gauge<'topic'>;
  readonly mqttQosDowngrades: Counter<'topic'>;
  readonly mqttSessionLost: Counter;
  readonly redisErrors: Counter<'cause'>;
  readonly leader: Gauge;
  readonly credentialExpirySeconds: Gauge;
  readonly credentialRenewals: Counter<'reason' | 'outcome'>;

  // delivery
  readonly deliveries: Counter<'webhook' | 'outcome'>;
  readonly deliverySeconds: Histogram<'webhook'>;
  readonly endToEndSeconds: Histogram<'webhook'>;
  readonly retries: Counter<'webhook'>;
  readonly deadLetters: Counter<'webhook' | 'reason'>;
  readonly breakerOpen: Gauge<'webhook'>;
  readonly webhookDisabled: Gauge<'webhook'>;
  readonly jobs: Gauge<'webhook' | 'state'>;
  readonly claimedJobs: Counter<'webhook'>;

  // tokens and enrichment
  readonly tokenFetches: Counter<'provider' | 'outcome'>;
  readonly tokenLoginRequired: Gauge<'provider'>;
  readonly enrichmentCalls: Counter<'outcome'>;
  readonly enrichmentCacheHits: Counter;
  readonly enrichmentRateLimited: Counter;
  readonly enrichmentSeconds: Histogram;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = new Registry())];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'flup_' });
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name: `flup_${name}`, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Gauge<L>({ name: `flup_${name}`, help, labelNames, registers });
    const histogram = <L extends string>(
      name: string,
      help: string,
      labelNames: L[] = [],
      buckets = LATENCY_BUCKETS,
    ) => new Histogram<L>({ name: `flup_${name}`, help, labelNames, buckets, registers });

    this.messagesReceived = counter('messages_received_total', 'MQTT messages received', ['source']);
    this.messagesAcked = counter(
      'messages_acked_total',
      'MQTT messages acknowledged to the broker after Redis stored them',
    );
    this.messagesRouted = counter('messages_routed_total', 'Messages that matched at least one webhook');
    this.messagesUnrouted = counter(
      'messages_unrouted_total',
      'Messages no webhook wanted (acked, not stored)',
    );
    this.messagesRejected = counter('messages_rejected_total', 'Messages dead-lettered at ingest', [
      'reason',
    ]);
    this.ingestBatchSize = histogram(
      'ingest_batch_size',
      'Messages per Redis write',
      [],
      [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    );
    this.ingestWriteSeconds = histogram('ingest_write_seconds', 'Time to store one ingest batch in Redis');
    this.ingestRedisErrors = counter(
      'ingest_redis_errors_total',
      'Failed batch writes (messages stay unacked and are retried)',
    );
    this.ingestPaused = gauge('ingest_paused', '1 while ingest holds acks because Redis is unavailable');
    this.ingestReplicationTimeouts = counter(
      'ingest_replication_timeouts_total',
      'Write batches not confirmed by redis.minReplicas replicas in time (left unacked, written again)',
    );
    this.mqttConnected = gauge('mqtt_connected', '1 while the MQTT session is up');
    this.mqttReconnects = counter('mqtt_reconnects_total', 'MQTT reconnect attempts');
    this.mqttGrantedQos = gauge('mqtt_granted_qos', 'QoS the broker granted per subscription', ['topic']);
    this.mqttQosDowngrades = counter(
      'mqtt_qos_downgrades_total',
      'Subscriptions granted a lower QoS than requested',
      ['topic'],
    );
    this.mqttSessionLost = counter(
      'mqtt_session_lost_total',
      'Reconnects where the broker had not kept the session (messages may have been lost upstream)',
    );
    this.redisErrors = counter(
      'redis_errors_total',
      'Redis commands refused or failed, by cause (oom, crossslot, moved, readonly, ...)',
      ['cause'],
    );
    this.leader = gauge('leader', '1 on the replica that holds the ingest leader lock');
    this.credentialExpirySeconds = gauge('credential_expiry_seconds', 'Seconds until the broker JWT expires');
    this.credentialRenewals = counter('credential_renewals_total', 'Broker credential renewals', [
      'reason',
      'outcome',
    ]);

    this.deliveries = counter('deliveries_total', 'Delivery attempts by outcome', ['webhook', 'outcome']);
    this.deliverySeconds = histogram('delivery_seconds', 'HTTP request duration of a delivery attempt', [
      'webhook',
    ]);
    this.endToEndSeconds = histogram('end_to_end_seconds', 'From MQTT receipt to a successful delivery', [
      'webhook',
    ]);
    this.retries = counter('retries_total', 'Deliveries scheduled for another attempt', ['webhook']);
    this.deadLetters = counter('dead_letters_total', 'Messages dead-lettered', ['webhook', 'reason']);
    this.breakerOpen = gauge('breaker_open', '1 while the webhook circuit breaker is open', ['webhook']);
    this.webhookDisabled = gauge(
      'webhook_disabled',
      '1 when the webhook is disabled (410 Gone or by an operator)',
      ['webhook'],
    );
    this.jobs = gauge('jobs', 'Jobs per webhook queue by state', ['webhook', 'state']);
    this.claimedJobs = counter(
      'claimed_jobs_total',
      "Jobs the ingest write handed straight to this process's idle worker (no fetch round trips)",
      ['webhook'],
    );

    this.tokenFetches = counter('token_fetches_total', 'Token requests by provider and outcome', [
      'provider',
      'outcome',
    ]);
    this.tokenLoginRequired = gauge(
      'token_login_required',
      '1 when an oauth2-pkce provider needs `flup-bridge auth login`',
      ['provider'],
    );
    this.enrichmentCalls = counter('enrichment_calls_total', 'Flight Status calls by outcome', ['outcome']);
    this.enrichmentCacheHits = counter(
      'enrichment_cache_hits_total',
      'Flight Status answers served from the cache',
    );
    this.enrichmentRateLimited = counter(
      'enrichment_rate_limited_total',
      'Enrichments that waited for the rate limit',
    );
    this.enrichmentSeconds = histogram('enrichment_seconds', 'Time to enrich one delivery');
  }
}
