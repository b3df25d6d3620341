/**
 * A test writer that loops until stopped. A write is "done" when Redis took it and "acked" when
 * enough replicas confirmed it too (what redis.minReplicas will require before a PUBACK).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export interface Writer {
  /** Writes that Redis took and enough replicas confirmed: these must survive a failover. */
  readonly acked: number[];
  /** The first time (ms epoch) at or after `since` that Redis took a write; -1 if none yet. */
  firstWriteAfter(since: number): number;
  /** The longest time between two writes Redis took, after `since`. */
  longestGapSince(since: number): number;
  errors(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * `write(i)` resolves with how many replicas confirmed write i; it counts as acked when that is
 * at least `minReplicas()`. Errors are counted by their first word, then the loop goes on.
 */
export function startWriter(write: (i: number) => Promise<number>, minReplicas: () => number): Writer {
  const acked: number[] = [];
  const writeTimes: number[] = [];
  const errors: Record<string, number> = {};
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      try {
        const required = minReplicas();
        const replicas = await write(i);
        writeTimes.push(Date.now());
        if (replicas >= required) acked.push(i);
      } catch (err) {
        const kind = String((err as Error).message).split(/[\s:.]/)[0]!;
        errors[kind] = (errors[kind] ?? 0) + 1;
        await yieldToLoop();
      }
    }
  })();
  return {
    acked,
    firstWriteAfter: (since) => writeTimes.find((t) => t >= since) ?? -1,
    longestGapSince(since) {
      let gap = 0;
      let prev = since;
      for (const t of writeTimes) {
        if (t < since) continue;
        gap = Math.max(gap, t - prev);
        prev = t;
      }
      return gap;
    },
    errors: () => ({ ...errors }),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
