/**
 * `redis:` one server, Sentinel or Cluster, TLS, replicas that must confirm a write, key prefix.
 */
import { checkBoolean, checkInt, checkNonEmptyString, checkString } from '../formats.js';
import { checkHostPortList, checkRedisUrl, DEFAULT_REDIS_URL } from './checks.js';
import { duration, type SchemaTree } from './leaf.js';

export const redisSettings: SchemaTree = {
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
};
