/**
 * Per-flight delivery order for webhooks with `ordering: flight`, shared by every worker process.
 *
 * Per (webhook, flight) a sorted set holds the sequences routed to that webhook and not yet done.
 * Ingest adds a sequence in the same MULTI that writes the webhook's job (addRouted), so no worker
 * can see a job whose sequence is not there; a worker delivers sequence n only when no lower
 * sequence is pending (canDeliver), and removes n when it is delivered or dead-lettered
 * (markDone). Sequences never routed to the webhook (filtered out, unrouted, or lost before their
 * job was written) were never added, so they hold nothing back.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Clock } from '../core/index.js';
import type { FlightKeys } from './keys.js';
import { expiryOf } from './keys.js';
import { DEFAULT_RETENTION_MS } from './state-store.js';
import type { FlightRef } from './summary.js';

export interface FlightOrderingOptions {
  redis: Redis;
  keys: FlightKeys;
  clock: Clock;
  /** flightState.retention (the pending sets expire with the flight's other keys). */
  retentionMs?: number;
}

export class FlightOrdering {
  readonly #redis: Redis;
  readonly #keys: FlightKeys;
  readonly #clock: Clock;
  readonly #retentionMs: number;

  constructor(options: FlightOrderingOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  /** Queues, on the caller's MULTI or pipeline, "sequence routed to webhook" (ingest, with the job write). */
  addRouted(
    commands: ChainableCommander,
    webhookId: string,
    ref: FlightRef,
    sequence: number,
  ): ChainableCommander {
    const key = this.#keys.pending(webhookId, ref);
    return commands
      .zadd(key, sequence, String(sequence))
      .pexpireat(key, expiryOf(ref, this.#retentionMs, this.#clock.now()));
  }

  /** addRouted on its own (tests, tools); ingest should use addRouted inside its job write. */
  async markRouted(webhookId: string, ref: FlightRef, sequence: number): Promise<void> {
    await this.addRouted(this.#redis.multi(), webhookId, ref, sequence).exec();
  }

  /** True when every lower sequence of the flight routed to this webhook is done. */
  async canDeliver(webhookId: string, ref: FlightRef, sequence: number): Promise<boolean> {
    const lowest = await this.#redis.zrange(this.#keys.pending(webhookId, ref), 0, 0);
    return lowest.length === 0 || Number(lowest[0]) >= sequence;
  }

  /**
   * The sequence is delivered or dead-lettered. Returns the lowest sequence still pending for the
   * webhook and flight (the one that may go now), if any.
   */
  async markDone(webhookId: string, ref: FlightRef, sequence: number): Promise<number | undefined> {
    const key = this.#keys.pending(webhookId, ref);
    const results = await this.#redis.multi().zrem(key, String(sequence)).zrange(key, 0, 0).exec();
    if (!results) throw new Error(`markDone on ${key} was aborted`);
    for (const [err] of results) if (err) throw err;
    const next = results[1]![1] as string[];
    return next.length === 0 ? undefined : Number(next[0]);
  }
}
