/**
 * Reconnect delays: exponential with full jitter (a random delay between a small floor and the
 * capped exponential), so replicas that lost the broker together do not return in step, and a
 * refusing broker is never hammered in a tight loop.
 */
export interface BackoffOptions {
  base?: number;
  cap: number;
  floor?: number;
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #base: number;
  readonly #cap: number;
  readonly #floor: number;
  readonly #random: () => number;

  constructor(options: BackoffOptions) {
    this.#base = options.base ?? 1000;
    this.#cap = options.cap;
    this.#floor = Math.min(options.floor ?? 100, options.cap);
    this.#random = options.random ?? Math.random;
  }

  /** The next delay; each call widens the window until the cap. */
  next(): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.max(this.#floor, Math.round(this.#random() * ceiling));
  }

  get attempts(): number {
    return this.#attempt;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
