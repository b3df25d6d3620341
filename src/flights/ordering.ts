/**
 * Per-flight delivery order for webhooks with `ordering: flight`, shared by every worker process.
 *
 * Per (webhook, flight) a sorted set holds the jobs (score: sequence) routed to that webhook and
 * not yet done. Ingest adds a job in the same MULTI that writes it (addRouted), so no worker can
 * see a job whose sequence is not there; a worker delivers sequence n only when no lower sequence
 * is pending (canDeliver), and marks n done when it is delivered or dead-lettered (markDone),
 * which names the job that may go next. Sequences never routed to the webhook (filtered out,
 * unrouted, or lost before their job was written) were never added, so they hold nothing back.
 * Done sequences are remembered (bounded), so a redelivered duplicate is not pending again.
 */
import type { RedisClient } from '../redis/index.js';
import type { Clock } from '../core/index.js';
import { loadScript } from '../redis/index.js';
import type { FlightKeys } from './keys.js';
import { expiryOf } from './keys.js';
import { DEFAULT_MAX_SEQUENCES_PER_FLIGHT, DEFAULT_RETENTION_MS } from './state-store.js';
import type { FlightRef } from './summary.js';

export interface FlightOrderingOptions {
  redis: RedisClient;
  keys: FlightKeys;
  clock: Clock;
  /** flightState.retention (the sets expire with the flight's other keys). */
  retentionMs?: number;
  /** flightState.maxSequencesPerFlight: done sequences remembered per webhook and flight. */
  maxSequencesPerFlight?: number;
}

/** What addRouted needs of a connection: commands queued on the caller's open MULTI. */
export interface CommandQueue {
  eval(script: string, numKeys: number, ...args: Array<string | number>): unknown;
}

/** The job that may go next after markDone. */
export interface NextPending {
  jobId: string;
  sequence: number;
}

export class FlightOrdering {
  readonly #redis: RedisClient;
  readonly #keys: FlightKeys;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #maxDone: number;
  readonly #addRouted = loadScript('flight-add-routed');
  readonly #markDone = loadScript('flight-mark-done');

  constructor(options: FlightOrderingOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.#maxDone = options.maxSequencesPerFlight ?? DEFAULT_MAX_SEQUENCES_PER_FLIGHT;
  }

  /**
   * Queues "job of sequence routed to webhook" on the caller's open MULTI (ingest, with the job
   * write). EVAL with the text, not EVALSHA: a NOSCRIPT inside EXEC could not be retried.
   * Returns what the connection returns (a promise on a plain one); the caller checks EXEC's results.
   */
  addRouted(
    commands: CommandQueue,
    webhookId: string,
    ref: FlightRef,
    sequence: number,
    jobId: string,
  ): unknown {
    return commands.eval(
      this.#addRouted.source,
      2,
      this.#keys.pending(webhookId, ref),
      this.#keys.done(webhookId, ref),
      sequence,
      jobId,
      this.#expiry(ref),
    );
  }

  /** addRouted on its own (tests, tools); ingest uses addRouted inside its job write. */
  async markRouted(
    webhookId: string,
    ref: FlightRef,
    sequence: number,
    jobId = `seq-${sequence}`,
  ): Promise<void> {
    await (this.addRouted(this.#redis, webhookId, ref, sequence, jobId) as Promise<unknown>);
  }

  /** True when every lower sequence of the flight routed to this webhook is done. */
  async canDeliver(webhookId: string, ref: FlightRef, sequence: number): Promise<boolean> {
    const lowest = await this.#redis.zrange(this.#keys.pending(webhookId, ref), 0, 0, 'WITHSCORES');
    return lowest.length === 0 || Number(lowest[1]) >= sequence;
  }

  /**
   * The sequence is delivered or dead-lettered. Returns the lowest job still pending for the
   * webhook and flight (the one that may go now), if any.
   */
  async markDone(webhookId: string, ref: FlightRef, sequence: number): Promise<NextPending | undefined> {
    const keys = [this.#keys.pending(webhookId, ref), this.#keys.done(webhookId, ref)];
    const next = (await this.#markDone.run(this.#redis, keys, [
      sequence,
      this.#expiry(ref),
      this.#maxDone,
    ])) as string[];
    return next.length < 2 ? undefined : { jobId: next[0]!, sequence: Number(next[1]) };
  }

  #expiry(ref: FlightRef): number {
    return expiryOf(ref, this.#retentionMs, this.#clock.now());
  }
}
