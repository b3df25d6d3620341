/**
 * `ordering: flight` at the worker: a job whose flight has a lower sequence still pending at this
 * webhook waits in BullMQ's delayed set (no attempt spent, no polling); when that sequence is
 * delivered or dead-lettered, markDone names the next pending job and it is promoted at once.
 * Works across worker processes: the pending set is in Redis and promote is a BullMQ operation.
 */
import { Job, type Queue } from 'bullmq';
import type { Logger } from '../core/index.js';
import type { FlightOrdering, FlightRef } from '../flights/index.js';
import type { StoredJobData } from './failure.js';

/**
 * A held job looks again after this long even if no one promotes it (a promote that raced the
 * job's own move to delayed, or a markDone lost with its process). A backstop, not a poll.
 */
export const ORDER_RECHECK_MS = 30_000;

export interface FlightOrderGateOptions {
  ordering: FlightOrdering;
  webhookId: string;
  queue: Queue;
  log: Logger;
  recheckMs?: number;
}

function orderOf(data: StoredJobData): { ref: FlightRef; sequence: number } | undefined {
  const flight = data.event.flight;
  if (!flight || flight.sequence === undefined) return undefined;
  return {
    ref: { carrier: flight.carrier, flightNumber: flight.flightNumber, date: flight.date },
    sequence: flight.sequence,
  };
}

export class FlightOrderGate {
  readonly #options: FlightOrderGateOptions;

  constructor(options: FlightOrderGateOptions) {
    this.#options = options;
  }

  /**
   * True when the job must wait for a lower sequence: it is then in the delayed set (the caller
   * throws DelayedError). Checks again after the move, so a markDone that ran in between (and
   * could not promote an active job) does not leave it waiting for the backstop.
   */
  async holdBack(job: Job<StoredJobData>, token: string | undefined, now: number): Promise<boolean> {
    const order = orderOf(job.data);
    if (!order) return false;
    const { ordering, webhookId } = this.#options;
    if (await ordering.canDeliver(webhookId, order.ref, order.sequence)) return false;
    await job.moveToDelayed(now + (this.#options.recheckMs ?? ORDER_RECHECK_MS), token);
    if (await ordering.canDeliver(webhookId, order.ref, order.sequence)) await this.#promote(job.id);
    return true;
  }

  /** The job was delivered or dead-lettered: its sequence is done, the next one may go. */
  async done(data: StoredJobData): Promise<void> {
    const order = orderOf(data);
    if (!order) return;
    try {
      const next = await this.#options.ordering.markDone(this.#options.webhookId, order.ref, order.sequence);
      if (next) await this.#promote(next.jobId);
    } catch (err) {
      this.#options.log.error(
        { err, flight: order.ref, sequence: order.sequence },
        `could not release the next event of the flight; it goes within ${ORDER_RECHECK_MS} ms`,
      );
    }
  }

  /** Promotes a delayed job; one that is waiting, active or gone needs nothing. */
  async #promote(jobId: string | undefined): Promise<void> {
    if (jobId === undefined) return;
    const job = await Job.fromId(this.#options.queue, jobId);
    if (!job || !(await job.isDelayed())) return;
    await job.promote().catch(() => undefined);
  }
}
