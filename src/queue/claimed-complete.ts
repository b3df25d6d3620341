/**
 * The completion of a claimed job (issue 23): complete-claimed-job.lua instead of BullMQ's
 * moveToFinished, for the jobs it covers. A claimed job never has a parent, children, a
 * deduplication id or worker metrics, so most of moveToFinished's 40 KB of Lua is work Redis does for
 * nothing on every message; the small script leaves the same job hash, lists, sets and events
 * (measured 50-64 µs a call against 80-102 in Redis; docs/BENCHMARKS.md).
 *
 * A job outside what the script covers (keepJobs by age, a worker-level keepJobs, a parent) answers
 * undefined from `completedKept`, and its caller completes it the BullMQ way.
 */
import type { Job, Worker } from 'bullmq';
import { loadScript, type RedisClient } from '../redis/index.js';

export const COMPLETE_CLAIMED_SCRIPT = loadScript('complete-claimed-job');

/**
 * How many completed jobs the queue keeps after `job` completes, as BullMQ reads removeOnComplete
 * (-1 all, 0 none, n the newest n); undefined when the script does not cover the job.
 */
export function completedKept(job: Job, worker: Worker): number | undefined {
  const { opts } = job;
  if (job.parentKey || opts.parent || opts.deduplication || worker.opts.metrics) return undefined;
  const remove = opts.removeOnComplete;
  if (remove === true) return 0;
  if (remove === false) return -1;
  if (typeof remove === 'number') return remove;
  if (remove && !('age' in remove) && typeof remove.count === 'number') return remove.count;
  // Unset (the worker's keepJobs decides) or by age: BullMQ's own script.
  return undefined;
}

export interface ClaimedCompletion {
  job: Job;
  token: string;
  /** The processor's result as JSON ('' for undefined, as BullMQ sends it). */
  returnValue: string;
  finishedOn: number;
  kept: number;
}

/** Sends the completion on `client`; answers 0 or moveToFinished's negative error code. */
export function sendClaimedCompletion(
  client: RedisClient,
  worker: Worker,
  { job, token, returnValue, finishedOn, kept }: ClaimedCompletion,
): Promise<number> {
  const { keys } = worker;
  return COMPLETE_CLAIMED_SCRIPT.run(
    client,
    [
      keys.active!,
      keys.stalled!,
      keys.completed!,
      keys.events!,
      keys.wait!,
      keys.prioritized!,
      worker.toKey(job.id!),
    ],
    [job.id!, token, returnValue, finishedOn, kept, worker.toKey('')],
  ) as Promise<number>;
}
