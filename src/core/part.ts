/**
 * The contract between the App and the parts it starts: every folder's factory takes AppDeps and
 * returns Parts. It lives on the ground floor so parts never import the App that wires them.
 */
import type { Config } from '../config/index.js';
// ioredis's types, not redis/'s re-export: redis/ uses core's backoff, and madge counts type imports.
import type { Cluster, Redis } from 'ioredis';
import type { Telemetry } from '../telemetry/index.js';
import type { Clock } from './clock.js';
import type { Logger, SecretRegistry } from './logger.js';
import type { Metrics } from './metrics.js';

/** Anything the App starts and stops. */
export interface Part {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What every part may be given. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  secrets: SecretRegistry;
  /** A non-blocking connection shared for commands (ingest writes, caches, locks). */
  redis: Redis | Cluster;
  /** A new connection for a blocking user (BullMQ workers). */
  connectRedis(name: string, blocking?: boolean): Redis | Cluster;
  /** Tracing; absent or telemetryOff = off (no spans, no carriers, no traceparent header). */
  telemetry?: Telemetry;
}
