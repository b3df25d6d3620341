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

  acquire(): Promise<void> {
    if (this.#used < this.#size) {
      this.#used += 1;
      return Promise.resolve();
    }
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
