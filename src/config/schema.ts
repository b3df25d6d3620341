/**
 * The one configuration schema: convict for the tree of scalar settings (doc, default, env var,
 * sensitive), and item specs for the lists of objects. The README reference and the masking of
 * secrets are generated from here.
 */
import {
  checkBoolean,
  checkDurationList,
  checkEnum,
  checkHttpUrl,
  checkHttpUrlWithoutCredentials,
  checkInt,
  checkListen,
  checkNonEmptyString,
  checkNumber,
  checkString,
  checkStringList,
  checkStringMap,
  checkTopicFilter,
  checkTopicFilters,
  checkUrlWithProtocols,
  ConfigValueError,
  isPlainObject,
  parseDuration,
} from './formats.js';
import type { FieldSpec, ObjectSpec, VariantListSpec } from './spec.js';
import { parseSigningSecret, SigningSecretError } from '../signing-keys/index.js';
import { SAMPLERS } from '../telemetry/index.js';

/** A convict leaf as this project writes it; `check` doubles as convict's format. */
export interface LeafSchema {
  doc: string;
  default: unknown;
  check: (value: unknown) => unknown;
  env?: string;
  sensitive?: boolean;
  /** Lists of objects validated per item. */
  items?: ObjectSpec | VariantListSpec;
}

export type SchemaTree = { [key: string]: LeafSchema | SchemaTree };

export function isLeaf(node: LeafSchema | SchemaTree): node is LeafSchema {
  return typeof (node as LeafSchema).check === 'function' && 'doc' in node;
}

const duration = (doc: string, def: string): LeafSchema => ({
  doc,
  default: parseDuration(def),
  check: parseDuration,
});
const topicList = (value: unknown) => checkTopicFilters(value);
const qos = (value: unknown) => (checkEnum(['0', '1'])(String(value)) === '1' ? 1 : 0);
const protocolVersion = (value: unknown): 4 | 5 => {
  if (value === 4 || value === '4') return 4;
  if (value === 5 || value === '5') return 5;
  throw new ConfigValueError('must be 4 (MQTT 3.1.1) or 5 (MQTT 5)');
};
const port = checkInt(1, 65535);
/** Used when none of redis.url, redis.sentinel.nodes, redis.cluster.nodes is set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const HOST_PORT = /^\[?[^\]\s,]+?\]?:(\d{1,5})$/;
function checkHostPortList(value: unknown): string[] {
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  const nodes = checkStringList(list);
  for (const node of nodes) {
    const m = HOST_PORT.exec(node);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535)
      throw new ConfigValueError(`must be a list of host:port, got ${JSON.stringify(node)}`);
  }
  return nodes;
}
/** The shape of the one-string Sentinel / Cluster forms; redis/target-url.ts parses them at start. */
const REDIS_HA_URL = /^rediss?\+(sentinel|cluster):\/\/(?:[^@/]*@)?([^/?]+)(?:\/([^?]*))?(?:\?.*)?$/;
function checkRedisUrl(value: unknown): string {
  if (value === '') return '';
  const url = checkString(value);
  const ha = REDIS_HA_URL.exec(url);
  if (!ha) {
    return checkUrlWithProtocols(
      url,
      ['redis:', 'rediss:'],
      'a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL',
    );
  }
  const [, kind, hosts, path = ''] = ha;
  checkHostPortList(hosts);
  if (kind === 'sentinel' && (path === '' || path.includes('/')))
    throw new ConfigValueError('redis+sentinel:// needs the master name as its path');
  if (kind === 'cluster' && path !== '')
    throw new ConfigValueError('a cluster URL has no path (a cluster has only db 0)');
  return url;
}
const idCheck = (value: unknown): string => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value)) {
    throw new ConfigValueError('must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
  }
  return value;
};

/** `whsec_` (HMAC) or `whsk_` (ed25519): one string (space-separated for rotation) or a list. */
function checkWebhookSecrets(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigValueError('must be a whsec_ or whsk_ secret, or a list of them for rotation');
  }
  return list.map((secret, i) => {
    try {
      parseSigningSecret(secret);
    } catch (err) {
      if (!(err instanceof SigningSecretError)) throw err;
      throw new ConfigValueError(err.message, list.length > 1 || Array.isArray(value) ? `[${i}]` : '');
    }
    return secret as string;
  });
}

