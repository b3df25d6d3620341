/**
 * Delivery attempts reach the timeline one by one, one per delivery. Written one pipeline each,
 * every attempt cost a socket write of its own on the shared connection; here the attempts of one
 * event-loop turn (at most `maxBatch`) go in one batch (a pipeline on one server): per list one
 * RPUSH of its attempts, an LTRIM and a PEXPIRE. Order within a list is kept (one connection per
 * node, commands in order).
 */
import { commandBatch, type RedisClient } from '../redis/index.js';

interface Batch {
  attempts: Array<{ key: string; value: string }>;
  done: Promise<void>;
  settle(err?: unknown): void;
}

export interface AttemptWriterOptions {
  redis: RedisClient;
  /** Entries kept per list (the oldest go first). */
  maxPerList: number;
  retentionMs: number;
  /** Attempts per pipeline at most; 200. */
  maxBatch?: number;
}

export class AttemptWriter {
  readonly #options: Required<AttemptWriterOptions>;
  #batch?: Batch;

  constructor(options: AttemptWriterOptions) {
    this.#options = { maxBatch: 200, ...options };
  }

  /** Appends value to the list at key; resolves once Redis has it (with the rest of its batch). */
  add(key: string, value: string): Promise<void> {
    let batch = this.#batch;
    if (!batch) {
      batch = this.#batch = newBatch();
      setImmediate(() => this.#write(batch!));
    }
    batch.attempts.push({ key, value });
    if (batch.attempts.length >= this.#options.maxBatch) this.#write(batch);
    return batch.done;
  }

  #write(batch: Batch): void {
    if (this.#batch !== batch) return; // already written (full before its turn ended)
    this.#batch = undefined;
    const { redis, maxPerList, retentionMs } = this.#options;
    const lists = new Map<string, string[]>();
    for (const { key, value } of batch.attempts) {
      const values = lists.get(key);
      if (values) values.push(value);
      else lists.set(key, [value]);
    }
    // A pipeline on one server; on a Cluster each command goes to its list's node (commandBatch).
    const batchOfCommands = commandBatch(redis);
    for (const [key, values] of lists) {
      batchOfCommands.rpush(key, ...values);
      batchOfCommands.ltrim(key, -maxPerList, -1);
      batchOfCommands.pexpire(key, retentionMs);
    }
    batchOfCommands.exec().then(
      (results) => batch.settle((results ?? []).find(([err]) => err)?.[0] ?? undefined),
      (err: unknown) => batch.settle(err),
    );
  }
}

function newBatch(): Batch {
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve());
  });
  // Nobody may be listening when it fails (every caller gets the same promise and logs it).
  done.catch(() => undefined);
  return { attempts: [], done, settle };
}
