/** `auth login <provider-id>`: one-time authorization-code + PKCE login for an oauth2-pkce provider. */
import { spawn } from 'node:child_process';
import { pkceLogin } from '../pkce-login.js';
import { CliError, commandRuntime, configFile, loadCommandConfig, type CommandContext } from '../context.js';
import { noExtraPositionals, parseCommandArgs } from '../args.js';

const USAGE = 'usage: flup-bridge auth login <provider-id> [--config FILE] [--no-open]';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'auth');
  noExtraPositionals('auth', positionals, 2);
  const [sub, id] = positionals;
  if (sub !== 'login' || !id) throw new CliError(USAGE, 2);
  const config = loadCommandConfig(ctx, configFile(ctx, values.config));
  const provider = config.tokenProviders.find((p) => p.id === id);
  if (!provider) {
    const known = config.tokenProviders.map((p) => p.id).join(', ') || 'none configured';
    throw new CliError(`no token provider "${id}" in tokenProviders (known: ${known})`, 2);
  }
  if (provider.kind !== 'oauth2-pkce')
    throw new CliError(
      `token provider "${id}" is ${provider.kind}; only oauth2-pkce providers need a login`,
      2,
    );

  const { logger, redis } = commandRuntime(ctx, config, 'cli-auth');
  try {
    const result = await pkceLogin({
      provider,
      redis,
      prefix: config.redis.prefix,
      logger,
      print: (line) => ctx.stdout.write(line + '\n'),
      openBrowser: values['no-open'] ? undefined : openBrowser,
      timeout: values.timeout ? Number(values.timeout) * 1000 : undefined,
    }).catch((err: unknown) => {
      throw new CliError((err as Error).message);
    });
    ctx.stdout.write(
      `login complete: refresh token for "${id}" stored in Redis (${result.redisKey})${result.scope ? `, scope ${result.scope}` : ''}\n`,
    );
    return 0;
  } finally {
    redis.disconnect();
    logger.flush();
  }
}

/** Best effort: the URL is printed anyway. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
