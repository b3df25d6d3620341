/**
 * flup-bridge dlq list [--webhook W] [--since T] [--json]
 * flup-bridge dlq replay <id> --webhook W | dlq replay (--webhook W | --all) [--since T]
 * flup-bridge dlq purge (--webhook W | --all) [--since T]
 * Replaying or purging every webhook's dead letters has to say --all.
 */
import { durationOrUndefined, secretValues } from '../../config/index.js';
import { createRedisClient, describeRedisTarget, redisTarget } from '../../redis/index.js';
import { scrub } from '../../core/index.js';
import type { DeadLetter } from '../../admin/index.js';
import { DeadLetters } from '../../delivery/index.js';
import { CliError, configFile, loadCommandConfig, type CommandContext } from '../context.js';
import { parseCommandArgs } from '../args.js';

const USAGE = 'usage: dlq list|replay|purge ... (see: flup-bridge dlq --help)';
/** A replay of more than this many prints a progress line every this many. */
export const PROGRESS_EVERY = 100;

/** An ISO time, or a duration back from now ("1h", "30m", "7d"). */
export function parseSince(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const ago = durationOrUndefined(value);
  if (ago !== undefined) return new Date(now - ago);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(
      `--since "${value}" is neither an ISO time (2026-01-31T12:00:00Z) nor a duration (1h, 30m, 1h30m, 7d)`,
      2,
    );
  }
  return date;
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

/** Replay and purge name a webhook, or say --all; an id needs its webhook. */
function checkScope(action: string, id: string | undefined, webhook: string | undefined, all: boolean): void {
  if (webhook !== undefined && all)
    throw new CliError(`dlq ${action}: give --webhook W or --all, not both`, 2);
  if (id !== undefined && webhook === undefined)
    throw new CliError(`dlq ${action} <id> needs --webhook W (the webhook of that dead letter)`, 2);
  if (webhook === undefined && !all) {
    throw new CliError(
      `dlq ${action} needs --webhook W (and an id, or --since T), or --all for every webhook's dead letters`,
      2,
    );
  }
}

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'dlq');
  const [action, id, ...extra] = positionals;
  if (
    !action ||
    !['list', 'replay', 'purge'].includes(action) ||
    extra.length > 0 ||
    (id !== undefined && action !== 'replay')
  ) {
    throw new CliError(USAGE, 2);
  }
  if (action !== 'list') checkScope(action, id, values.webhook, values.all === true);
  const since = parseSince(values.since);
  const file = configFile(ctx, values.config);
  // Dead letters need Redis and the webhooks, not the source's credentials.
  const config = loadCommandConfig(ctx, file, { role: 'worker' });
  // Dead letters live in the webhooks' queues: without webhooks there is nothing to ask Redis.
  if (config.webhooks.length === 0) {
    throw file === undefined
      ? new CliError('no webhooks to look at: give the bridge config with --config FILE or FLUP_CONFIG', 2)
      : new CliError(`no webhooks to look at: ${file} configures none`, 78);
  }
  const redis = createRedisClient(redisTarget(config.redis), { name: 'cli-dlq' });
  redis.on('error', () => undefined);
  const deadLetters = new DeadLetters({ config, redis });
  const query = { webhookId: values.webhook, since };
  try {
    if (action === 'list') {
      const letters = await deadLetters.list(query);
      const text = values.json ? JSON.stringify(letters, null, 2) : formatTable(letters);
      // Receivers' answers and error texts may echo secrets: the same scrub as log lines.
      ctx.stdout.write(scrub(text, secretValues(config)) + '\n');
    } else if (action === 'replay') {
      const progress = (done: number, total: number) => {
        if (total > PROGRESS_EVERY && (done % PROGRESS_EVERY === 0 || done === total)) {
          ctx.stderr.write(`replaying: ${done}/${total}\n`);
        }
      };
      const n = await deadLetters.replay({ ...query, id }, progress);
      ctx.stdout.write(`replayed ${n} dead letter${n === 1 ? '' : 's'}\n`);
    } else {
      const n = await deadLetters.purge(query);
      ctx.stdout.write(`purged ${n} dead letter${n === 1 ? '' : 's'}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${(err as Error).message} (Redis ${describeRedisTarget(redisTarget(config.redis))})`);
  } finally {
    await deadLetters.close();
    redis.disconnect();
  }
}