/** null (unset: the OTEL_* variable decides) or a value the check accepts. */
const orNull =
  (check: (value: unknown) => unknown) =>
  (value: unknown): unknown =>
    value === null || value === undefined || value === '' ? null : check(value);

function checkWhere(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ConfigValueError('must map JSON field paths to a value or a list of accepted values');
  }
  for (const [path, accepted] of Object.entries(value)) {
    if (!/^[^.\s]+(\.[^.\s]+)*$/.test(path))
      throw new ConfigValueError(`"${path}" is not a dotted JSON field path`);
    const values = Array.isArray(accepted) ? accepted : [accepted];
    if (values.some((v) => v !== null && typeof v === 'object')) {
      throw new ConfigValueError(`"${path}" must accept strings, numbers, booleans or null`);
    }
  }
  return value;
}

function checkEventFilters(value: unknown): string[] {
  const list = checkStringList(value);
  for (const filter of list) {
    if (!/^[a-z0-9-]+(\.([a-z0-9-]+|\*))*$|^\*$/.test(filter)) {
      throw new ConfigValueError(
        `"${filter}" is not an event type filter (e.g. flight.cancelled or flight.*)`,
      );
    }
  }
  return list;
}

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

const tokenCommon: Record<string, FieldSpec> = {
  id: { doc: 'Name a webhook refers to in auth.provider.', required: true, check: idCheck },
  kind: {
    doc: 'aeris | oauth2-client-credentials | oauth2-pkce | static',
    required: true,
    check: checkString,
  },
  refreshSkew: {
    doc: 'Refresh this long before expiry; 0 = at 80% of the lifetime.',
    default: 0,
    check: parseDuration,
  },
};

export const tokenProviderSpec: VariantListSpec = {
  key: 'kind',
  common: tokenCommon,
  variants: {
    aeris: {
      fields: {
        baseUrl: { doc: 'Aeris API base; GET {baseUrl}/api/token.', required: true, check: checkHttpUrl },
        clientId: { doc: 'Aeris clientId.', required: true, check: checkNonEmptyString },
        cs: { doc: 'Aeris client secret.', required: true, sensitive: true, check: checkNonEmptyString },
        accountId: { doc: 'Aeris account id.', required: true, check: (v) => checkNonEmptyString(String(v)) },
        as: {
          doc: 'Aeris account secret (API key).',
          required: true,
          sensitive: true,
          check: checkNonEmptyString,
        },
        requesterId: { doc: 'E-mail of the requesting user.', required: true, check: checkNonEmptyString },
      },
    },
    'oauth2-client-credentials': {
      fields: {
        tokenUrl: { doc: 'OAuth2 token endpoint.', required: true, check: checkHttpUrl },
        clientId: { doc: 'OAuth2 client id.', required: true, check: checkNonEmptyString },
        clientSecret: {
          doc: 'OAuth2 client secret.',
          required: true,
          sensitive: true,
          check: checkNonEmptyString,
        },
        scope: { doc: 'Space-separated scopes.', default: '', check: checkString },
        audience: { doc: 'audience parameter, where the server wants one.', default: '', check: checkString },
        authMethod: {
          doc: 'client_secret_post or client_secret_basic.',
          default: 'client_secret_basic',
          check: checkEnum(['client_secret_post', 'client_secret_basic']),
        },
      },
    },
    'oauth2-pkce': {
      fields: {
        issuer: {
          doc: 'Issuer URL for discovery; or authorizeUrl + tokenUrl.',
          default: '',
          check: (v) => (v === '' ? '' : checkHttpUrl(v)),
        },
        authorizeUrl: {
          doc: 'Authorization endpoint.',
          default: '',
          check: (v) => (v === '' ? '' : checkHttpUrl(v)),
        },
        tokenUrl: { doc: 'Token endpoint.', default: '', check: (v) => (v === '' ? '' : checkHttpUrl(v)) },
        clientId: { doc: 'Client id (package key).', required: true, check: checkNonEmptyString },
        clientSecret: {
          doc: 'Client secret, for confidential clients.',
          default: '',
          sensitive: true,
          check: checkString,
        },
        scope: {
          doc: 'Scopes to request (add offline_access where the server needs it for refresh tokens).',
          default: '',
          check: checkString,
        },
        redirectPort: {
          doc: 'Loopback port of the login redirect listener; 0 = any free port.',
          default: 0,
          check: checkInt(0, 65535),
        },
        redirectPath: { doc: 'Path of the redirect URI.', default: '/callback', check: checkNonEmptyString },
      },
      refine: (v) =>
        v.issuer === '' && (v.authorizeUrl === '' || v.tokenUrl === '')
          ? [['issuer', 'give issuer, or both authorizeUrl and tokenUrl']]
          : [],
    },
    static: {
      fields: {
        token: { doc: 'Bearer token.', default: '', sensitive: true, check: checkString },
        username: { doc: 'Basic auth user (instead of token).', default: '', check: checkString },
        password: { doc: 'Basic auth password.', default: '', sensitive: true, check: checkString },
      },
      refine: (v) =>
        v.token === '' && v.username === '' ? [['token', 'give token, or username and password']] : [],
    },
  },
};

