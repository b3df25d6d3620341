import { App, handleSignals } from '../../app.js';
import { configFile, loadCommandConfig, parseCommandArgs, type CommandContext } from '../context.js';

/** `run`: start the daemon; resolves when it has stopped after a signal. */
export async function run(ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(ctx, { role: { type: 'string' } });
  const overrides = values.role ? { role: values.role } : undefined;
  const config = loadCommandConfig(ctx, configFile(ctx, values.config), overrides);
  const app = new App(config);
  handleSignals(app);
  await app.start();
  return new Promise<number>(() => undefined);
}
