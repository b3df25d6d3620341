/**
 * The RedisTarget a configuration names: `redis.url` (any form parseRedisUrl reads),
 * `redis.sentinel` or `redis.cluster`. loadConfig has already checked that exactly one is set.
 */
import type { RedisTarget } from './factory.js';
import { parseRedisUrl } from './target-url.js';

/** The shape of config.redis this needs (structural: redis/ does not import config/). */
export interface RedisTargetConfig {
  url: string;
  sentinel: {
    name: string;
    nodes: string[];
    password: string;
    sentinelPassword: string;
    tls: boolean;
  };
  cluster: { nodes: string[]; password: string; tls: boolean };
}

export function redisTarget(config: RedisTargetConfig): RedisTarget {
  const { sentinel, cluster } = config;
  if (sentinel.nodes.length > 0) {
    return {
      kind: 'sentinel',
      name: sentinel.name,
      nodes: sentinel.nodes,
      password: sentinel.password || undefined,
      sentinelPassword: sentinel.sentinelPassword || undefined,
      tls: sentinel.tls,
    };
  }
  if (cluster.nodes.length > 0) {
    return {
      kind: 'cluster',
      nodes: cluster.nodes,
      password: cluster.password || undefined,
      tls: cluster.tls,
    };
  }
  return parseRedisUrl(config.url);
}

/** Where a target points, for messages: hosts only, never a password. */
export function describeRedisTarget(target: RedisTarget): string {
  switch (target.kind) {
    case 'single': {
      try {
        return new URL(target.url).host;
      } catch {
        return 'redis';
      }
    }
    case 'sentinel':
      return `sentinel ${target.name} via ${target.nodes.join(',')}`;
    case 'cluster':
      return `cluster ${target.nodes.join(',')}`;
  }
}
