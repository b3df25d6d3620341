/**
 * The delivery Part: one BullMQ Worker per enabled webhook, each on its own queue, blocking
 * connection, concurrency and optional rate limit, so a slow or dead endpoint only ever holds
 * its own worker slots. Any number of processes may run these workers on the same Redis.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { AppDeps, Part } from '../core/index.js';
import type { WebhookConfig } from '../config/index.js';
import type { TokenProvider } from '../auth/index.js';
import { describeRedisTarget, keyLayoutOf, redisTarget, type RedisClient } from '../redis/index.js';
import type { Logger } from '../core/index.js';
import {
  isBatch,
  jobOptionsFor,
  openWebhookQueue,
  queueName,
  type BatchJobData,
  type Enricher,
} from '../queue/index.js';
import { retryDelay } from './retry-delay.js';
import { BatchRunner } from './batch.js';
import { Slots } from './slots.js';
import { EndpointState } from './endpoint-state.js';
import { HttpClients, userAgent } from './http.js';
import { WebhookProcessor } from './processor.js';
import { RetryableDeliveryError, type StoredJobData } from './failure.js';
import { refreshJobGauges } from './gauges.js';
import { FlightOrderGate } from './flight-order.js';
import { FlightKeys, FlightOrdering } from '../flights/index.js';
import type { AttemptHook } from './attempt-report.js';
import { WorkerErrorBackoff } from './worker-errors.js';
import { LocalClaims } from './local-claims.js';

/** Jobs a worker holds while batch jobs run: the running batch and the next one. */
const BATCH_PREFETCH = 2;

export interface DeliveryWorkersOptions {
  deps: AppDeps;
  tokenProviders: Map<string, TokenProvider>;
  enricher?: Enricher;
  /** Told about every delivery attempt at a message of a flight (the flight timeline). */
  onAttempt?: AttemptHook;
  /**
   * BullMQ's job lock lifetime (default 30 s): a job whose worker stopped renewing it is taken
   * over by another worker after this long. Tests shorten it to see a job outlive its lock.
   */
  lockDurationMs?: number;
}

/** Job-count gauges and dead-letter retention are refreshed this often. */
const HOUSEKEEPING_MS = 15_000;
/**
 * How often a job may be recovered after the process running it died (BullMQ's default is 1: a job
 * active during two crashes was dead-lettered as "job stalled more than allowable limit", found by
 * the chaos suite, scenario 1). A crash is not the message's fault; attempts and maxAge still bound
 * a message that keeps failing.
 */
const MAX_STALLED_COUNT = 1000;

type QueuedData = StoredJobData | BatchJobData;

interface ActiveWebhook {
  webhook: WebhookConfig;
  worker: Worker<QueuedData>;
  queue: Queue<QueuedData>;
  connection: RedisClient;
  errors: WorkerErrorBackoff;
}

export class DeliveryWorkers implements Part {
  readonly name = 'delivery';
  readonly #deps: AppDeps;
  readonly #tokenProviders: Map<string, TokenProvider>;
  readonly #enricher?: Enricher;
  readonly #onAttempt?: AttemptHook;
  readonly #lockDurationMs?: number;
  readonly #log: Logger;
  readonly #running: ActiveWebhook[] = [];
  #http?: HttpClients;
  #timer?: NodeJS.Timeout;
  #stopping = false;
  #ordering?: FlightOrdering;
  /** Jobs the ingest writer hands straight to these workers (queue/claims.ts). */
  readonly claims: LocalClaims;

