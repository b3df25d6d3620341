/**
 * Completions of claimed jobs, held a few milliseconds so they share the ingest writer's next
 * socket write (issue 23). At a steady rate a lone message otherwise costs two Redis round trips:
 * its write and, a millisecond later, its completion. Riding along with the next message's write,
 * the completion costs no socket write and no read wake-up of its own, here or in Redis.
 *
 * Only the send is changed: the script is complete-claimed-job.lua (queue/claimed-complete.ts) or,
 * for a job it does not cover, BullMQ's moveToFinished with its own arguments; a refusal throws the
 * error BullMQ's own moveToCompleted would, so processJob handles it the same way. When no write
 * comes within `holdMs`, the held completions go together on the worker's connection. A held job
 * is still an active job with a lock: a crash meanwhile leaves it to the stalled check (delivered
 * again, never lost).
 */
import type { Job, Worker } from 'bullmq';
import { inOneWrite, type RedisClient } from '../redis/index.js';
import {
  completedKept,
  sendClaimedCompletion,
  type HeldCompletion,
  type QueueConnection,
} from '../queue/index.js';

interface Held {
  send: HeldCompletion;
  /** Ends the completion with this error, unsent. */
  fail(err: Error): void;
  worker: Worker;
}

type MoveToCompleted = Job['moveToCompleted'];

export class HeldCompletions {
  /** Longest a completion waits for a write to carry it, asked when one is held (0: next turn). */
  readonly #holdMs: () => number;
  #held: Held[] = [];
  #timer?: NodeJS.Timeout;

  constructor(holdMs: () => number) {
    this.#holdMs = holdMs;
  }

  /** Completions waiting for a write. */
  get size(): number {
    return this.#held.length;
  }

  /** Gives `job` (run by `worker`) a moveToCompleted that waits for a shared write. */
  hold(job: Job, worker: Worker): void {
    const direct: MoveToCompleted = job.moveToCompleted.bind(job);
    job.moveToCompleted = (returnValue, token, fetchNext) => {
      // A worker fetching its next job with the completion needs BullMQ's own round trip.
      if (fetchNext) return direct(returnValue, token, fetchNext);
      return this.#complete(job, worker, returnValue, token);
    };
  }

  /** The held completions, now the caller's to start (each on the connection it passes). */
  take(): HeldCompletion[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = [];
    return held.map(({ send }) => send);
  }

  /** Sends what is held now, on the workers' own connections. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const byWorker = new Map<Worker, Held[]>();
    for (const held of this.#held) {
      const list = byWorker.get(held.worker);
      if (list) list.push(held);
      else byWorker.set(held.worker, [held]);
    }
    this.#held = [];
    for (const [worker, held] of byWorker)
      worker.client.then(
        (client) =>
          inOneWrite(client as unknown as RedisClient, () => held.forEach(({ send }) => send(client))),
        (err: Error) => held.forEach(({ fail }) => fail(err)),
      );
  }

  #complete(job: Job, worker: Worker, returnValue: unknown, token: string): Promise<[] | undefined> {
    const scripts = worker.scripts;
    const json = JSON.stringify(returnValue) as string | undefined;
    const kept = completedKept(job, worker);
    let finishedOn: number;
    let start: (client: QueueConnection) => Promise<unknown>;
    if (kept === undefined) {
      // Not covered by complete-claimed-job.lua: BullMQ's own arguments and script.
      const args = scripts.moveToCompletedArgs(job, json!, job.opts.removeOnComplete ?? false, token, false);
      finishedOn = args[scripts.moveToFinishedKeys.length + 1] as number;
      start = (client) => Promise.resolve(scripts.execCommand(client, 'moveToFinished', args));
    } else {
      finishedOn = Date.now();
      const completion = { job, token, returnValue: json ?? '', finishedOn, kept };
      start = (client) => sendClaimedCompletion(client as unknown as RedisClient, worker, completion);
    }
    return new Promise<undefined>((resolve, reject) => {
      const send: HeldCompletion = (client) => {
        let answer: Promise<unknown>;
        try {
          answer = start(client);
        } catch (err) {
          answer = Promise.reject(err as Error);
        }
        answer.then((code) => {
          if (typeof code === 'number' && code < 0) {
            reject(
              scripts.finishedErrors({ code, jobId: job.id!, command: 'moveToFinished', state: 'active' }),
            );
            return;
          }
          job.returnvalue = returnValue || undefined;
          job.finishedOn = finishedOn;
          job.attemptsMade += 1;
          resolve(undefined);
        }, reject);
      };
      this.#held.push({ send, fail: reject, worker });
      this.#timer ??= setTimeout(() => this.flush(), this.#holdMs());
    });
  }
}
