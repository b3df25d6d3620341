/**
 * Which messages a webhook's queue already has, for ingest.dedupWindow: a QoS 1 redelivery (after
 * a reconnect or a crash before PUBACK) must not be delivered twice. One sorted set per webhook,
 * member = the message key (first 128 bits), score = when it was stored; trimmed by age and by
 * count, so Redis stays bounded however long the window. Completed jobs are not kept for this
 * (~2.4 KB each against ~100 B per member here).
 *
 * Both halves run inside the writer's MULTI for a webhook, around BullMQ's adds: `gate` makes the
 * adds refuse jobs holding a recorded message, `recordStored` records the messages of the jobs
 * Redis then holds. One round trip, atomic: a crash cannot separate jobs from their record (no
 * duplicates) and a failed add records nothing (no message skipped).
 */
import type { ChainableCommander } from 'ioredis';
import { loadScript, type RedisClient, RedisKeys } from '../redis/index.js';

export interface DedupMemoryOptions {
  redis: RedisClient;
  prefix: string;
  windowMs: number;
  maxCount: number;
  now?: () => number;
}

/** Sent as EVALSHA (~2.5 KB less per write than EVAL); the writer keeps them loaded (ScriptPreload). */
const GATE = loadScript('dedup-gate');
const RECORD_STORED = loadScript('dedup-record-stored');

/** A job about to be added and the message keys it holds. */
export interface StoredJob {
  /** The job's hash key (queue.toKey(jobId)). */
  jobKey: string;
  messageKeys: string[];
}

/** 128 bits of the 256-bit key are plenty to tell messages apart and halve the memory. */
const MEMBER_CHARS = 32;

export class DedupMemory {
  readonly #options: Required<DedupMemoryOptions>;
  /** The scripts gate and recordStored send with EVALSHA inside the writer's MULTI. */
  static readonly scripts = [GATE, RECORD_STORED];

  constructor(options: DedupMemoryOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /**
   * Before the adds of `jobs`: a job that holds a message stored within the window is refused by
   * its add (a placeholder takes its id until recordStored). Answers the 1-based indexes of the
   * refused jobs in `jobs`. Sent before this returns, so it can sit in a MULTI.
   */
  gate(webhookId: string, jobs: StoredJob[]): Promise<unknown> {
    const { keys, args } = this.#gateCall(webhookId, jobs);
    return this.#options.redis.evalsha(GATE.sha, keys.length, ...keys, ...args);
  }

  /**
   * After the adds: removes the gate's placeholders, records the messages of `jobs` that exist as
   * stored now, and forgets what left the window or exceeds the count. Sent before this returns.
   */
  recordStored(webhookId: string, jobs: StoredJob[]): Promise<unknown> {
    const { keys, args } = this.#recordCall(webhookId, jobs);
    return this.#options.redis.evalsha(RECORD_STORED.sha, keys.length, ...keys, ...args);
  }

  /**
   * gate and recordStored queued on a Cluster transaction (`cluster.multi()`), with the script's
   * text: its node may be a replica promoted a moment ago, and a NOSCRIPT there would fail the
   * whole transaction. The answers come with EXEC's.
   */
  queueGate(into: ChainableCommander, webhookId: string, jobs: StoredJob[]): void {
    const { keys, args } = this.#gateCall(webhookId, jobs);
    into.eval(GATE.source, keys.length, ...keys, ...args);
  }

  queueRecordStored(into: ChainableCommander, webhookId: string, jobs: StoredJob[]): void {
    const { keys, args } = this.#recordCall(webhookId, jobs);
    into.eval(RECORD_STORED.source, keys.length, ...keys, ...args);
  }

  /**
   * What a script that gates and records by itself (add-claimed-jobs.lua) needs: the webhook's set,
   * now, the oldest score still in the window and the most members kept.
   */
  window(webhookId: string): { key: string; now: number; oldest: number; maxCount: number } {
    const now = this.#options.now();
    return {
      key: this.#key(webhookId),
      now,
      oldest: now - this.#options.windowMs,
      maxCount: this.#options.maxCount,
    };
  }

  /** A message key as the set stores it. */
  static member(messageKey: string): string {
    return messageKey.slice(0, MEMBER_CHARS);
  }

  #gateCall(webhookId: string, jobs: StoredJob[]): ScriptCall {
    const { key, oldest } = this.window(webhookId);
    return { keys: [key, ...jobs.map((j) => j.jobKey)], args: pushMembers([oldest], jobs) };
  }

  #recordCall(webhookId: string, jobs: StoredJob[]): ScriptCall {
    const { key, now, oldest, maxCount } = this.window(webhookId);
    return { keys: [key, ...jobs.map((j) => j.jobKey)], args: pushMembers([now, oldest, maxCount], jobs) };
  }

  #key(webhookId: string): string {
    return RedisKeys.for(this.#options.redis, this.#options.prefix).dedup(webhookId);
  }
}

interface ScriptCall {
  keys: string[];
  args: Array<string | number>;
}

/** `args`, then per job the number of its messages and their members. */
function pushMembers(args: Array<string | number>, jobs: StoredJob[]): Array<string | number> {
  for (const job of jobs) {
    args.push(job.messageKeys.length);
    for (const key of job.messageKeys) args.push(DedupMemory.member(key));
  }
  return args;
}
