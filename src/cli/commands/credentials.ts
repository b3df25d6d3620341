/**
 * `credentials show`: the Lufthansa broker login kept in Redis (clientID, endpoint, JWT expiry;
 * never the JWT). `credentials renew`: asks the Certificate Manager for new ones now.
 */
import type { Config } from '../../config/index.js';
import type { Logger, SecretRegistry } from '../../core/index.js';
import { describeRedisTarget, redisTarget, type RedisClient } from '../../redis/index.js';
import { systemClock } from '../../core/index.js';
import { CliError, commandRuntime, configFile, loadCommandConfig, type CommandContext } from '../context.js';
import { noExtraPositionals, parseCommandArgs } from '../args.js';
import {
  LufthansaApiToken,
  LufthansaCredentials,
  subscriptionFor,
  type BrokerCredentials,
} from '../../sources/index.js';

const USAGE = 'usage: flup-bridge credentials show|renew [--config FILE]';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'credentials');
  noExtraPositionals('credentials', positionals, 1);
  const [sub] = positionals;
  if (sub !== 'show' && sub !== 'renew') throw new CliError(USAGE, 2);
  const config = loadCommandConfig(ctx, configFile(ctx, values.config));
  if (subscriptionFor(config).kind !== 'lufthansa') {
    const m = config.source.mqtt;
    if (sub === 'renew')
      throw new CliError(
        'the source is a generic MQTT broker (kind mqtt): the broker login is the configured username/password; nothing to renew',
      );
    ctx.stdout.write(
      `generic MQTT broker (kind mqtt): static login from source.mqtt\nclientID:  ${m.clientId}\nusername:  ${m.username}\n`,
    );
    return 0;
  }
  const { logger, secrets, redis } = commandRuntime(ctx, config, 'cli-credentials');
  try {
    const credentials = build(config, redis, logger, secrets);
    if (sub === 'show') {
      const stored = await redisCall(config, () => credentials.stored());
      if (!stored) {
        ctx.stdout.write(
          `no broker credentials in Redis yet (key ${credentials.key}); the bridge fetches them when it starts, or run: flup-bridge credentials renew\n`,
        );
        return 1;
      }
      ctx.stdout.write(describe(stored, credentials.key));
      return 0;
    }
    const fresh = await credentials.renew('manual').catch((err: unknown) => {
      throw new CliError(`renewal failed: ${(err as Error).message}`);
    });
    ctx.stdout.write(describe(fresh, credentials.key));
    ctx.stdout.write('renewed; a running bridge uses them from its next broker connection\n');
    return 0;
  } finally {
    redis.disconnect();
    logger.flush();
  }
}

function build(
  config: Config,
  redis: RedisClient,
  logger: Logger,
  secrets: SecretRegistry,
): LufthansaCredentials {
  const source = config.source.lufthansa;
  const apiToken = new LufthansaApiToken({ source, logger, clock: systemClock, secrets });
  return new LufthansaCredentials({
    source,
    redis,
    prefix: config.redis.prefix,
    apiToken,
    logger,
    clock: systemClock,
    secrets,
  });
}

async function redisCall<T>(config: Config, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CliError(
      `cannot read Redis at ${describeRedisTarget(redisTarget(config.redis))}: ${(err as Error).message}`,
    );
  }
}

/** Everything an operator needs, and never the JWT. */
function describe(c: BrokerCredentials, key: string): string {
  const days = c.expiresAt ? Math.floor((c.expiresAt.getTime() - Date.now()) / 86_400_000) : undefined;
  const lines = [
    `clientID:   ${c.clientId}`,
    `endpoint:   ${c.endpoint}`,
    `expires:    ${c.expiresAt ? `${c.expiresAt.toISOString()} (${days! >= 0 ? `in ${days} days` : `${-days!} days ago`})` : 'unknown'}`,
    `issued:     ${c.issuedAt?.toISOString() ?? 'unknown'}`,
    `redis key:  ${key}`,
  ];
  return lines.join('\n') + '\n';
}
