#!/usr/bin/env node
/**
 * flup-bridge command line. Each command lives in src/cli/commands/<name>.ts and is loaded on
 * demand; its usage and options are in registry.ts. A configuration problem anywhere exits 78 (EX_CONFIG) with one line per problem.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/index.js';
import { CliError } from './context.js';
import { commandHelp, generalHelp, version } from './help.js';
import { isCommand, type CommandName } from './registry.js';
import type { CommandContext } from './context.js';

const EX_CONFIG = 78;

export { version };

type CommandModule = { run(ctx: CommandContext): Promise<number> };

const LOADERS: Record<CommandName, () => Promise<CommandModule>> = {
  run: () => import('./commands/run.js'),
  config: () => import('./commands/config.js'),
  credentials: () => import('./commands/credentials.js'),
  auth: () => import('./commands/auth.js'),
  dlq: () => import('./commands/dlq.js'),
  demo: () => import('./commands/demo.js'),
  secret: () => import('./commands/secret.js'),
  subscriptions: () => import('./commands/subscriptions.js'),
  flight: () => import('./commands/flight.js'),
};

export async function main(
  argv: string[],
  io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(generalHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === 'help') {
    const [topic, ...extra] = rest;
    if (topic === undefined) {
      io.stdout.write(generalHelp() + '\n');
      return 0;
    }
    if (!isCommand(topic) || extra.length > 0) {
      io.stderr.write(`flup-bridge help: no command "${rest.join(' ')}" (see flup-bridge --help)\n`);
      return 2;
    }
    io.stdout.write(commandHelp(topic) + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(version() + '\n');
    return 0;
  }
  if (!isCommand(name)) {
    io.stderr.write(`flup-bridge: unknown command "${name}" (see flup-bridge --help)\n`);
    return 2;
  }
  // Before the command's own parsing, and not after "--" (a value may look like a flag there).
  const flags = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (flags.includes('--help') || flags.includes('-h')) {
    io.stdout.write(commandHelp(name) + '\n');
    return 0;
  }
  try {
    const module = await LOADERS[name]();
    return await module.run({ argv: rest, stdout: io.stdout, stderr: io.stderr, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) io.stderr.write(`config error: ${line}\n`);
      return EX_CONFIG;
    }
    if (err instanceof CliError) {
      io.stderr.write(`flup-bridge ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`flup-bridge ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  // Through npx/bin the path is a symlink (node_modules/.bin/flup-bridge): compare real paths.
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Commands that leave nothing running (config check, dlq) end here; `run` resolves only on stop.
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`flup-bridge: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
