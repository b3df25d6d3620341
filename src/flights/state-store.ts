/**
 * Flight state in Redis, shared by every process (keys: keys.ts): the per-flight sequence of
 * notifications, the status summary that belongs to each sequence, and the changes computed for
 * it, so the same notification gets the same `changes` at every webhook and on every retry or
 * replay. Bounded: at most `maxSequencesPerFlight` message keys and statuses per flight; every key
 * expires `retentionMs` after the flight date. Past the cap the oldest go first: a duplicate of a
 * message more than that many notifications old takes a new number, and a sequence older than
 * every status kept is compared with nothing (both far outside a QoS 1 redelivery or a retry).
 */
import type { RedisClient } from '../redis/index.js';
import type { Clock } from '../core/index.js';
import { flightChanges, type Change } from './changes.js';
import { expiryOf, FlightKeys, stateField } from './keys.js';
import { keyLayoutOf, loadScript } from '../redis/index.js';
import { decodeChanges, decodeSummary, encodeChanges, encodeSummary } from './state-codec.js';
import type { FlightRef, FlightSummary } from './summary.js';

export const DEFAULT_RETENTION_MS = 3 * 86_400_000;
export const DEFAULT_MAX_SEQUENCES_PER_FLIGHT = 100;

export interface FlightStateStoreOptions {
  redis: RedisClient;
  /** redis.prefix */
  prefix: string;
  clock: Clock;
  /** flightState.retention: how long after the flight date its state is kept. */
  retentionMs?: number;
  /** Message keys and statuses kept per flight; older ones are dropped first. */
  maxSequencesPerFlight?: number;
}

/** The changes of one notification, as stored: the same for every caller. */
export interface SequenceChanges {
  changes: Change[];
  firstSeen: boolean;
  /** The status that belongs to this sequence (the first one recorded), with `sequence` set. */
  summary: FlightSummary;
}

function checkSequence(sequence: number): void {
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new Error(`flight sequence must be an integer >= 1, got ${String(sequence)}`);
}

/** Retries when another process recorded a status between our read and our write; rare. */
const MAX_STALE_RETRIES = 5;

export class FlightStateStore {
  readonly keys: FlightKeys;
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #maxKept: number;
  readonly #assign = loadScript('flight-assign-sequence');
  readonly #store = loadScript('flight-store-status');

