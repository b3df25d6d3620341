import v8 from 'node:v8';
import { App, handleSignals } from '../../app.js';
import { parseCommandArgs, noExtraPositionals } from '../args.js';
import { CliError, configFile, loadCommandConfig, type CommandContext } from '../context.js';

const ROLES = ['all', 'ingest', 'worker'];

/**
 * V8 lets the old generation grow to up to 4× its live size between full collections. The
 * daemon's live heap is small (~40 MB) but a burst promotes short-lived batch data out of the
 * young generation, so the default let RSS reach ~200 MB. Growing by 1.5× keeps the burst peak
 * near 160 MB; 1.3× saved only ~5 MB more but ran a full collection every ~0.4 s in a burst,
 * ~8 % of the CPU per message (docs/BENCHMARKS.md, change 15). A value given to node wins.
 */
const HEAP_GROWING_PERCENT = 50;

function tuneHeap(): void {
  if (process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** `run`: start the daemon; resolves when it has stopped after a signal. */
export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'run');
  noExtraPositionals('run', positionals, 0);
  // A wrong --role is a usage error (2), not a configuration error (78): the config is fine.
  if (values.role !== undefined && !ROLES.includes(values.role)) {
    throw new CliError(`--role must be all, ingest or worker (got "${values.role}")`, 2);
  }
  const overrides = values.role ? { role: values.role } : undefined;
  const config = loadCommandConfig(ctx, configFile(ctx, values.config), overrides);
  tuneHeap();
  const app = await App.create(config);
  handleSignals(app);
  await app.start();
  return new Promise<number>(() => undefined);
}
