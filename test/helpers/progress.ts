/**
 * Waiting on a child process that starts slowly on a loaded machine: the guard is on the child's
 * silence, not on a total. Children started through test/helpers/launch.ts print a line per
 * dependency loaded, so a slow start keeps making progress; a hung one goes quiet and fails.
 */
import { waitFor } from './servers.js';

/**
 * Resolves with check()'s first truthy value. Fails when progress() (e.g. bytes the child printed)
 * stays the same for quietMs, or when check() throws.
 */
export async function waitWhileProgressing<T>(
  check: () => T | Promise<T>,
  progress: () => number,
  quietMs: number,
  what: string,
): Promise<T> {
  for (;;) {
    const seen = progress();
    let value: T | undefined;
    await waitFor(
      async () => {
        value = await check();
        return Boolean(value) || progress() !== seen;
      },
      quietMs,
      what,
    );
    if (value) return value;
  }
}
