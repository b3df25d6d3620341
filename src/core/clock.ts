/** Time comes in as a dependency so tests can control it without patching globals. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
