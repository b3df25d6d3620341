/**
 * Runs a batch job: every message gets its first attempt, at most webhook.concurrency at once
 * (the shared Slots). Messages not delivered are handed off as jobs of their own, written before
 * the batch job completes, so a crash in between re-runs the batch (duplicates, never loss); the
 * delivered ones are checkpointed every 50 ms so such a re-run skips them.
 */
import type { Job } from 'bullmq';
import type { BatchItem, BatchJobData } from '../queue/index.js';
import type { Handoff, WebhookProcessor } from './processor.js';
import type { Slots } from './slots.js';
import type { Logger } from '../core/index.js';

export interface BatchHandoff extends Handoff {
  jobId: string;
}

export interface BatchRunnerOptions {
  processor: WebhookProcessor;
  slots: Slots;
  /** Writes the handed-off messages as jobs; resolves when Redis has them. */
  handOff(items: BatchHandoff[]): Promise<void>;
  /** True once the workers are stopping: messages not started yet are handed off at once. */
  stopping(): boolean;
  logger: Logger;
}

export interface BatchResult {
  delivered: number;
  handedOff: number;
}

export class BatchRunner {
  readonly #options: BatchRunnerOptions;

  constructor(options: BatchRunnerOptions) {
    this.#options = options;
  }

  async run(job: Job<BatchJobData>): Promise<BatchResult> {
    const { slots } = this.#options;
    const handoffs: BatchHandoff[] = [];
    // Messages delivered by an earlier run of this job that crashed: not sent again.
    const done = deliveredBefore(job.progress);
    const before = done.size;
    const checkpoints = new Checkpoints(job, done);
    const running: Array<Promise<void>> = [];
    try {
      const { batch } = job.data;
      for (let index = 0; index < batch.length; index++) {
        if (done.has(index)) continue;
        if (!slots.tryAcquire()) await slots.acquire();
        const item = batch[index]!;
        if (this.#options.stopping()) {
          slots.release();
          handoffs.push({ jobId: item.jobId, data: item.data, delayMs: 0 });
          continue;
        }
        running.push(this.#attempt(item, index, done, handoffs));
      }
      await Promise.all(running);
    } finally {
      checkpoints.stop();
    }
    if (handoffs.length > 0) await this.#options.handOff(handoffs);
    return { delivered: done.size - before, handedOff: handoffs.length };
  }

  /** One message's first attempt, holding a slot: delivered → done, else → handoffs. Never throws. */
  async #attempt(item: BatchItem, index: number, done: Set<number>, handoffs: BatchHandoff[]): Promise<void> {
    try {
      const result = await this.#options.processor.firstAttempt(item.data);
      if (result === 'delivered') done.add(index);
      else handoffs.push({ jobId: item.jobId, ...result });
    } catch (err) {
      // Unexpected (e.g. Redis gone while reading the breaker): the message's own job tries again.
      this.#options.logger.warn(
        { err, jobId: item.jobId },
        'first attempt failed; the message continues as its own job',
      );
      handoffs.push({ jobId: item.jobId, data: item.data, delayMs: 1000 });
    } finally {
      this.#options.slots.release();
    }
  }
}

/** How often a running batch records which messages are delivered: a crash re-sends at most this much. */
const CHECKPOINT_MS = 50;

/**
 * Records the delivered messages' positions as the job's progress while it runs (one small write
 * per interval, only when something changed), so a re-run after a crash skips them.
 */
class Checkpoints {
  readonly #timer: NodeJS.Timeout;
  #recorded: number;
  #writing = false;

  constructor(
    private readonly job: Job<BatchJobData>,
    private readonly done: Set<number>,
  ) {
    this.#recorded = done.size;
    this.#timer = setInterval(() => void this.#record(), CHECKPOINT_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #record(): Promise<void> {
    if (this.#writing || this.done.size === this.#recorded) return;
    this.#writing = true;
    this.#recorded = this.done.size;
    // A failed checkpoint only means more duplicates after a crash.
    await this.job.updateProgress({ delivered: [...this.done] }).catch(() => undefined);
    this.#writing = false;
  }
}

function deliveredBefore(progress: unknown): Set<number> {
  const delivered = (progress as { delivered?: unknown } | null)?.delivered;
  return new Set(Array.isArray(delivered) ? delivered.filter((i): i is number => Number.isInteger(i)) : []);
}
