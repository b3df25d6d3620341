/**
 * A counting semaphore: at most `size` deliveries of one webhook in flight in this process, whether
 * they come from batch jobs or from single jobs.
 */
export class Slots {
  readonly #size: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** Slots not taken now. */
  get free(): number {
    return this.#size - this.#used;
  }

  /** Takes a free slot at once if there is one (no promise: the batch loop's common case). */
  tryAcquire(): boolean {
    if (this.#used >= this.#size) return false;
    this.#used += 1;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next waiter, so the count stays.
    if (next) next();
    else this.#used -= 1;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}
