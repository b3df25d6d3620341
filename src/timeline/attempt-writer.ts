/**
 * Delivery attempts reach the timeline one by one, one per delivery. Written one pipeline each,
 * every attempt cost a socket write of its own on the shared connection; here the attempts of one
 * event-loop turn (at most `maxBatch`) go in one pipeline: per list one RPUSH of its attempts, an
 * LTRIM and a PEXPIRE. Order within a list is kept (one connection, pipelines in order).
 */
import { keyLayoutOf, type RedisClient } from '../redis/index.js';

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
  readonly #cluster: boolean;
  #batch?: Batch;

  constructor(options: AttemptWriterOptions) {
    this.#options = { maxBatch: 200, ...options };
    this.#cluster = keyLayoutOf(options.redis) === 'cluster';
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
    // A Cluster pipeline must stay on one node: there each list gets a pipeline of its own.
    const perList = this.#cluster;
    let pipeline = redis.pipeline();
    const sent: Array<ReturnType<typeof pipeline.exec>> = [];
    for (const [key, values] of lists) {
      pipeline
        .rpush(key, ...values)
        .ltrim(key, -maxPerList, -1)
        .pexpire(key, retentionMs);
      if (perList) {
        sent.push(pipeline.exec());
        pipeline = redis.pipeline();
      }
    }
    if (!perList) sent.push(pipeline.exec());
    Promise.all(sent).then(
      (all) => batch.settle(all.flatMap((results) => results ?? []).find(([err]) => err)?.[0] ?? undefined),
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
