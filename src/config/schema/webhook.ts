/**
 * The keys of one `webhooks:` item: target, signing, retries, breaker, TLS, rate limit, filters.
 */
import {
  checkBoolean,
  checkDurationList,
  checkEnum,
  checkHttpUrlWithoutCredentials,
  checkInt,
  checkNonEmptyString,
  checkNumber,
  checkString,
  checkStringList,
  checkStringMap,
  parseDuration,
} from '../formats.js';
import type { ObjectSpec } from '../spec.js';
import { checkEventFilters, checkWebhookSecrets, checkWhere, idCheck, topicList } from './checks.js';

const retrySpec: ObjectSpec = {
  fields: {
    attempts: { doc: 'Delivery attempts in all, the first included.', default: 20, check: checkInt(1, 1000) },
    initialDelay: {
      doc: 'First retry delay (exponential schedule, full jitter).',
      default: 1000,
      check: parseDuration,
    },
    factor: { doc: 'Growth of the delay per attempt.', default: 2, check: checkNumber(1) },
    maxDelay: { doc: 'Cap of one retry delay.', default: 3_600_000, check: parseDuration },
    schedule: {
      doc: 'Explicit delays between attempts (e.g. [5s, 5m, 30m, 2h, 5h, 10h, 10h]); replaces the exponential schedule and sets attempts to its length + 1.',
      default: [],
      check: checkDurationList,
    },
  },
};

const breakerSpec: ObjectSpec = {
  fields: {
    failureThreshold: { doc: 'Consecutive failures that open the circuit.', default: 5, check: checkInt(1) },
    cooldown: {
      doc: 'First pause while open, before one probe request.',
      default: 5000,
      check: parseDuration,
    },
    maxCooldown: {
      doc: 'Cap of the pause; it doubles while the endpoint stays down.',
      default: 300_000,
      check: parseDuration,
    },
  },
};

const tlsSpec: ObjectSpec = {
  fields: {
    certFile: { doc: 'Client certificate (PEM) for mTLS.', default: '', check: checkString },
    keyFile: { doc: 'Client private key (PEM) for mTLS.', default: '', check: checkString },
    caFile: { doc: 'Extra CA bundle (PEM) to trust for this endpoint.', default: '', check: checkString },
  },
  refine: (v) =>
    Boolean(v.certFile) !== Boolean(v.keyFile) ? [['keyFile', 'certFile and keyFile go together']] : [],
};

const rateLimitSpec: ObjectSpec = {
  fields: {
    max: { doc: 'Requests allowed per duration.', required: true, check: checkInt(1) },
    duration: { doc: 'The window of `max`.', default: 1000, check: parseDuration },
  },
};

export const webhookSpec: ObjectSpec = {
  fields: {
    id: { doc: 'Unique name; part of queue names, metrics and logs.', required: true, check: idCheck },
    url: {
      doc: 'Where deliveries are POSTed. No user:password@ in it: use auth (a static tokenProviders entry with username/password) or headers.Authorization.',
      required: true,
      check: checkHttpUrlWithoutCredentials(
        'must not hold user:password@ (credentials in a URL are not sent): use auth: { provider: <id> } with a tokenProviders entry of kind static (username, password), or headers: { Authorization: ... }',
      ),
    },
    enabled: {
      doc: 'false keeps the webhook configured but sends nothing.',
      default: true,
      check: checkBoolean,
    },
    secret: {
      doc: 'Standard Webhooks signing secret(s): whsec_... (HMAC, v1) or whsk_... (ed25519, v1a; flup-bridge secret --asymmetric); a list (or space-separated) signs with each, for rotation or a migration. Also `secretFile`.',
      required: true,
      sensitive: true,
      check: checkWebhookSecrets,
    },
    topics: {
      doc: 'MQTT topic filters this webhook receives (+ and # wildcards).',
      default: ['#'],
      check: topicList,
    },
    where: {
      doc: 'JSON field conditions, all must hold: { "Update.Code": ["ASM CNL", "ASM RPL DIV"] }.',
      default: {},
      check: checkWhere,
    },
    events: {
      doc: 'Event types to receive (flight.cancelled, flight.*); empty = all.',
      default: [],
      check: checkEventFilters,
    },
    enrich: {
      doc: 'Enrichers to run before delivery: flightStatus fetches the linked Flight Status resource.',
      default: [],
      check: (v) => checkStringList(v).map((e) => checkEnum(['flightStatus'])(e)),
    },
    ordering: {
      doc: "none, or flight: a flight's events reach this webhook in `flight.sequence` order (a failing event holds back only the later events of its flight; a dead-lettered one releases the next). One job per message (batchSize is ignored).",
      default: 'none',
      check: checkEnum(['none', 'flight']),
    },
    body: {
      doc: 'envelope (typed JSON event) or raw (the payload bytes as received).',
      default: 'envelope',
      check: checkEnum(['envelope', 'raw']),
    },
    headers: { doc: 'Static headers added to every request.', default: {}, check: checkStringMap },
    concurrency: { doc: 'Parallel requests per worker process.', default: 10, check: checkInt(1, 1000) },
    batchSize: {
      doc: 'Most messages in one delivery job. Ingest writes what arrived together for a webhook as one job (a lone message as a job of its own, job id = message key); each message gets its first attempt inside it, and one not delivered at once continues as a job of its own (retries, dead letter). The jobs and the dedup record of their messages are written in one Redis transaction, so redeliveries are refused exactly as with one job per message. 1 = always one job per message (about half the burst throughput). Ignored with rateLimit.',
      default: 100,
      check: checkInt(1, 10_000),
    },
    rateLimit: {
      doc: 'Optional cap, e.g. { max: 50, duration: 1s }.',
      default: null,
      nullable: true,
      object: rateLimitSpec,
    },
    timeout: {
      doc: 'Whole request deadline (connect, headers, body).',
      default: 15_000,
      check: parseDuration,
    },
    connectTimeout: { doc: 'TCP/TLS connect deadline.', default: 5000, check: parseDuration },
    connections: { doc: 'Most sockets to this origin at once.', default: 32, check: checkInt(1, 1024) },
    maxResponseBytes: {
      doc: 'Response bytes kept for the dead-letter record; the rest is drained.',
      default: 4096,
      check: checkInt(0),
    },
    retry: { doc: 'Retry schedule.', default: {}, object: retrySpec },
    maxAge: {
      doc: 'A message older than this is dead-lettered as stale instead of delivered.',
      default: 86_400_000,
      check: parseDuration,
    },
    breaker: { doc: 'Circuit breaker.', default: {}, object: breakerSpec },
    tls: { doc: 'mTLS client certificate and CA.', default: {}, object: tlsSpec },
    auth: {
      doc: 'Outbound auth: { provider: <tokenProviders id> }.',
      default: null,
      nullable: true,
      object: {
        fields: { provider: { doc: 'A tokenProviders id.', required: true, check: checkNonEmptyString } },
      },
    },
    subscriptions: {
      doc: "true: receive only messages matching one of this webhook's run-time subscriptions (POST /api/subscriptions), on top of topics, events and where.",
      default: false,
      check: checkBoolean,
    },
  },
};
