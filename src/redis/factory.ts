/**
 * The one place that builds Redis clients, for every user (ingest, workers, admin, CLI), for a
 * single server, a Sentinel-managed primary or a Redis Cluster. A failover must not stall a
 * client: READONLY (still talking to a demoted primary) and LOADING make it reconnect and resend,
 * Sentinel clients ask the sentinels for the primary on every reconnect and drop the connection
 * as soon as a sentinel announces +switch-master, and Cluster clients refresh the slot map on MOVED.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { backoffCeiling } from '../core/index.js';

export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'sentinel';
      /** The primary's name as the sentinels monitor it. */
      name: string;
      /** Sentinel addresses, host:port. */
      nodes: string[];
      password?: string;
      sentinelPassword?: string;
      tls?: boolean;
    }
  | { kind: 'cluster'; nodes: string[]; password?: string; tls?: boolean };

export interface RedisClientOptions {
  /** Shown in CLIENT LIST as flup:<name>. */
  name: string;
  /** BullMQ workers and queue event listeners: blocking commands, retry every request forever. */
  blocking?: boolean;
}

export type RedisClient = Redis | Cluster;

/**
 * Reconnect forever with a capped delay: Redis outages and failovers are expected and survived.
 * No jitter: ioredis retries one socket per process, and the delay stays short (at most 2 s).
 */
export function reconnectDelay(times: number): number {
  return backoffCeiling(100, times, 2000);
}

/** Replies that mean "this node cannot serve you now, another one (or this one soon) will". */
const RECONNECT_REPLIES = /^(READONLY|LOADING|MASTERDOWN)\b/;

/** 2 = reconnect and resend the command (ioredis reconnectOnError contract). */
export function reconnectOnFailoverReply(err: Error): 2 | false {
  return RECONNECT_REPLIES.test(err.message) ? 2 : false;
}

function perConnection(opts: RedisClientOptions): RedisOptions {
  return {
    connectionName: `flup:${opts.name}`,
    lazyConnect: false,
    enableReadyCheck: true,
    reconnectOnError: reconnectOnFailoverReply,
    // Fail fast for request/response users so an outage surfaces as an error instead of an
    // ever-growing offline queue; BullMQ's blocking connections must retry forever.
    ...(opts.blocking ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1 }),
  };
}

export function createRedisClient(target: RedisTarget, opts: RedisClientOptions): RedisClient {
  switch (target.kind) {
    case 'single':
      return new Redis(target.url, { ...perConnection(opts), retryStrategy: reconnectDelay });
    case 'sentinel':
      return new Redis({
        ...perConnection(opts),
        retryStrategy: reconnectDelay,
        sentinels: target.nodes.map((node, i) => hostPort(node, `redis.sentinel.nodes[${i}]`)),
        name: target.name,
        role: 'master',
        password: target.password,
        sentinelPassword: target.sentinelPassword,
        tls: target.tls ? {} : undefined,
        enableTLSForSentinelMode: target.tls ?? false,
        sentinelRetryStrategy: reconnectDelay,
        // Drops the connection on the sentinels' +switch-master. Without it a client stays on the
        // old primary after SENTINEL FAILOVER, which keeps taking writes until Sentinel demotes it
        // (~10 s here) and then discards them in a full resync: measured, acknowledged writes lost.
        failoverDetector: true,
      });
    case 'cluster':
      return new Cluster(
        target.nodes.map((node, i) => hostPort(node, `redis.cluster.nodes[${i}]`)),
        clusterOptions(target, opts),
      );
  }
}

function clusterOptions(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  opts: RedisClientOptions,
): ClusterOptions {
  return {
    redisOptions: {
      ...perConnection(opts),
      password: target.password,
      tls: target.tls ? {} : undefined,
    },
    clusterRetryStrategy: reconnectDelay,
    enableReadyCheck: true,
    enableOfflineQueue: true,
    // A killed primary is replaced after cluster-node-timeout plus an election: keep retrying
    // (CLUSTERDOWN, TRYAGAIN, connection closed) for a while before a command fails.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
    // TLS certificates name the hosts given, not the IPs the cluster announces.
    ...(target.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
}

/** "host:port" -> { host, port }; `field` names the config key in the error. */
export function hostPort(node: string, field: string): { host: string; port: number } {
  const match = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(node.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new Error(`${field}: expected host:port, got ${JSON.stringify(node)}`);
  }
  return { host: match[1]!, port };
}

/**
 * `WAIT n timeout` on the connection that took the write; resolves with the number of replicas
 * that acknowledged it (may be < n after timeoutMs). WAIT has no key, so on a Cluster it is sent
 * in one pipeline with a key of the written slot (`routingKey`): ioredis routes the pipeline to
 * that slot's primary over the same connection its writes used, which is what WAIT counts.
 */
export async function waitForReplicas(
  client: RedisClient,
  replicas: number,
  timeoutMs: number,
  routingKey?: string,
): Promise<number> {
  if (!(client instanceof Cluster)) return client.wait(replicas, timeoutMs);
  if (routingKey === undefined)
    throw new Error('waitForReplicas on a Cluster needs the routing key of the write');
  const results = await client.pipeline().exists(routingKey).wait(replicas, timeoutMs).exec();
  const [err, count] = results?.[1] ?? [new Error('WAIT: no reply'), 0];
  if (err) throw err;
  return Number(count);
}
