/**
 * redis.minReplicas: a write batch counts as stored only when `WAIT <minReplicas> <timeout>`
 * confirms that many replicas have it, so a failover cannot lose a message after its PUBACK
 * (Redis replicates asynchronously). One WAIT per batch, on the writer's connection, sent in the
 * same socket write as the batch (WAIT covers every earlier write of its connection). A shortfall
 * rejects the batch (no PUBACK; it is written again, dedup keeps it single), is counted, and is
 * logged once until a batch is confirmed again.
 */
import type { Logger } from '../core/index.js';
import { waitForReplicas, type RedisClient } from '../redis/index.js';

export class ReplicationTimeoutError extends Error {
  constructor(
    readonly confirmed: number,
    readonly required: number,
    timeoutMs: number,
  ) {
    super(`only ${confirmed} of ${required} Redis replicas confirmed the write within ${timeoutMs} ms`);
    this.name = 'ReplicationTimeoutError';
  }
}

export interface ReplicaConfirmationOptions {
  minReplicas: number;
  timeoutMs: number;
  logger: Logger;
  /** Called once per unconfirmed batch (the metric). */
  onTimeout?: () => void;
}

export class ReplicaConfirmation {
  readonly #options: ReplicaConfirmationOptions;
  /** The cause logged last; cleared by a confirmed batch. */
  #reported?: string;

  constructor(options: ReplicaConfirmationOptions) {
    this.#options = options;
  }

  get required(): boolean {
    return this.#options.minReplicas > 0;
  }

  /**
   * Sends WAIT now (synchronously, so it joins a corked write) and resolves when enough replicas
   * confirmed; rejects otherwise. `routingKey`: a key of the batch (picks the primary on Cluster).
   */
  confirm(redis: RedisClient, routingKey: string): Promise<void> {
    const { minReplicas, timeoutMs } = this.#options;
    return waitForReplicas(redis, minReplicas, timeoutMs, routingKey).then(
      (confirmed) => {
        if (confirmed >= minReplicas) {
          if (this.#reported) this.#options.logger.info('Redis replicas confirm writes again');
          this.#reported = undefined;
          return;
        }
        this.#fail(new ReplicationTimeoutError(confirmed, minReplicas, timeoutMs), 'timeout');
      },
      (err: Error) => this.#fail(err, `error:${err.message.split(' ')[0]}`),
    );
  }

  #fail(err: Error, cause: string): never {
    this.#options.onTimeout?.();
    if (this.#reported !== cause) {
      this.#reported = cause;
      this.#options.logger.warn(
        { err, minReplicas: this.#options.minReplicas },
        'Redis replicas did not confirm a write: its messages stay unacknowledged and are written again',
      );
    }
    throw err;
  }
}
