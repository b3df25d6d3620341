/**
 * Wiring and lifecycle only: builds the parts the role needs, starts them in order, stops them in
 * reverse, logging each part's failure by name. No business logic lives here.
 */
import type { Config } from './config/index.js';
import { secretValues } from './config/index.js';
import {
  createLogger,
  Metrics,
  scrub,
  SecretRegistry,
  systemClock,
  type AppDeps,
  type Clock,
  type Logger,
  type Part,
} from './core/index.js';
import { createRedisClient, redisTarget, type RedisClient } from './redis/index.js';
import { createTelemetry, telemetryOff, type Telemetry } from './telemetry/index.js';
import { buildParts } from './parts.js';

export type { Part, AppDeps } from './core/index.js';

export interface AppOptions {
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  secrets?: SecretRegistry;
  /** Default off; App.create builds it from the `telemetry` section and OTEL_* variables. */
  telemetry?: Telemetry;
}

/** Tracing as configured (off: telemetryOff, the SDK not even loaded); span errors are scrubbed. */
export function createAppTelemetry(
  config: Config,
  secrets: SecretRegistry,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Telemetry> {
  return createTelemetry({
    config: config.telemetry,
    env,
    describeError: (err) => scrub(err instanceof Error ? err.message : String(err), secrets.values()),
  });
}

export function createDeps(config: Config, options: AppOptions = {}): AppDeps {
  const secrets = options.secrets ?? new SecretRegistry();
  secrets.addAll(secretValues(config));
  const logger = options.logger ?? createLogger({ ...config.log, secrets: () => secrets.values() });
  const target = redisTarget(config.redis);
  const connections: RedisClient[] = [];
  const connect = (name: string, blocking = false) => {
    const client = createRedisClient(target, { name, blocking });
    // ioredis emits 'error' on every failed reconnect; the parts report outages themselves.
    client.on('error', () => undefined);
    connections.push(client);
    return client;
  };
  return {
    config,
    logger,
    metrics: options.metrics ?? new Metrics(),
    clock: options.clock ?? systemClock,
    secrets,
    redis: connect('main'),
    connectRedis: connect,
    telemetry: options.telemetry ?? telemetryOff,
  };
}

export class App {
  readonly deps: AppDeps;
  readonly parts: Part[];
  readonly #log: Logger;
  #stopping?: Promise<void>;

  /** An App with tracing as configured (creating it may load the OpenTelemetry SDK). */
  static async create(config: Config, options: AppOptions = {}): Promise<App> {
    const secrets = options.secrets ?? new SecretRegistry();
    const telemetry = options.telemetry ?? (await createAppTelemetry(config, secrets));
    return new App(config, { ...options, secrets, telemetry });
  }

  constructor(config: Config, options: AppOptions = {}, parts?: (deps: AppDeps) => Part[]) {
    this.deps = createDeps(config, options);
    this.#log = this.deps.logger.child({ module: 'app' });
    this.parts = (parts ?? buildParts)(this.deps);
  }

  async start(): Promise<void> {
    this.#log.info(
      { role: this.deps.config.role, parts: this.parts.map((p) => p.name) },
      'starting flup-bridge',
    );
    for (const part of this.parts) {
      try {
        await part.start();
      } catch (err) {
        this.#log.error({ err, part: part.name }, `could not start ${part.name}`);
        await this.stop();
        throw err;
      }
    }
    this.#log.info('flup-bridge started');
  }

  /** Idempotent: concurrent callers share one shutdown. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    for (const part of [...this.parts].reverse()) {
      try {
        await part.stop();
      } catch (err) {
        this.#log.error({ err, part: part.name }, `error while stopping ${part.name}`);
      }
    }
    this.deps.redis.disconnect();
    // Exports the spans still buffered (the last deliveries' attempts).
    await this.deps.telemetry?.shutdown().catch((err: unknown) => {
      this.#log.warn({ err }, 'could not export the last trace spans');
    });
    this.#log.info('flup-bridge stopped');
    this.deps.logger.flush();
  }
}

const SHUTDOWN_MARGIN_MS = 10_000;

/** First SIGTERM/SIGINT stops gracefully and exits 0; a second exits at once. */
export function handleSignals(app: App, exit: (code: number) => void = process.exit): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) {
      app.deps.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    app.deps.logger.info({ signal }, 'shutting down');
    // A stop that hangs (e.g. Redis gone at the same moment) must not keep the process alive:
    // deliveries get shutdownTimeout, the rest a fixed margin.
    const deadline = app.deps.config.delivery.shutdownTimeout + SHUTDOWN_MARGIN_MS;
    setTimeout(() => {
      app.deps.logger.error({ deadlineMs: deadline }, 'shutdown did not finish in time: exiting now');
      exit(1);
    }, deadline).unref();
    app.stop().then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
