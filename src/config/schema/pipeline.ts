/**
 * The data path after the source: `ingest:` (batching, dedup), `events:` (typing), `flightState:`,
 * `enrichment:` (Flight Status) and `delivery:`.
 */
import { checkEnum, checkInt, checkNonEmptyString, checkString, checkTopicFilter } from '../formats.js';
import type { ObjectSpec } from '../spec.js';
import { duration, type SchemaTree } from './leaf.js';

const eventTypeRuleSpec: ObjectSpec = {
  fields: {
    topic: { doc: 'Topic filter.', required: true, check: checkTopicFilter },
    type: { doc: 'Event type for messages on it.', required: true, check: checkNonEmptyString },
  },
};

export const pipelineSettings: SchemaTree = {
  ingest: {
    batchMaxSize: {
      doc: 'Messages written to Redis in one pipeline before their PUBACKs go out.',
      default: 500,
      check: checkInt(1, 10_000),
      env: 'FLUP_INGEST_BATCH_MAX_SIZE',
    },
    batchMaxWait: duration('Longest a message waits for its batch to fill before the write.', '5ms'),
    groupWindow: duration(
      'At a steady rate (messages on average at most this apart), how long a lone message waits for a second one to share its Redis write and delivery job; 0 = never waits (the default: lowest latency).',
      '0ms',
    ),
    maxPayloadBytes: {
      doc: 'Larger payloads are dead-lettered with a reason.',
      default: 262_144,
      check: checkInt(1),
      env: 'FLUP_INGEST_MAX_PAYLOAD_BYTES',
    },
    invalidPayload: {
      doc: 'Non-JSON or non-UTF-8 payloads: forward (base64 in the envelope) or deadletter.',
      default: 'forward',
      check: checkEnum(['forward', 'deadletter']),
    },
    dedupKey: {
      doc: 'JSON field path that identifies a message; "" = sha-256 of topic + payload.',
      default: '',
      check: checkString,
    },
    dedupWindow: duration('A redelivered message is recognised for this long.', '24h'),
    leaderLockTtl: duration('Leader lock lifetime; a standby takes over within it.', '15s'),
    writeFailureGrace: duration(
      'How long ingest may be paused by Redis refusing writes (maxmemory, a failover) before /readyz says not ready; 0 = at once.',
      '0s',
    ),
    reconnectMaxDelay: duration('Cap of the reconnect backoff.', '30s'),
    sessionExpiryInterval: duration(
      'MQTT 5: how long the broker keeps our session while disconnected.',
      '7d',
    ),
    keepalive: duration('MQTT keepalive interval.', '30s'),
  },
  events: {
    types: {
      doc: 'Generic MQTT sources: [{ topic, type }] sets the event type by topic filter (first match).',
      default: [],
      check: (v) => v,
      items: eventTypeRuleSpec,
    },
    defaultType: {
      doc: 'Event type of generic MQTT messages no rule matches.',
      default: 'mqtt.message',
      check: checkNonEmptyString,
    },
    delayThreshold: duration(
      'Derived event flight.delayed: an estimate moved at least this far past the schedule or past the previous estimate (webhooks with enrich: [flightStatus]).',
      '15m',
    ),
  },
  flightState: {
    retention: duration(
      'Flight state in Redis (per-flight sequence, statuses, changes, ordering) is kept this long after the flight date.',
      '3d',
    ),
    maxSequencesPerFlight: {
      doc: 'Notifications (message keys, statuses, changes) kept per flight; the oldest go first.',
      default: 100,
      check: checkInt(2, 100_000),
    },
  },
  enrichment: {
    cacheTtl: duration(
      'Flight Status answers are reused for this long (per URL, shared by all processes), for notifications received before the answer was requested: a later change is always fetched anew.',
      '60s',
    ),
    ratePerSecond: {
      doc: 'Flight Status calls per second, all processes together.',
      default: 5,
      check: checkInt(1),
      env: 'FLUP_ENRICH_RATE_PER_SECOND',
    },
    ratePerHour: {
      doc: 'Flight Status calls per hour, all processes together.',
      default: 1000,
      check: checkInt(1),
      env: 'FLUP_ENRICH_RATE_PER_HOUR',
    },
    maxWait: duration('How long a delivery waits for a failing or rate-limited Flight Status call.', '5m'),
    onError: {
      doc: 'After maxWait: deliver without the status (with flightStatusError), or keep retrying.',
      default: 'deliver',
      check: checkEnum(['deliver', 'retry']),
    },
    timeout: duration('Deadline of one Flight Status call.', '10s'),
  },
  delivery: {
    deadLetterRetention: duration('Dead letters are kept this long.', '7d'),
    completedMaxCount: {
      doc: 'Most message keys remembered per webhook for dedup (a sorted set, ~100 bytes each), within ingest.dedupWindow.',
      default: 100_000,
      check: checkInt(1),
    },
    shutdownTimeout: duration('On SIGTERM, in-flight deliveries may finish for this long.', '10s'),
  },
};
