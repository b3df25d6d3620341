/**
 * PUBACK only after Redis has the jobs, without one Redis round trip per message in series.
 *
 * Messages are collected into a batch that is written when it reaches batchMaxSize, when
 * batchMaxWait has passed, or at once when fewer than `maxConcurrentWrites` writes are running
 * (group commit: while Redis is busy, the next batch grows). The default is one write at a time:
 * in the burst benchmark that made batches larger and delivery jobs fewer (3,281 → 4,163 msg/s,
 * CPU 306 → 249 µs per message). Batches are acknowledged strictly in arrival order (MQTT 3.1.1
 * §4.6 wants PUBACKs in PUBLISH order).
 *
 * At a steady rate writes are idle and every message would go alone, paying a whole Redis write
 * and, downstream, a whole BullMQ job. So while messages arrive at most `groupWindow` apart (a
 * moving average of the gaps), a lone message waits up to `groupWindow` for a second one and the
 * two share the write; slower than that, or with the window 0, a message goes at once.
 *
 * A failed write pauses the pipeline: no acks, `accepting` turns false (the MQTT reader stops
 * taking packets, so the broker keeps the rest), and the same entries are retried until Redis
 * answers; then the pipeline resumes. The outage is logged once, not per retry.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffCeiling, errorCause, type Logger } from '../core/index.js';
import type { Metrics } from '../core/index.js';
import type { ReceivedMessage } from '../routing/index.js';
import { ReplicationTimeoutError, type JobEntry, type JobSink } from '../queue/index.js';
import type { Telemetry, TelemetrySpan } from '../telemetry/index.js';
import { BatchTrace } from './batch-trace.js';

export interface PipelineItem {
  message: ReceivedMessage;
  /** Sends the PUBACK; returns false when it could not (connection gone, QoS 0). */
  ack?: () => boolean;
  /** The message's ingest span, with tracing on. */
  span?: TelemetrySpan;
}

export interface AckPipelineOptions {
  sink: JobSink;
  build: (messages: ReceivedMessage[]) => JobEntry[];
  batchMaxSize: number;
  batchMaxWait: number;
  /** Longest a lone message waits for a second one at a steady rate (ms; 0 = never). Default 0. */
  groupWindow?: number;
  /** Received but not yet acked; above this the reader waits. */
  maxInFlight?: number;
  maxConcurrentWrites?: number;
  /** Delay before the n-th retry of a failed write (n from 0). */
  retryDelay?: (attempt: number) => number;
  /**
   * A write not answered within this long counts as failed and is retried. During a failover
   * ioredis holds or resends commands (READONLY, a dead primary) instead of failing them; without
   * a bound one write could hold every PUBACK until then. A late success is harmless: the retry's
   * copy is refused by dedup.
   */
  writeTimeoutMs?: number;
  logger: Logger;
  metrics: Metrics;
  /** With tracing on: a Redis write span per message, its ingest span ended on ack. */
  telemetry?: Telemetry;
}

/** Weight of the newest gap in the moving average of inter-arrival gaps. */
const GAP_WEIGHT = 0.2;
/** A gap counts at most this much (ms): after a pause the average comes back within a few messages. */
const MAX_GAP_MS = 1000;

/** Long enough for a 500-message batch on a loaded host; short against a failover (2-12 s). */
const DEFAULT_WRITE_TIMEOUT_MS = 10_000;

