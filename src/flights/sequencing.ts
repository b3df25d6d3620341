/**
 * Ingest's side of flight state: every stored message of a flight gets its `flight.sequence`
 * before its jobs are written (one Redis round trip per ingest batch), and for webhooks with
 * `ordering: flight` the job is entered in the flight's pending set inside the MULTI that writes
 * it (QueueJobWriter's extraCommands hook), so a worker never sees a job that is not there.
 *
 * A redelivered message keeps its number (the sequence is per message key), and so does a write
 * retried after a Redis error or a crash before the PUBACK: a stored message never skips or
 * repeats a number.
 */
import type { JobEntry, JobSink } from '../queue/index.js';
import { checkFlightRef } from './keys.js';
import type { CommandQueue, FlightOrdering } from './ordering.js';
import type { FlightStateStore } from './state-store.js';
import type { FlightRef } from './summary.js';

export interface FlightSequencingOptions {
  store: FlightStateStore;
  ordering: FlightOrdering;
  /** Ids of the webhooks with `ordering: flight`. */
  orderedWebhooks: ReadonlySet<string>;
}

/** A flight ref as it can be keyed, or undefined (not a flight message, or a ref no key takes). */
function flightOf(entry: JobEntry): FlightRef | undefined {
  const flight = entry.data.event.flight;
  if (!flight) return undefined;
  const ref = { carrier: flight.carrier, flightNumber: flight.flightNumber, date: flight.date };
  try {
    checkFlightRef(ref);
    return ref;
  } catch {
    return undefined;
  }
}

export class FlightSequencing {
  readonly #options: FlightSequencingOptions;

  constructor(options: FlightSequencingOptions) {
    this.#options = options;
  }

  /** A sink that numbers the batch's flight messages, then hands it to `inner` (the job writer). */
  wrap(inner: JobSink): JobSink {
    return { addBulk: async (entries) => inner.addBulk(await this.#numbered(entries)) };
  }

  /**
   * QueueJobWriter's extraCommands: inside a webhook's MULTI, enter each job of an ordered
   * webhook in its flight's pending set. Returns how many commands it queued.
   */
  readonly routedCommands = (
    webhookId: string,
    entries: readonly JobEntry[],
    redis: CommandQueue,
  ): number => {
    if (!this.#options.orderedWebhooks.has(webhookId)) return 0;
    let queued = 0;
    for (const entry of entries) {
      const ref = flightOf(entry);
      const sequence = entry.data.event.flight?.sequence;
      if (!ref || sequence === undefined) continue;
      const answer = this.#options.ordering.addRouted(redis, webhookId, ref, sequence, entry.jobId);
      // Answers QUEUED; the writer reads the real answer from EXEC.
      if (answer instanceof Promise) answer.catch(() => undefined);
      queued++;
    }
    return queued;
  };

  /** Sets event.flight.sequence on every entry of a flight (entries of one message share it). */
  async #numbered(entries: JobEntry[]): Promise<JobEntry[]> {
    const wanted = new Map<string, { ref: FlightRef; entries: JobEntry[] }>();
    for (const entry of entries) {
      const ref = flightOf(entry);
      if (!ref) continue;
      const known = wanted.get(entry.jobId);
      if (known) known.entries.push(entry);
      else wanted.set(entry.jobId, { ref, entries: [entry] });
    }
    if (wanted.size === 0) return entries;
    const items = [...wanted].map(([messageKey, { ref }]) => ({ ref, messageKey }));
    const sequences = await this.#options.store.assignSequences(items);
    // In place: the webhooks' entries of one message share its event; a retried write of the
    // same entries gets the same numbers again.
    [...wanted.values()].forEach(({ entries: same }, i) => {
      for (const entry of same) entry.data.event.flight!.sequence = sequences[i]!;
    });
    return entries;
  }
}