const eventTypeRuleSpec: ObjectSpec = {
  fields: {
    topic: { doc: 'Topic filter.', required: true, check: checkTopicFilter },
    type: { doc: 'Event type for messages on it.', required: true, check: checkNonEmptyString },
  },
};

export const schema: SchemaTree = {
  role: {
    doc: 'What this process runs: all, ingest (MQTT → Redis) or worker (Redis → webhooks).',
    default: 'all',
    check: checkEnum(['all', 'ingest', 'worker']),
    env: 'FLUP_ROLE',
  },
  redis: {
    url: {
      doc: `Redis URL: redis:// or rediss:// (one server, or a managed primary endpoint), redis+sentinel://[:password@]host:port,.../<name> or redis+cluster://host:port,.... Default ${DEFAULT_REDIS_URL} when neither redis.sentinel nor redis.cluster is set; give exactly one of the three.`,
      default: '',
      check: checkRedisUrl,
      env: 'FLUP_REDIS_URL',
      sensitive: true,
    },
    sentinel: {
      name: {
        doc: 'Sentinel: the primary name the sentinels monitor (with redis.sentinel.nodes).',
        default: '',
        check: checkString,
        env: 'FLUP_REDIS_SENTINEL_NAME',
      },
      nodes: {
        doc: 'Sentinel: the sentinels, host:port (a list, or comma-separated in the env var). Setting it selects Sentinel.',
        default: [],
        check: checkHostPortList,
        env: 'FLUP_REDIS_SENTINEL_NODES',
      },
      password: {
        doc: 'Sentinel: password (AUTH) of the Redis primary and replicas.',
        default: '',
        check: checkString,
        env: 'FLUP_REDIS_SENTINEL_PASSWORD',
        sensitive: true,
      },
      sentinelPassword: {
        doc: 'Sentinel: password of the sentinels themselves (requirepass in sentinel.conf).',
        default: '',
        check: checkString,
        env: 'FLUP_REDIS_SENTINEL_SENTINEL_PASSWORD',
        sensitive: true,
      },
      tls: {
        doc: 'Sentinel: TLS to the sentinels and to Redis.',
        default: false,
        check: checkBoolean,
        env: 'FLUP_REDIS_SENTINEL_TLS',
      },
    },
    cluster: {
      nodes: {
        doc: 'Redis Cluster: seed nodes, host:port (a list, or comma-separated in the env var); the rest is discovered. Setting it selects Cluster.',
        default: [],
        check: checkHostPortList,
        env: 'FLUP_REDIS_CLUSTER_NODES',
      },
      password: {
        doc: 'Redis Cluster: password (AUTH) of the nodes.',
        default: '',
        check: checkString,
        env: 'FLUP_REDIS_CLUSTER_PASSWORD',
        sensitive: true,
      },
      tls: {
        doc: 'Redis Cluster: TLS to the nodes.',
        default: false,
        check: checkBoolean,
        env: 'FLUP_REDIS_CLUSTER_TLS',
      },
    },
    minReplicas: {
      doc: 'Replicas that must have a batch (WAIT) before ingest PUBACKs it; 0 = do not wait. On a timeout the batch is not acknowledged (the broker redelivers).',
      default: 0,
      check: checkInt(0, 16),
      env: 'FLUP_REDIS_MIN_REPLICAS',
    },
    minReplicasTimeout: {
      ...duration('How long ingest waits for redis.minReplicas replicas per write batch.', '1s'),
      env: 'FLUP_REDIS_MIN_REPLICAS_TIMEOUT',
    },
    prefix: {
      doc: 'Key prefix of every queue and record. No {braces}: on Redis Cluster each webhook gets its own hash tag (see README, Redis Cluster).',
      default: 'flup',
      check: checkNonEmptyString,
      env: 'FLUP_REDIS_PREFIX',
    },
  },
  source: {
    kind: {
      doc: 'lufthansa (credentials from the Certificate Manager) or mqtt (any broker).',
      default: 'lufthansa',
      check: checkEnum(['lufthansa', 'mqtt']),
      env: 'FLUP_SOURCE_KIND',
    },
    lufthansa: {
      apiBase: {
        doc: 'Lufthansa API base (token, Certificate Manager, Flight Status).',
        default: 'https://api.lufthansa.com',
        check: checkHttpUrl,
        env: 'FLUP_LH_API_BASE',
      },
      clientKey: {
        doc: 'Application key.',
        default: '',
        check: checkString,
        env: 'FLUP_LH_CLIENT_KEY',
        sensitive: true,
      },
      clientSecret: {
        doc: 'Application secret.',
        default: '',
        check: checkString,
        env: 'FLUP_LH_CLIENT_SECRET',
        sensitive: true,
      },
      clientId: {
        doc: 'Prefix sent to the Certificate Manager; the broker clientID is <clientId>_<number>.',
        default: 'flup-bridge',
        check: checkNonEmptyString,
        env: 'FLUP_LH_CLIENT_ID',
      },
      authGroups: {
        doc: 'Certificate Manager auth groups.',
        default: 'flupSubTopic',
        check: checkNonEmptyString,
        env: 'FLUP_LH_AUTH_GROUPS',
      },
      topics: {
        doc: 'Topic filters to subscribe to.',
        default: ['prd/FlightUpdate/#'],
        check: topicList,
        env: 'FLUP_LH_TOPICS',
      },
      qos: {
        doc: 'Subscription QoS requested (1 = broker redelivers until acked).',
        default: 1,
        check: qos,
        env: 'FLUP_LH_QOS',
      },
      renewBefore: duration('Renew the broker JWT this long before it expires.', '30d'),
      broker: {
        host: {
          doc: 'Broker host; "" = the endpoint named by the Certificate Manager.',
          default: '',
          check: checkString,
          env: 'FLUP_LH_BROKER_HOST',
        },
        port: { doc: 'Broker port.', default: 8883, check: port, env: 'FLUP_LH_BROKER_PORT' },
        tls: {
          doc: 'Connect with TLS (certificate verified).',
          default: true,
          check: checkBoolean,
          env: 'FLUP_LH_BROKER_TLS',
        },
        caFile: {
          doc: 'Extra CA bundle (PEM) to trust.',
          default: '',
          check: checkString,
          env: 'FLUP_LH_BROKER_CA_FILE',
        },
        protocolVersion: {
          doc: '4 = MQTT 3.1.1 (what the broker speaks), 5 = MQTT 5.',
          default: 4,
          check: protocolVersion,
        },
        insecure: {
          doc: 'Skip TLS verification. Only for a local simulator.',
          default: false,
          check: checkBoolean,
        },
      },
    },
    mqtt: {
      url: {
        doc: 'Broker URL (mqtt://, mqtts://, ws://, wss://).',
        default: 'mqtt://127.0.0.1:1883',
        check: (v) =>
          checkUrlWithProtocols(
            v,
            ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'],
            'an mqtt://, mqtts://, ws:// or wss:// URL',
          ),
        env: 'FLUP_MQTT_URL',
      },
      username: { doc: 'Broker username.', default: '', check: checkString, env: 'FLUP_MQTT_USERNAME' },
      password: {
        doc: 'Broker password.',
        default: '',
        check: checkString,
        env: 'FLUP_MQTT_PASSWORD',
        sensitive: true,
      },
      clientId: {
        doc: 'MQTT client id; fixed, so the broker keeps the session across restarts.',
        default: 'flup-bridge',
        check: checkNonEmptyString,
        env: 'FLUP_MQTT_CLIENT_ID',
      },
      topics: {
        doc: 'Topic filters to subscribe to.',
        default: ['#'],
        check: topicList,
        env: 'FLUP_MQTT_TOPICS',
      },
      qos: { doc: 'Subscription QoS requested.', default: 1, check: qos, env: 'FLUP_MQTT_QOS' },
      caFile: {
        doc: 'Extra CA bundle (PEM) for mqtts://.',
        default: '',
        check: checkString,
        env: 'FLUP_MQTT_CA_FILE',
      },
      protocolVersion: {
        doc: '4 = MQTT 3.1.1, 5 = MQTT 5.',
        default: 4,
        check: protocolVersion,
        env: 'FLUP_MQTT_PROTOCOL_VERSION',
      },
    },
  },
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
  webhooks: {
    doc: 'Where messages go; see the webhook keys below.',
    default: [],
    check: (v) => v,
    items: webhookSpec,
  },
  tokenProviders: {
    doc: 'Outbound credentials webhooks can use; see the provider keys below.',
    default: [],
    check: (v) => v,
    items: tokenProviderSpec,
  },
  admin: {
    listen: {
      doc: 'Health, metrics, admin API and dashboard; "off" disables.',
      default: '127.0.0.1:9464',
      check: checkListen,
      env: 'FLUP_ADMIN_LISTEN',
    },
    token: {
      doc: 'Bearer token of the admin API and dashboard; "" = API off (health and metrics stay).',
      default: '',
      check: checkString,
      env: 'FLUP_ADMIN_TOKEN',
      sensitive: true,
    },
    allowedHosts: {
      doc: 'Host names (besides IP addresses, localhost and the admin.listen host) the admin server answers to, against DNS rebinding; ".example.com" = that domain and its subdomains; "*" = any.',
      default: [],
      check: (v) => checkStringList(typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v),
    },
  },
  telemetry: {
    enabled: {
      doc: 'OpenTelemetry traces (OTLP/HTTP): true/false; null = on when OTEL_TRACES_EXPORTER names otlp. Off by default.',
      default: null,
      check: orNull(checkBoolean),
    },
    endpoint: {
      doc: 'OTLP/HTTP collector base URL (/v1/traces is appended); null = OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, else http://localhost:4318.',
      default: null,
      check: orNull(checkString),
    },
    serviceName: {
      doc: 'service.name of the spans; null = OTEL_SERVICE_NAME, else flup-bridge.',
      default: null,
      check: orNull(checkString),
    },
    sampler: {
      doc: 'always_on, always_off, traceidratio or parentbased_*; null = OTEL_TRACES_SAMPLER, else parentbased_always_on.',
      default: null,
      check: orNull(checkEnum([...SAMPLERS])),
    },
    samplerArg: {
      doc: 'Ratio 0..1 of the traceidratio samplers; null = OTEL_TRACES_SAMPLER_ARG, else 1.',
      default: null,
      check: orNull(checkNumber(0)),
    },
  },
  log: {
    level: {
      doc: 'fatal, error, warn, info, debug, trace or silent.',
      default: 'info',
      check: checkEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      env: 'FLUP_LOG_LEVEL',
    },
    format: {
      doc: 'auto (pretty on a TTY, else JSON), json or pretty.',
      default: 'auto',
      check: checkEnum(['auto', 'json', 'pretty']),
      env: 'FLUP_LOG_FORMAT',
    },
  },
  subscriptions: {
    flightGrace: duration(
      'A flight + date subscription stops matching this long after its date ends (UTC).',
      '12h',
    ),
    refresh: duration('How often each process looks for subscription changes made by any replica.', '1s'),
  },
  timeline: {
    retention: duration(
      "Notifications and delivery attempts are kept this long after a flight's last write.",
      '3d',
    ),
    maxNotificationsPerFlight: {
      doc: 'Notifications kept per flight; the oldest go first.',
      default: 500,
      check: checkInt(1),
    },
    maxAttemptsPerMessage: {
      doc: 'Delivery attempts kept per message, all webhooks together; the oldest go first.',
      default: 100,
      check: checkInt(1),
    },
  },
};

/** Env var names for leaves that do not set one: FLUP_ + the path in upper snake case. */
export function envName(path: string): string {
  return (
    'FLUP_' +
    path
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

export function* leaves(tree: SchemaTree = schema, prefix = ''): Generator<[string, LeafSchema]> {
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isLeaf(node)) yield [path, node];
    else yield* leaves(node, path);
  }
}