/** `work`, or a rejection when it has not settled within `ms` (the work itself goes on). */
function settleWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer the write within ${ms} ms`)), ms);
  });
  work.catch(() => undefined); // a late failure after the timeout is already handled as one
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

export class AckPipeline {
  readonly #options: Required<
    Omit<AckPipelineOptions, 'logger' | 'metrics' | 'sink' | 'build' | 'telemetry'>
  >;
  readonly #telemetry?: Telemetry;
  readonly #sink: JobSink;
  readonly #build: AckPipelineOptions['build'];
  readonly #log: Logger;
  readonly #metrics: Metrics;
  #batch: PipelineItem[] = [];
  #timer?: NodeJS.Timeout;
  #immediate?: NodeJS.Immediate;
  #groupTimer?: NodeJS.Timeout;
  #lastArrival = -MAX_GAP_MS;
  #gapAverage = MAX_GAP_MS;
  #writing = 0;
  #inFlight = 0;
  #paused = false;
  #pausedSince?: number;
  #closed = false;
  readonly #abort = new AbortController();
  #ackTail: Promise<void> = Promise.resolve();
  #waiters: Array<() => void> = [];

  constructor(options: AckPipelineOptions) {
    this.#sink = options.sink;
    this.#build = options.build;
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#telemetry = options.telemetry?.enabled ? options.telemetry : undefined;
    // Every batch waiting to retry listens on the one abort signal.
    setMaxListeners(0, this.#abort.signal);
    this.#options = {
      batchMaxSize: options.batchMaxSize,
      batchMaxWait: options.batchMaxWait,
      groupWindow: options.groupWindow ?? 0,
      maxInFlight: options.maxInFlight ?? Math.max(1000, options.batchMaxSize * 4),
      maxConcurrentWrites: options.maxConcurrentWrites ?? 1,
      retryDelay: options.retryDelay ?? ((n) => backoffCeiling(100, n, 2000)),
      writeTimeoutMs: options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
    };
  }

  /** true while Redis writes fail and acks are held. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Date.now() when the current pause began; undefined while writes succeed. */
  get pausedSince(): number | undefined {
    return this.#pausedSince;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether the reader may hand over another message now. */
  get accepting(): boolean {
    return !this.#closed && !this.#paused && this.#inFlight < this.#options.maxInFlight;
  }

  /** Resolves when accepting (never, once closed: the reader stays parked until its connection ends). */
  whenAccepting(): Promise<void> {
    if (this.accepting) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  push(item: PipelineItem): void {
    this.#inFlight += 1;
    this.#batch.push(item);
    const grouping = this.#noteArrival();
    if (this.#batch.length >= this.#options.batchMaxSize) {
      this.#flush();
      return;
    }
    if (this.#batch.length === 1) {
      this.#timer = setTimeout(() => this.#flush(), this.#options.batchMaxWait);
      if (this.#writing >= this.#options.maxConcurrentWrites) return;
      if (grouping) this.#groupTimer = setTimeout(() => this.#flushIfIdle(), this.#options.groupWindow);
      else this.#immediate = setImmediate(() => this.#flushIfIdle());
    } else if (this.#groupTimer) {
      // The partner came: no more waiting (what arrives in this same tick still joins).
      clearTimeout(this.#groupTimer);
      this.#groupTimer = undefined;
      this.#immediate = setImmediate(() => this.#flushIfIdle());
    }
  }

  /** Updates the average gap between messages; true when a lone message should wait for others. */
  #noteArrival(): boolean {
    const window = this.#options.groupWindow;
    if (window <= 0) return false;
    const now = performance.now();
    const gap = Math.min(now - this.#lastArrival, MAX_GAP_MS);
    this.#lastArrival = now;
    this.#gapAverage += (gap - this.#gapAverage) * GAP_WEIGHT;
    return this.#gapAverage <= window;
  }

  /**
   * Stops taking messages, writes what was collected and waits (at most timeoutMs) until every
   * stored batch is acked. Resolves true when all were; false when it gave up (those stay unacked
   * and the broker redelivers them to the next session).
   */
  async close(timeoutMs: number): Promise<boolean> {
    this.#closed = true;
    this.#waiters = [];
    this.#flush();
    const drained = this.#ackTail.then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    this.#abort.abort();
    this.#setPaused(false);
    return done;
  }

  #flushIfIdle(): void {
    this.#immediate = undefined;
    this.#groupTimer = undefined;
    if (this.#writing < this.#options.maxConcurrentWrites) this.#flush();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#groupTimer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#groupTimer = undefined;
    this.#immediate = undefined;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#metrics.ingestBatchSize.observe(batch.length);
    const entries = this.#build(batch.map((item) => item.message));
    const trace = this.#telemetry && new BatchTrace(this.#telemetry, batch, entries);
    this.#writing += 1;
    const stored = this.#store(entries).finally(() => {
      this.#writing -= 1;
      // Group commit: what gathered while Redis was busy goes out now.
      if (this.#batch.length > 0 && this.#writing < this.#options.maxConcurrentWrites) this.#flush();
    });
    if (trace) void stored.then((ok) => trace.endWrites(ok));
    this.#ackTail = Promise.all([this.#ackTail, stored]).then(([, ok]) => {
      trace?.endMessages(ok);
      let acked = 0;
      if (ok) for (const item of batch) if (item.ack?.()) acked += 1;
      if (acked > 0) this.#metrics.messagesAcked.inc(acked);
      this.#inFlight -= batch.length;
      this.#wake();
    });
  }

  /** Writes until Redis has the entries; false only when closed and gave up. */
  async #store(entries: JobEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    for (let attempt = 0; ; attempt++) {
      if (this.#abort.signal.aborted) return false;
      const started = performance.now();
      try {
        await settleWithin(this.#sink.addBulk(entries), this.#options.writeTimeoutMs);
        this.#metrics.ingestWriteSeconds.observe((performance.now() - started) / 1000);
        if (this.#paused) {
          this.#setPaused(false);
          this.#log.info('Redis is writable again: acks and reads resume');
        }
        return true;
      } catch (err) {
        if (isDataError(err)) {
          // A job that cannot even be serialized fails the same way on every retry: store it as
          // a dead letter instead, so one message cannot hold every ack behind it. (When no entry
          // is to blame, it is handled like an outage below: wait and retry, never a tight loop.)
          const isolated = this.#isolateUnstorable(entries);
          if (isolated !== entries) {
            entries = isolated;
            continue;
          }
        }
        this.#metrics.ingestRedisErrors.inc();
        this.#metrics.redisErrors.inc({ cause: errorCause(err) });
        if (!this.#paused) {
          this.#setPaused(true);
          this.#log.error(
            { err, jobs: entries.length },
            err instanceof ReplicationTimeoutError
              ? 'Redis replicas do not confirm writes (redis.minReplicas): holding PUBACKs and pausing reads (the broker keeps the messages); retrying until they do'
              : 'cannot store jobs in Redis: holding PUBACKs and pausing reads (the broker keeps the messages); retrying until Redis is back',
          );
        }
        try {
          await sleep(this.#options.retryDelay(attempt), undefined, { signal: this.#abort.signal });
        } catch {
          return false;
        }
      }
    }
  }

  /**
   * Finds the entries that cannot be serialized (each tried alone) and replaces them with a
   * dead-letter job that keeps the event's identity but not its data.
   */
  #isolateUnstorable(entries: JobEntry[]): JobEntry[] {
    let changed = false;
    const result: JobEntry[] = [];
    for (const entry of entries) {
      try {
        JSON.stringify(entry.data);
        result.push(entry);
      } catch (err) {
        const { event } = entry.data;
        changed = true;
        this.#metrics.messagesRejected.inc({ reason: 'unstorable' });
        this.#log.error(
          { err, topic: event.topic, id: event.id, webhook: entry.webhookId },
          'a message cannot be stored as a job (serialization failed): dead-lettered without its data',
        );
        result.push({
          ...entry,
          data: {
            event: { ...event, data: null, dataEncoding: 'json' },
            reject: `unstorable: ${(err as Error).message.slice(0, 200)}`,
          },
        });
      }
    }
    return changed ? result : entries;
  }

  #setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#pausedSince = paused ? (this.#pausedSince ?? Date.now()) : undefined;
    this.#metrics.ingestPaused.set(paused ? 1 : 0);
    if (!paused) this.#wake();
  }

  #wake(): void {
    while (this.#waiters.length > 0 && this.accepting) this.#waiters.shift()!();
  }
}

/** Failures of building the command in this process (not of Redis): retrying cannot help. */
function isDataError(err: unknown): boolean {
  return err instanceof RangeError || err instanceof TypeError;
}
