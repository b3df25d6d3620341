/**
 * Jobs handed from the write straight to a worker of the same process (steady-rate cost, issue 23).
 *
 * A job BullMQ's worker takes costs three round trips besides the delivery: the blocked worker is
 * woken by the queue's marker, moves the job to active and fetches it, and later completes it. When
 * a local worker has room and nothing older waits, the writer's MULTI claims the jobs it just added
 * (claim-jobs.lua: what moveToActive does, for these ids, under the worker's token) and the worker
 * runs them from memory: no wake-up and no fetch, two round trips fewer per job.
 *
 * Nothing changes for a crash: a claimed job is an active job with a lock, so BullMQ's stalled
 * check puts it back in wait once the lock expires, like any job whose worker died.
 */
import type { JobsOptions, Queue } from 'bullmq';
import { loadScript, type RedisClient } from '../redis/index.js';
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

/** The local workers, as the writer sees them (delivery's LocalClaims in production). */
export interface JobClaims {
  /** Tokens for up to `count` jobs of the webhook; undefined when its worker has no room. */
  offer(webhookId: string, count: number): ClaimOffer | undefined;
  /** Runs the claimed jobs (they are active and locked under their tokens). Never throws. */
  run(webhookId: string, jobs: ClaimedJob[]): void;
}

/** Sent as EVALSHA inside the writer's MULTI; the writer keeps it loaded (ScriptPreload). */
export const CLAIM_SCRIPT = loadScript('claim-jobs');

/**
 * Sends the claim of `jobs` (ids, in the order added) on `redis`, inside an open MULTI; answers
 * the 1-based indexes claimed. Sent before this returns.
 */
export function sendClaim(
  redis: RedisClient,
  queue: Queue,
  offer: ClaimOffer,
  jobIds: string[],
  now: number,
): Promise<unknown> {
  const { keys } = queue;
  const args: Array<string | number> = [offer.lockDurationMs, now];
  jobIds.forEach((jobId, i) => args.push(jobId, offer.tokens[i]!));
  return redis.evalsha(
    CLAIM_SCRIPT.sha,
    6 + jobIds.length,
    keys.wait!,
    keys.active!,
    keys.prioritized!,
    keys.meta!,
    keys.marker!,
    keys.events!,
    ...jobIds.map((jobId) => queue.toKey(jobId)),
    ...args,
  );
}
