/**
 * The steady trickle's write (issue 23): when a worker of this process has room for every job of a
 * webhook's write, one script (add-claimed-jobs.lua) adds the jobs straight to the active list under
 * that worker's tokens, with the dedup gate and record: one script call instead of a MULTI of the
 * gate, BullMQ's adds, the record and a claim. The job hashes and events are those BullMQ's add and
 * moveToActive leave, built from BullMQ's own serialisation of each Job (asJSON), so a claimed job
 * completes, fails, retries and stalls like any other.
 *
 * Nothing changes for a crash: a claimed job is an active job with a lock, so BullMQ's stalled check
 * puts it back in wait once the lock expires, like any job whose worker died.
 */
import type { Job, Queue } from 'bullmq';
import { loadScript, type RedisClient } from '../redis/index.js';
import type { ClaimedJob, ClaimOffer } from './claims.js';
import { DedupMemory } from './dedup.js';
import type { PlannedJob } from './job-plan.js';

/** Sent as EVALSHA; the writer keeps it loaded (ScriptPreload). */
export const ADD_CLAIMED_SCRIPT = loadScript('add-claimed-jobs');

export interface ClaimedAddResult {
  /** 1-based indexes of the jobs the dedup memory refused. */
  gated: number[];
  /** 1-based indexes of the jobs added as active under the offer's tokens. */
  claimed: number[];
}

/**
 * Sends the write of `jobs` (the Job objects of `planned`, in order) on `redis`; sent before this
 * returns. Answers undefined when Redis declined it (a paused, limited or capped queue, or jobs
 * waiting): nothing was written, and the jobs go the ordinary way.
 */
export function sendClaimedAdd(
  redis: RedisClient,
  queue: Queue,
  planned: PlannedJob[],
  jobs: Job[],
  offer: ClaimOffer,
  dedup: { key: string; now: number; oldest: number; maxCount: number },
): Promise<ClaimedAddResult | undefined> {
  const { keys } = queue;
  const args: Array<string | number> = [offer.lockDurationMs, dedup.now, dedup.oldest, dedup.maxCount];
  jobs.forEach((job, i) => {
    const json = job.asJSON();
    const entries = planned[i]!.entries;
    args.push(job.id!, offer.tokens[i]!, job.name, json.data, JSON.stringify(json.opts), job.timestamp);
    args.push(entries.length);
    for (const entry of entries) args.push(DedupMemory.member(entry.jobId));
  });
  return redis
    .evalsha(
      ADD_CLAIMED_SCRIPT.sha,
      7 + jobs.length,
      keys.wait!,
      keys.active!,
      keys.prioritized!,
      keys.meta!,
      keys.id!,
      keys.events!,
      dedup.key,
      ...jobs.map((job) => queue.toKey(job.id!)),
      ...args,
    )
    .then((answer) => {
      if (!Array.isArray(answer)) return undefined;
      const [gated, claimed] = answer as [number[], number[]];
      return { gated, claimed };
    });
}

/**
 * Claims are for the steady trickle: a write of a few messages. A large write means a backlog (group
 * commit while Redis was busy), which BullMQ's own loop drains best: it completes a job and fetches
 * the next in one round trip. Claiming beside it cost 10-50 % more CPU per message in the burst bench.
 */
const CLAIM_MAX_MESSAGES = 8;

export function claimable(jobs: PlannedJob[]): boolean {
  let messages = 0;
  for (const job of jobs) messages += job.entries.length;
  return messages <= CLAIM_MAX_MESSAGES;
}

/** The jobs the claimed write took (1-based indexes), as the worker runs them. */
export function claimedJobs(
  indexes: number[],
  added: Job[],
  offer: ClaimOffer,
  processedOn: number,
): ClaimedJob[] {
  return indexes.map((n) => {
    const job = added[n - 1]!;
    const { name, data, opts } = job;
    return {
      jobId: job.id!,
      name,
      data,
      opts: { ...opts, timestamp: job.timestamp },
      token: offer.tokens[n - 1]!,
      processedOn,
    };
  });
}
