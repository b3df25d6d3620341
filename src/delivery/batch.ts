/**
 * Runs a batch job: every message gets its first attempt, at most webhook.concurrency at once
 * (the shared Slots). Messages not delivered are handed off as jobs of their own, written before
 * the batch job completes, so a crash in between re-runs the batch (duplicates, never loss).
 */
import type { Job } from 'bullmq';
import type { BatchItem, BatchJobData } from './job.js';
import type { Handoff, WebhookProcessor } from './processor.js';
import type { Slots } from './slots.js';
import type { Logger } from '../logger.js';

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
  readonly #o: BatchRunnerOptions;

  constructor(options: BatchRunnerOptions) {
    this.#o = options;
  }

  async run(job: Job<BatchJobData>): Promise<BatchResult> {
    const { slots } = this.#o;
    const handoffs: BatchHandoff[] = [];
    let delivered = 0;
    const running: Array<Promise<void>> = [];
    for (const item of job.data.batch) {
      await slots.acquire();
      if (this.#o.stopping()) {
        slots.release();
        handoffs.push({ jobId: item.jobId, data: item.data, delayMs: 0 });
        continue;
      }
      running.push(
        this.#attempt(item)
          .then((result) => {
            if (result === 'delivered') delivered += 1;
            else handoffs.push(result);
          })
          .finally(() => slots.release()),
      );
    }
    await Promise.all(running);
    if (handoffs.length > 0) await this.#o.handOff(handoffs);
    return { delivered, handedOff: handoffs.length };
  }

  async #attempt(item: BatchItem): Promise<'delivered' | BatchHandoff> {
    try {
      const result = await this.#o.processor.firstAttempt(item.data);
      return result === 'delivered' ? result : { jobId: item.jobId, ...result };
    } catch (err) {
      // Unexpected (e.g. Redis gone while reading the breaker): the message's own job tries again.
      this.#o.logger.warn(
        { err, jobId: item.jobId },
        'first attempt failed; the message continues as its own job',
      );
      return { jobId: item.jobId, data: item.data, delayMs: 1000 };
    }
  }
}
