import { stringify } from 'yaml';
import { maskConfig, presentConfig } from '../../config/index.js';
import { CliError, configFile, loadCommandConfig, type CommandContext } from '../context.js';
import { noExtraPositionals, parseCommandArgs } from '../args.js';

/** `config check [FILE]`: validate and print the effective configuration with secrets masked. */
export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'config');
  noExtraPositionals('config', positionals, 2);
  const [sub, file] = positionals;
  if (sub !== 'check') throw new CliError('usage: flup-bridge config check [FILE] [--json]', 2);
  const path = file ?? configFile(ctx, values.config);
  const config = loadCommandConfig(ctx, path);
  const masked = values.json ? maskConfig(config) : presentConfig(maskConfig(config));
  ctx.stdout.write(
    values.json
      ? JSON.stringify(masked, null, 2) + '\n'
      : `# ${path ?? '(defaults and environment)'}: valid\n` + stringify(masked),
  );
  return 0;
}
