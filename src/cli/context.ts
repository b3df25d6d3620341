/** What a command receives, and the helpers every command shares. */
import { loadConfig, secretValues, type Config } from '../config/index.js';
import { createLogger, SecretRegistry, type Logger } from '../core/index.js';
import { createRedisClient, redisTarget, type RedisClient } from '../redis/index.js';

export interface CommandContext {
  argv: string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** A usage or operational error with its exit code, printed as one line without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** --config, else FLUP_CONFIG, else defaults + env only. Throws ConfigError (exit 78). */
export function configFile(ctx: CommandContext, explicit?: string): string | undefined {
  return explicit ?? ctx.env.FLUP_CONFIG ?? undefined;
}

export function loadCommandConfig(
  ctx: CommandContext,
  file: string | undefined,
  overrides?: Record<string, unknown>,
): Config {
  return loadConfig({ file, env: ctx.env, overrides });
}

/** What a one-shot command that talks to Redis needs: a quiet logger on stderr and a connection. */
export interface CommandRuntime {
  logger: Logger;
  secrets: SecretRegistry;
  redis: RedisClient;
  close(): void;
}

export function commandRuntime(ctx: CommandContext, config: Config, name: string): CommandRuntime {
  const secrets = new SecretRegistry();
  secrets.addAll(secretValues(config));
  const logger = createLogger({
    level: config.log.level === 'silent' ? 'silent' : 'warn',
    format: 'json',
    destination: ctx.stderr as unknown as NodeJS.WritableStream & { write(msg: string): void },
    secrets: () => secrets.values(),
  });
  const redis = createRedisClient(redisTarget(config.redis), { name });
  // Connection errors surface through the command's own calls.
  redis.on('error', () => undefined);
  return { logger, secrets, redis, close: () => redis.disconnect() };
}
