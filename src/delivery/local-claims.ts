/**
 * The writer's side door into this process's workers (queue/claims.ts): a webhook's worker offers
 * room for jobs while it has free delivery slots, and runs the jobs the write claimed through
 * BullMQ's own processJob: the same processor, lock renewal, completion, retries and events as a
 * job it fetched, minus the wake-up and the fetch. Their completions wait up to completionHoldMs
 * for the next write to carry them (held-completions.ts).
 *
 * Not offered: webhooks with a rate limit (BullMQ counts those in its fetch) or `ordering: flight`
 * (their gate decides which job goes first), a paused or stopping worker.
 */
import { randomUUID } from 'node:crypto';
import { Job, type Worker } from 'bullmq';
import type { ClaimedJob, ClaimOffer, HeldCompletion, JobClaims } from '../queue/index.js';
import type { Logger, Metrics } from '../core/index.js';
import type { Slots } from './slots.js';
import { HeldCompletions } from './held-completions.js';

/** BullMQ's default lock lifetime, used when the worker was not given one. */
const DEFAULT_LOCK_MS = 30_000;
/**
 * Longest a claimed job's completion waits for the next ingest write to carry it. At 500 msg/s
 * writes come every 2-4 ms; a quieter feed gains nothing, and its completions go alone after this.
 */
const COMPLETION_HOLD_MS = 10;

interface Entry {
  worker: Worker;
  slots: Slots;
  concurrency: number;
  lockDurationMs: number;
  /** Claimed jobs running now. */
  running: Set<Promise<unknown>>;
}

export interface ClaimableWorker {
  webhookId: string;
  worker: Worker;
  slots: Slots;
  concurrency: number;
  lockDurationMs?: number;
}

export class LocalClaims implements JobClaims {
  readonly #entries = new Map<string, Entry>();
  readonly #tokenPrefix = `claim-${randomUUID()}`;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  /** Longest a claimed job's completion waits for the next write to carry it (ms). */
  completionHoldMs = COMPLETION_HOLD_MS;
  readonly #completions = new HeldCompletions(() => (this.#stopping ? 0 : this.completionHoldMs));
  #tokens = 0;
  #stopping = false;

  constructor(logger: Logger, metrics: Metrics) {
    this.#log = logger;
    this.#metrics = metrics;
  }

  /** Makes a webhook's worker claimable (call once it runs). */
  add({ webhookId, worker, slots, concurrency, lockDurationMs }: ClaimableWorker): void {
    this.#stopping = false;
    this.#entries.set(webhookId, {
      worker,
      slots,
      concurrency,
      lockDurationMs: lockDurationMs ?? DEFAULT_LOCK_MS,
      running: new Set(),
    });
  }

  offer(webhookId: string, count: number): ClaimOffer | undefined {
    const entry = this.#entries.get(webhookId);
    if (!entry || this.#stopping || entry.worker.isPaused() || !entry.worker.isRunning()) return undefined;
    const room = Math.min(count, entry.slots.free, entry.concurrency - entry.running.size);
    if (room <= 0) return undefined;
    const tokens: string[] = [];
    for (let i = 0; i < room; i++) tokens.push(`${this.#tokenPrefix}:${this.#tokens++}`);
    return { lockDurationMs: entry.lockDurationMs, tokens };
  }

  run(webhookId: string, jobs: ClaimedJob[]): void {
    const entry = this.#entries.get(webhookId);
    // Not possible while offers come from add()ed workers; such a job stalls and BullMQ retakes it.
    if (!entry) return;
    const { worker, running } = entry;
    this.#metrics.claimedJobs.inc({ webhook: webhookId }, jobs.length);
    for (const claimed of jobs) {
      const job = new Job(worker, claimed.name, claimed.data, claimed.opts, claimed.jobId);
      job.token = claimed.token;
      job.processedOn = claimed.processedOn;
      job.attemptsStarted = 1;
      this.#completions.hold(job, worker);
      const done = worker
        .processJob(job, claimed.token, () => false)
        .catch((err: unknown) =>
          this.#log.warn({ err, webhook: webhookId, jobId: claimed.jobId }, 'claimed job failed to run'),
        )
        .finally(() => running.delete(done));
      running.add(done);
    }
  }

  /** Completions of claimed jobs waiting for a write to carry them. */
  get heldCompletions(): number {
    return this.#completions.size;
  }

  takeCompletions(): HeldCompletion[] {
    return this.#completions.take();
  }

  /** No more offers; resolves when the claimed jobs of `webhookId` have finished. */
  async drain(webhookId: string): Promise<void> {
    this.#stopping = true;
    const entry = this.#entries.get(webhookId);
    // No write will come to carry their completions: those go at once from now on.
    this.#completions.flush();
    while (entry && entry.running.size > 0) await Promise.all([...entry.running]);
  }

  remove(webhookId: string): void {
    this.#entries.delete(webhookId);
  }
}
