/**
 * Jobs handed from the write straight to a worker of the same process (steady-rate cost, issue 23).
 *
 * A job BullMQ's worker takes costs three round trips besides the delivery: the blocked worker is
 * woken by the queue's marker, moves the job to active and fetches it, and later completes it. When
 * a local worker has room for a write's jobs and nothing older waits, the writer adds them straight
 * to the active list under the worker's tokens (claimed-add.ts) and the worker runs them from
 * memory: no wake-up and no fetch, and their completions ride with the next write
 * (delivery/held-completions.ts).
 *
 * Nothing changes for a crash: a claimed job is an active job with a lock, so BullMQ's stalled
 * check puts it back in wait once the lock expires, like any job whose worker died.
 */
import type { JobsOptions, Queue } from 'bullmq';
import type { BatchJobData, DeliveryJobData } from './job.js';

/** Room a local worker offers for one write: a lock token per job it may take. */
export interface ClaimOffer {
  lockDurationMs: number;
  tokens: string[];
}

/** A job Redis moved to active under an offer's token. */
export interface ClaimedJob {
  jobId: string;
  name: string;
  data: DeliveryJobData | BatchJobData;
  opts: JobsOptions;
  token: string;
  /** When it became active (the claim's `now`): BullMQ's processedOn. */
  processedOn: number;
}

/** A BullMQ connection, as `queue.client` resolves (ioredis with BullMQ's commands). */
export type QueueConnection = Awaited<Queue['client']>;

/**
 * A claimed job's completion waiting to share a socket write: started on the connection it is
 * given, inside the caller's corked write (not inside a MULTI).
 */
export type HeldCompletion = (client: QueueConnection) => void;

/** The local workers, as the writer sees them (delivery's LocalClaims in production). */
export interface JobClaims {
  /** Tokens for up to `count` jobs of the webhook; undefined when its worker has no room. */
  offer(webhookId: string, count: number): ClaimOffer | undefined;
  /** Runs the claimed jobs (they are active and locked under their tokens). Never throws. */
  run(webhookId: string, jobs: ClaimedJob[]): void;
  /** The completions held for the next write (delivery/held-completions.ts); now the caller's. */
  takeCompletions(): HeldCompletion[];
}
