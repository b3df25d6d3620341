/**
 * Loads the Lua scripts of src/flights/scripts: one script per file, whose header comment names
 * its keys (`-- KEYS[1] …`), and runs them with EVALSHA, falling back to EVAL when Redis lacks the
 * script (first use, restart, SCRIPT FLUSH). To be folded into ARCH's loader in src/redis/.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export class FlightScript {
  readonly #sha: string;

  /** keyCount: how many `KEYS[n]` the header declares; every call must pass that many. */
  constructor(
    readonly name: string,
    readonly source: string,
    readonly keyCount: number,
  ) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    if (keys.length !== this.keyCount)
      throw new Error(`script ${this.name} takes ${this.keyCount} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** The KEYS[n] declared in the leading comment block, checked to run 1..n. */
function declaredKeyCount(name: string, source: string): number {
  const lines = source.split('\n');
  const firstCode = lines.findIndex((line) => !line.startsWith('--'));
  const header = firstCode === -1 ? lines : lines.slice(0, firstCode);
  const declared = header.flatMap((line) => /^--\s*KEYS\[(\d+)\]/.exec(line)?.[1] ?? []).map(Number);
  if (declared.length === 0 || !header.some((line) => /^--\s*ARGV\[\d+\]/.test(line)))
    throw new Error(`script ${name}.lua has no KEYS/ARGV header (lines "-- KEYS[1] …", "-- ARGV[1] …")`);
  declared.forEach((n, i) => {
    if (n !== i + 1) throw new Error(`script ${name}.lua header: expected KEYS[${i + 1}], found KEYS[${n}]`);
  });
  return declared.length;
}

/** `scripts/<name>.lua` next to this module (the build copies src/flights/scripts to dist). */
export function loadFlightScript(name: string): FlightScript {
  const url = new URL(`./scripts/${name}.lua`, import.meta.url);
  let source: string;
  try {
    source = readFileSync(url, 'utf8');
  } catch (err) {
    throw new Error(`cannot read Lua script ${url.pathname}: ${(err as Error).message}`);
  }
  return new FlightScript(name, source, declaredKeyCount(name, source));
}
