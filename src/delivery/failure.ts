/**
 * How a delivery attempt failed, as kept on the job (the last one survives into the dead letter),
 * and the errors the processor throws to BullMQ.
 */
import { UnrecoverableError } from 'bullmq';
import type { DeliveryJobData } from '../queue/index.js';

export interface DeliveryFailure {
  /** While retrying: "retrying"; in a dead letter: exhausted | refused | redirect | gone | stale | rejected ... */
  reason: string;
  detail: string;
  status?: number;
  /** First bytes of the response body. */
  body?: string;
  /** Attempts made when this was recorded. */
  attempts: number;
  at: string;
}

/** The job data as the delivery worker keeps it: what ingest wrote plus delivery bookkeeping. */
export interface StoredJobData extends DeliveryJobData {
  failure?: DeliveryFailure;
  /** Set by `dlq replay`: maxAge counts from here, so an operator can replay old messages. */
  replayedAt?: string;
  replays?: number;
  /** First time a worker took the job (the enricher's maxWait counts from here). */
  firstTriedAt?: number;
  /** Attempts made inside a batch job before this message became a job of its own. */
  priorAttempts?: number;
  /** Set when a batch attempt got a final answer (4xx, 410): the job is dead-lettered at once. */
  deadLetter?: Omit<DeliveryFailure, 'attempts' | 'at'>;
}

/** Try again later (BullMQ backoff, or Retry-After when the endpoint sent one). */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    /** Failed attempts so far, counting those made inside a batch job (for the backoff). */
    readonly failures?: number,
  ) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}

/** Never retried: the job goes to the failed set (the dead letters) at once. */
export class DeadLetterError extends UnrecoverableError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}
