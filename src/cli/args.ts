/** Parses a command's arguments against its entry in the command table: unknown options are usage errors. */
import { parseArgs } from 'node:util';
import { CliError, type CommandContext } from './context.js';
import { COMMANDS, type CommandName } from './registry.js';

type Options<N extends CommandName> = (typeof COMMANDS)[N]['options'];

export interface ParsedArgs<N extends CommandName> {
  values: {
    [K in keyof Options<N>]?: Options<N>[K] extends { type: 'boolean' } ? boolean : string;
  };
  positionals: string[];
}

export function parseCommandArgs<N extends CommandName>(ctx: CommandContext, name: N): ParsedArgs<N> {
  const options = Object.fromEntries(
    Object.entries(COMMANDS[name].options).map(([key, o]) => [key, { type: o.type }]),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  try {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs<N>['values'], positionals };
  } catch (err) {
    const { code, message } = err as Error & { code?: string };
    const flag = /'([^']+)'/.exec(message)?.[1];
    const why =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag
        ? `unknown option ${flag}`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag
          ? `${flag.split(' ')[0]} ${/missing/.test(message) ? 'needs a value' : 'takes no value'}`
          : message;
    throw new CliError(`${why} (see: flup-bridge ${name} --help)`, 2);
  }
}

/** A usage error unless there are at most `max` positionals. */
export function noExtraPositionals(name: CommandName, positionals: string[], max: number): void {
  if (positionals.length > max) {
    throw new CliError(`unexpected argument "${positionals[max]}" (see: flup-bridge ${name} --help)`, 2);
  }
}