  constructor(options: FlightStateStoreOptions) {
    this.#redis = options.redis;
    this.keys = new FlightKeys(options.prefix, keyLayoutOf(options.redis));
    this.#clock = options.clock;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.#maxKept = options.maxSequencesPerFlight ?? DEFAULT_MAX_SEQUENCES_PER_FLIGHT;
    if (!Number.isFinite(this.#retentionMs) || this.#retentionMs <= 0)
      throw new Error(`flightState.retention must be > 0 ms, got ${String(options.retentionMs)}`);
    if (!Number.isSafeInteger(this.#maxKept) || this.#maxKept < 2)
      throw new Error(
        `flightState.maxSequencesPerFlight must be an integer >= 2, got ${String(this.#maxKept)}`,
      );
  }

  /** When this flight's keys expire (unix ms), as of now. */
  expiresAt(ref: FlightRef): number {
    return expiryOf(ref, this.#retentionMs, this.#clock.now());
  }

  /**
   * The flight's sequence for this message: one more than the last one given, or, for a message
   * key seen before (a redelivery), the number it got then. Atomic across processes.
   */
  async assignSequence(ref: FlightRef, messageKey: string): Promise<number> {
    if (messageKey === '') throw new Error('messageKey must not be empty');
    const keys = [this.keys.state(ref), this.keys.messages(ref)];
    const result = await this.#assign.run(this.#redis, keys, [
      messageKey,
      this.expiresAt(ref),
      this.#maxKept,
    ]);
    return Number(result);
  }

  /**
   * assignSequence for many messages in one round trip (a pipeline of EVALSHAs; ingest calls it
   * once per batch). A message key given twice gets one number.
   */
  async assignSequences(items: ReadonlyArray<{ ref: FlightRef; messageKey: string }>): Promise<number[]> {
    if (items.length === 0) return [];
    const argsOf = (ref: FlightRef, messageKey: string): Array<string | number> => {
      if (messageKey === '') throw new Error('messageKey must not be empty');
      return [this.keys.state(ref), this.keys.messages(ref), messageKey, this.expiresAt(ref), this.#maxKept];
    };
    // A Cluster pipeline must stay on one node, and flights spread over all: one call each there.
    if (this.keys.layout === 'cluster')
      return Promise.all(items.map(({ ref, messageKey }) => this.assignSequence(ref, messageKey)));
    const pipeline = this.#redis.pipeline();
    for (const { ref, messageKey } of items)
      pipeline.evalsha(this.#assign.sha, 2, ...argsOf(ref, messageKey));
    const results = (await pipeline.exec()) ?? [];
    const sequences: number[] = [];
    for (const [i, { ref, messageKey }] of items.entries()) {
      const [err, value] = results[i] ?? [new Error('no answer from Redis'), null];
      // NOSCRIPT (first use, restart, SCRIPT FLUSH): run() loads it; the key keeps the number.
      if (err && !String(err.message).startsWith('NOSCRIPT')) throw err;
      sequences.push(err ? await this.assignSequence(ref, messageKey) : Number(value));
    }
    return sequences;
  }

  /** Records the status of a sequence unless it has one; returns the one that belongs to it. */
  async recordStatus(ref: FlightRef, sequence: number, summary: FlightSummary): Promise<FlightSummary> {
    checkSequence(sequence);
    const encoded = encodeSummary(summary);
    const reply = (await this.#store.run(
      this.#redis,
      [this.keys.state(ref), this.keys.statuses(ref)],
      [sequence, encoded, '', '0', this.expiresAt(ref), this.#maxKept],
    )) as [string, string | null, string | null];
    return decodeSummary(reply[0] === 'stored' && reply[1] !== null ? reply[1] : encoded, ref, sequence);
  }

  /**
   * The changes of a sequence: those stored for it, or else the changes from the status of the
   * nearest lower sequence that has one to this sequence's status (the one recorded, else
   * `summary`), stored so that every later caller gets the same.
   */
  async changesFor(ref: FlightRef, sequence: number, summary: FlightSummary): Promise<SequenceChanges> {
    checkSequence(sequence);
    const [stateKey, statusesKey] = [this.keys.state(ref), this.keys.statuses(ref)];
    for (let attempt = 0; attempt < MAX_STALE_RETRIES; attempt++) {
      const [storedChanges, storedStatus, lower] = await this.#readSequence(stateKey, statusesKey, sequence);
      if (storedChanges !== null && storedStatus !== null)
        return this.#decode(ref, sequence, storedStatus, storedChanges);
      const previousSequence = lower === undefined ? 0 : Number(lower);
      const previousText = previousSequence
        ? await this.#redis.hget(stateKey, stateField.status(previousSequence))
        : null;
      const toText = storedStatus ?? encodeSummary(summary);
      const to = decodeSummary(toText, ref, sequence);
      const computed = flightChanges(
        previousText === null ? undefined : decodeSummary(previousText, ref, previousSequence),
        to,
      );
      const changesText = encodeChanges(computed);
      const reply = (await this.#store.run(
        this.#redis,
        [stateKey, statusesKey],
        [sequence, toText, changesText, String(previousSequence), this.expiresAt(ref), this.#maxKept],
      )) as [string, string | null, string | null];
      if (reply[0] === 'ok') return { ...computed, summary: to };
      if (reply[0] === 'stored' && reply[1] !== null && reply[2] !== null)
        return this.#decode(ref, sequence, reply[1], reply[2]);
    }
    throw new Error(
      `flight ${this.keys.tag(ref)} sequence ${sequence}: statuses kept changing while computing changes (${MAX_STALE_RETRIES} tries)`,
    );
  }

  #decode(ref: FlightRef, sequence: number, statusText: string, changesText: string): SequenceChanges {
    return { ...decodeChanges(changesText), summary: decodeSummary(statusText, ref, sequence) };
  }

  async #readSequence(
    stateKey: string,
    statusesKey: string,
    sequence: number,
  ): Promise<[string | null, string | null, string | undefined]> {
    const results = await this.#redis
      .multi()
      .hget(stateKey, stateField.changes(sequence))
      .hget(stateKey, stateField.status(sequence))
      .zrevrangebyscore(statusesKey, `(${sequence}`, '-inf', 'LIMIT', 0, 1)
      .exec();
    if (!results) throw new Error(`flight state read of ${stateKey} was aborted`);
    for (const [err] of results) if (err) throw err;
    return [
      results[0]![1] as string | null,
      results[1]![1] as string | null,
      (results[2]![1] as string[])[0],
    ];
  }
}
