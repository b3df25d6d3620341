#!/usr/bin/env node
/**
 * flup-bridge command line. Each command lives in src/cli/commands/<name>.ts and is loaded on
 * demand. A configuration problem anywhere exits 78 (EX_CONFIG) with one line per problem.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/index.js';
import { CliError, type CommandContext } from './context.js';

const EX_CONFIG = 78;

interface CommandInfo {
  summary: string;
  usage: string;
  load: () => Promise<{ run(ctx: CommandContext): Promise<number> }>;
}

const COMMANDS: Record<string, CommandInfo> = {
  run: {
    summary: 'run the bridge (ingest, delivery workers, admin server)',
    usage: 'run [--config FILE] [--role all|ingest|worker]',
    load: () => import('./commands/run.js'),
  },
  config: {
    summary: 'check a configuration file and print the effective config, secrets masked',
    usage: 'config check [FILE]   (FILE defaults to --config or FLUP_CONFIG)',
    load: () => import('./commands/config.js'),
  },
  credentials: {
    summary: 'show or renew the Lufthansa broker credentials kept in Redis',
    usage: 'credentials show|renew [--config FILE]',
    load: () => import('./commands/credentials.js'),
  },
  auth: {
    summary: 'one-time OAuth2 login (authorization code + PKCE) for a token provider',
    usage: 'auth login <provider-id> [--config FILE] [--no-open] [--timeout SECONDS]',
    load: () => import('./commands/auth.js'),
  },
  dlq: {
    summary: 'list, replay or purge dead letters',
    usage:
      'dlq list [--webhook W] [--since T] | dlq replay <id> --webhook W | dlq replay (--webhook W | --all) [--since T] | dlq purge (--webhook W | --all) [--since T]',
    load: () => import('./commands/dlq.js'),
  },
  demo: {
    summary: 'run the bridge against simulated Lufthansa services with a local receiver',
    usage: 'demo [--rate N] [--fail-rate F] [--config FILE]',
    load: () => import('./commands/demo.js'),
  },
  secret: {
    summary: 'print a new Standard Webhooks signing secret (whsec_...)',
    usage: 'secret',
    load: () => import('./commands/secret.js'),
  },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `flup-bridge ${version()}: Lufthansa flight-update notifications (MQTT) to signed webhooks`,
    '',
    'Usage: flup-bridge <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --config FILE  YAML configuration (or FLUP_CONFIG); every key also has an env var',
    '  --help         show help (also: flup-bridge <command> --help)',
    '  --version      print the version',
    '',
    'Exit codes: 0 ok, 1 runtime error, 2 usage error, 78 configuration error.',
  ].join('\n');
}

export async function main(
  argv: string[],
  io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(version() + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`flup-bridge: unknown command "${name}" (see flup-bridge --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: flup-bridge ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    const module = await command.load();
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