  constructor(options: DeliveryWorkersOptions) {
    this.#deps = options.deps;
    this.#tokenProviders = options.tokenProviders;
    this.#enricher = options.enricher;
    this.#onAttempt = options.onAttempt;
    this.#lockDurationMs = options.lockDurationMs;
    this.#log = options.deps.logger.child({ module: 'delivery' });
    this.claims = new LocalClaims(this.#log, options.deps.metrics);
  }

  /** `ordering: flight` webhooks get a gate; the shared FlightOrdering is made on first need. */
  #orderGate(webhook: WebhookConfig, queue: Queue<QueuedData>): FlightOrderGate | undefined {
    if (webhook.ordering !== 'flight') return undefined;
    const { config, redis, clock } = this.#deps;
    this.#ordering ??= new FlightOrdering({
      redis,
      keys: new FlightKeys(config.redis.prefix, keyLayoutOf(redis)),
      clock,
      retentionMs: config.flightState.retention,
      maxSequencesPerFlight: config.flightState.maxSequencesPerFlight,
    });
    return new FlightOrderGate({
      ordering: this.#ordering,
      webhookId: webhook.id,
      queue: queue as Queue,
      log: this.#log.child({ webhook: webhook.id }),
    });
  }

  async start(): Promise<void> {
    const { config, metrics } = this.#deps;
    this.#stopping = false;
    const webhooks = config.webhooks.filter((w) => w.enabled);
    for (const w of webhooks) {
      if (w.auth && !this.#tokenProviders.has(w.auth.provider)) {
        throw new Error(
          `webhook "${w.id}": auth.provider "${w.auth.provider}" has no token provider; check tokenProviders`,
        );
      }
    }
    const http = (this.#http = new HttpClients(webhooks));
    const agent = userAgent();
    for (const webhook of webhooks) {
      const state = new EndpointState(this.#deps.redis, config.redis.prefix, webhook.id);
      try {
        const disabled = await state.disabled();
        metrics.webhookDisabled.set({ webhook: webhook.id }, disabled ? 1 : 0);
        metrics.breakerOpen.set(
          { webhook: webhook.id },
          (await state.breaker(Date.now())) === 'open' ? 1 : 0,
        );
        if (disabled)
          this.#log.warn(
            { webhook: webhook.id, ...disabled },
            'webhook is disabled; jobs wait until it is enabled',
          );
      } catch (err) {
        // Redis down at start (e.g. started before Redis): the workers wait for it like after
        // an outage, instead of failing the start (found by the chaos suite, scenario 7).
        this.#log.warn(
          { err, webhook: webhook.id },
          `cannot read webhook state from Redis (${describeRedisTarget(redisTarget(config.redis))}); workers start and wait for Redis`,
        );
      }

      const queue = openWebhookQueue<QueuedData>(this.#deps.redis, config.redis.prefix, webhook.id);
      const slots = new Slots(webhook.concurrency);
      const processor = new WebhookProcessor({
        webhook,
        http,
        state,
        rateLimit: (ms) => queue.rateLimit(ms),
        tokenProvider: webhook.auth ? this.#tokenProviders.get(webhook.auth.provider) : undefined,
        enricher: this.#enricher,
        metrics,
        logger: this.#log,
        clock: this.#deps.clock,
        secrets: this.#deps.secrets,
        userAgent: agent,
        probeLeaseMs: webhook.timeout + (webhook.enrich.length > 0 ? config.enrichment.timeout : 0) + 1000,
        slots,
        orderGate: this.#orderGate(webhook, queue),
        telemetry: this.#deps.telemetry,
        onAttempt: this.#onAttempt,
      });
      const handOffOptions = jobOptionsFor(webhook, config);
      const batches = new BatchRunner({
        processor,
        slots,
        stopping: () => this.#stopping,
        logger: this.#log.child({ webhook: webhook.id }),
        handOff: async (items) => {
          await queue.addBulk(
            items.map(({ jobId, data, delayMs }) => ({
              name: data.event.type,
              data,
              opts: { ...handOffOptions, jobId, delay: delayMs },
            })),
          );
        },
      });
      // A batch job keeps every slot busy by itself: while batches run, hold at most one more.
      // Fetching up to `concurrency` of them would only park their messages in memory, long
      // enough to reach V8's old generation (the largest source of promoted garbage in a burst).
      let batchesRunning = 0;
      const runBatch = async (job: Job<BatchJobData>) => {
        if (batchesRunning++ === 0) worker.concurrency = Math.min(webhook.concurrency, BATCH_PREFETCH);
        try {
          return await batches.run(job);
        } finally {
          if (--batchesRunning === 0) worker.concurrency = webhook.concurrency;
        }
      };
      const connection = this.#deps.connectRedis(`delivery:${webhook.id}`, true);
      const worker = new Worker<QueuedData>(
        queueName(webhook.id, keyLayoutOf(connection)),
        (job: Job<QueuedData>, token?: string) =>
          isBatch(job.data)
            ? runBatch(job as Job<BatchJobData>)
            : processor.process(job as Job<StoredJobData>, token),
        {
          connection,
          prefix: config.redis.prefix,
          concurrency: webhook.concurrency,
          maxStalledCount: MAX_STALLED_COUNT,
          ...(this.#lockDurationMs ? { lockDuration: this.#lockDurationMs } : {}),
          ...(webhook.rateLimit
            ? { limiter: { max: webhook.rateLimit.max, duration: webhook.rateLimit.duration } }
            : {}),
          settings: {
            backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => {
              // Jobs written without our backoff type fall back to the webhook schedule too.
              void type;
              if (!(err instanceof RetryableDeliveryError)) return retryDelay(webhook.retry, attemptsMade);
              return retryDelay(webhook.retry, err.failures ?? attemptsMade, err.retryAfterMs);
            },
          },
        },
      );
      const errors = new WorkerErrorBackoff({
        webhookId: webhook.id,
        logger: this.#log,
        metrics,
        clock: this.#deps.clock,
      });
      errors.watch(worker);
      this.#running.push({ webhook, worker, queue, connection, errors });
      // (On a Redis Cluster the writer makes no claims: ClusterJobWrite has no claim step.)
      if (!webhook.rateLimit && webhook.ordering !== 'flight')
        this.claims.add({
          webhookId: webhook.id,
          worker: worker as Worker,
          slots,
          concurrency: webhook.concurrency,
          lockDurationMs: this.#lockDurationMs,
        });
    }
    this.#timer = setInterval(() => void this.#housekeeping(), HOUSEKEEPING_MS);
    this.#timer.unref();
    this.#log.info({ webhooks: webhooks.map((w) => w.id) }, 'delivery workers started');
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    const timeout = this.#deps.config.delivery.shutdownTimeout;
    await Promise.all(
      this.#running.map(async ({ webhook, worker, queue, connection, errors }) => {
        errors.stop();
        // In-flight deliveries may finish for shutdownTimeout; then they are cut and BullMQ's
        // stalled-job check hands them to another worker (at-least-once).
        let timer: NodeJS.Timeout | undefined;
        const forced = new Promise<'timeout'>(
          (resolve) => (timer = setTimeout(() => resolve('timeout'), timeout)),
        );
        // Claimed jobs first: the worker completes them on its connection, which close() ends.
        const closed = this.claims.drain(webhook.id).then(() => worker.close());
        const result = await Promise.race([closed.then(() => 'closed' as const), forced]);
        clearTimeout(timer);
        if (result === 'timeout') {
          this.#log.warn(
            { webhook: webhook.id },
            `deliveries still running after ${timeout} ms: stopping anyway`,
          );
          await worker.close(true).catch(() => undefined);
        }
        this.claims.remove(webhook.id);
        await queue.close().catch(() => undefined);
        connection.disconnect();
      }),
    );
    this.#running.length = 0;
    await this.#http?.close();
  }

  async #housekeeping(): Promise<void> {
    try {
      const { config, metrics } = this.#deps;
      for (const { webhook, queue } of this.#running) {
        await refreshJobGauges(metrics, webhook.id, queue);
        // removeOnFail ages dead letters out only when another job fails; clean them here too.
        await queue.clean(config.delivery.deadLetterRetention, 1000, 'failed');
        const state = new EndpointState(this.#deps.redis, config.redis.prefix, webhook.id);
        metrics.webhookDisabled.set({ webhook: webhook.id }, (await state.disabled()) ? 1 : 0);
      }
    } catch (err) {
      this.#log.debug({ err }, 'delivery housekeeping failed (Redis?)');
    }
  }
}
