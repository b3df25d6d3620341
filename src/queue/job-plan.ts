/**
 * Which BullMQ jobs one webhook's entries become: one job per message (job id = message key), or,
 * for a webhook that batches, batch jobs of up to batchSize messages (a lone message and a rejected
 * one as a job of its own). Pure: ids and options only, nothing sent.
 */
import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { WebhookConfig } from '../config/index.js';
import {
  BATCH_JOB_NAME,
  type BatchItem,
  type BatchJobData,
  type DeliveryJobData,
  type JobEntry,
} from './job.js';
import { batchesFor } from './options.js';

export interface PlannedJob {
  name: string;
  data: DeliveryJobData | BatchJobData;
  opts: JobsOptions;
  jobId: string;
  /** The entries (messages) the job holds. */
  entries: JobEntry[];
  isBatch: boolean;
}

export interface PlanOptions {
  webhook: WebhookConfig;
  /** Options of a job holding one message. */
  single: JobsOptions;
  /** Options of a batch job. */
  batch: JobsOptions;
  /** Every message as a job of its own, even for a batching webhook. */
  singlesOnly?: boolean;
}

export function planJobs(entries: JobEntry[], options: PlanOptions): PlannedJob[] {
  const single = (entry: JobEntry): PlannedJob => ({
    name: entry.data.event.type,
    data: entry.data,
    opts: { ...options.single, jobId: entry.jobId },
    jobId: entry.jobId,
    entries: [entry],
    isBatch: false,
  });
  const unique = distinct(entries);
  if (options.singlesOnly || !batchesFor(options.webhook)) return unique.map(single);
  const jobs: PlannedJob[] = [];
  let batch: JobEntry[] = [];
  const flush = () => {
    if (batch.length === 1) jobs.push(single(batch[0]!));
    else if (batch.length > 1) {
      const items: BatchItem[] = batch.map(({ jobId, data }) => ({ jobId, data }));
      const jobId = `batch-${randomUUID()}`;
      const opts = { ...options.batch, jobId };
      jobs.push({ name: BATCH_JOB_NAME, data: { batch: items }, opts, jobId, entries: batch, isBatch: true });
    }
    batch = [];
  };
  for (const entry of unique) {
    // A rejected message goes to its own job, which dead-letters it with the reason.
    if (entry.data.reject) {
      jobs.push(single(entry));
      continue;
    }
    batch.push(entry);
    if (batch.length >= options.webhook.batchSize) flush();
  }
  flush();
  return jobs;
}

/** Each key once: a DUP redelivery can sit in the same write as its first copy. */
function distinct(entries: JobEntry[]): JobEntry[] {
  const keys = new Set<string>();
  return entries.filter((entry) => {
    if (keys.has(entry.jobId)) return false;
    keys.add(entry.jobId);
    return true;
  });
}
