/**
 * flup-bridge dlq list [--webhook W] [--since T] [--json]
 * flup-bridge dlq replay <id> --webhook W | dlq replay --webhook W [--since T]
 * flup-bridge dlq purge [--webhook W] [--since T]
 */
import { parseDuration } from '../../config/index.js';
import { createRedisClient, describeRedisTarget, redisTarget } from '../../redis/index.js';
import type { DeadLetter } from '../../admin/index.js';
import { DeadLetters } from '../../delivery/index.js';
import {
  CliError,
  configFile,
  loadCommandConfig,
  parseCommandArgs,
  type CommandContext,
} from '../context.js';

const USAGE =
  'usage: dlq list [--webhook W] [--since T] [--json] | dlq replay <id> --webhook W | dlq replay --webhook W [--since T] | dlq purge [--webhook W] [--since T]';

/** An ISO time, or a duration back from now ("1h", "30m", "7d"). */
export function parseSince(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  try {
    return new Date(now - parseDuration(value));
  } catch {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      throw new CliError(
        `--since "${value}" is neither an ISO time (2026-01-31T12:00:00Z) nor a duration (1h, 30m, 7d)`,
        2,
      );
    }
    return date;
  }
}

export function formatTable(letters: DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  const header = ['ID', 'WEBHOOK', 'REASON', 'STATUS', 'ATTEMPTS', 'TYPE', 'FAILED AT', 'DETAIL'];
  const rows = letters.map((l) => [
    l.id,
    l.webhookId,
    l.reason,
    l.lastStatus === undefined ? '-' : String(l.lastStatus),
    String(l.attempts),
    l.eventType,
    l.failedAt,
    (l.detail ?? '').replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, {
    webhook: { type: 'string' },
    since: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [action, id, ...extra] = positionals;
  if (
    !action ||
    !['list', 'replay', 'purge'].includes(action) ||
    extra.length > 0 ||
    (id !== undefined && action !== 'replay')
  ) {
    throw new CliError(USAGE, 2);
  }
  if (action === 'replay' && values.webhook === undefined) {
    throw new CliError('dlq replay needs --webhook W (and an id, or --since T, or neither for all of W)', 2);
  }
  const since = parseSince(values.since);
  const config = loadCommandConfig(ctx, configFile(ctx, values.config));
  const target = redisTarget(config.redis);
  const redis = createRedisClient(target, { name: 'cli-dlq' });
  redis.on('error', () => undefined);
  const deadLetters = new DeadLetters({ config, redis });
  const query = { webhookId: values.webhook, since };
  try {
    if (action === 'list') {
      const letters = await deadLetters.list(query);
      ctx.stdout.write((values.json ? JSON.stringify(letters, null, 2) : formatTable(letters)) + '\n');
    } else if (action === 'replay') {
      const n = await deadLetters.replay({ ...query, id });
      ctx.stdout.write(`replayed ${n} dead letter${n === 1 ? '' : 's'}\n`);
    } else {
      const n = await deadLetters.purge(query);
      ctx.stdout.write(`purged ${n} dead letter${n === 1 ? '' : 's'}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${(err as Error).message} (Redis ${describeRedisTarget(target)})`);
  } finally {
    await deadLetters.close();
    redis.disconnect();
  }
}
