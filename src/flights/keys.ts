/**
 * The keys of flight state, named in src/redis/keys.ts (RedisKeys.flight*), with the ref checked
 * here first: each carries the flight's hash tag (`{flight:LH400:2026-12-01}`) so a Redis Cluster
 * keeps all keys of one flight in one slot and a Lua script may touch several of them.
 */
import { RedisKeys, type KeyLayout } from '../redis/index.js';
import type { FlightRef } from './summary.js';

const CARRIER = /^[A-Z0-9]{2,3}$/;
const NUMBER = /^[0-9]{1,4}[A-Z]?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Throws naming the field when a ref part could not come from a flight topic. */
export function checkFlightRef(ref: FlightRef): void {
  if (!CARRIER.test(ref.carrier))
    throw new Error(`flight carrier "${ref.carrier}" is not 2-3 letters/digits`);
  if (!NUMBER.test(ref.flightNumber))
    throw new Error(`flight flightNumber "${ref.flightNumber}" is not 1-4 digits with an optional letter`);
  if (!DATE.test(ref.date) || Number.isNaN(Date.parse(`${ref.date}T00:00:00Z`)))
    throw new Error(`flight date "${ref.date}" is not a YYYY-MM-DD date`);
}

export class FlightKeys {
  readonly #keys: RedisKeys;

  /**
   * prefix: redis.prefix. It must not contain `{` or `}`, or Cluster would hash on it instead.
   * layout: `cluster` gives an ordered webhook's pending/done sets the webhook's hash tag.
   */
  constructor(
    prefix: string,
    readonly layout: KeyLayout = 'single',
  ) {
    if (prefix === '' || /[{}]/.test(prefix))
      throw new Error(`redis.prefix "${prefix}" must be non-empty and free of "{" and "}" (hash tags)`);
    this.#keys = new RedisKeys(prefix, layout);
  }

  /** `{flight:LH400:2026-12-01}` */
  tag(ref: FlightRef): string {
    checkFlightRef(ref);
    return this.#keys.flightTag(ref);
  }

  state(ref: FlightRef): string {
    checkFlightRef(ref);
    return this.#keys.flightState(ref);
  }

  messages(ref: FlightRef): string {
    checkFlightRef(ref);
    return this.#keys.flightMessages(ref);
  }

  statuses(ref: FlightRef): string {
    checkFlightRef(ref);
    return this.#keys.flightStatuses(ref);
  }

  pending(webhookId: string, ref: FlightRef): string {
    if (webhookId === '') throw new Error('webhook id must not be empty');
    checkFlightRef(ref);
    return this.#keys.flightPending(webhookId, ref);
  }

  done(webhookId: string, ref: FlightRef): string {
    if (webhookId === '') throw new Error('webhook id must not be empty');
    checkFlightRef(ref);
    return this.#keys.flightDone(webhookId, ref);
  }

  /** Every key of this flight except the per-webhook ones (for tests and MEMORY USAGE). */
  flightKeys(ref: FlightRef): string[] {
    return [this.state(ref), this.messages(ref), this.statuses(ref)];
  }
}

/** Hash fields of the state hash. */
export const stateField = {
  lastSequence: 'seq',
  status: (sequence: number) => `s${sequence}`,
  changes: (sequence: number) => `c${sequence}`,
} as const;

/** Keys written for a flight past its retention live at least this long (see expiryOf). */
export const LATE_WRITE_FLOOR_MS = 3_600_000;

/**
 * When a flight's keys expire: `retentionMs` after the end (UTC) of the flight date, but never
 * earlier than an hour from now, so a late or replayed notification of an old flight still gets
 * one number and one set of changes across its retries (a past expiry would delete at once).
 */
export function expiryOf(ref: FlightRef, retentionMs: number, nowMs: number): number {
  const endOfDate = Date.parse(`${ref.date}T00:00:00Z`) + 86_400_000;
  return Math.max(endOfDate + retentionMs, nowMs + LATE_WRITE_FLOOR_MS);
}
