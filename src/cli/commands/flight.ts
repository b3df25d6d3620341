/**
 * flup-bridge flight LH400 --date 2026-12-01 [--json]: the flight's timeline (every notification
 * and each webhook's delivery attempts), read from Redis directly like dlq.
 */
import { systemClock } from '../../core/index.js';
import { connectRedis } from '../../redis/index.js';
import { normaliseFlight } from '../../subscriptions/index.js';
import { TimelineStore, type NotificationTimeline } from '../../timeline/index.js';
import { CliError, configFile, loadCommandConfig, type CommandContext } from '../context.js';
import { parseCommandArgs } from '../args.js';

const USAGE = 'usage: flight <LH400> [--date YYYY-MM-DD (default: today, UTC)] [--json]';

export function formatTimeline(flight: string, date: string, notifications: NotificationTimeline[]): string {
  if (notifications.length === 0) return `no notifications of ${flight} on ${date} in the timeline`;
  const lines = [`${flight} ${date}: ${notifications.length} notification(s)`];
  for (const n of notifications) {
    lines.push(`${n.at}  ${n.eventType}${n.code ? ` (${n.code})` : ''}  ${n.id}`);
    for (const d of n.deliveries) {
      lines.push(`    ${d.webhookId}: ${d.outcome}`);
      for (const a of d.attempts) {
        const answer = a.status === undefined ? (a.error ?? '-') : `HTTP ${a.status}`;
        lines.push(`      #${a.attempt} ${a.at}  ${answer}  ${a.durationMs} ms  ${a.outcome}`);
      }
    }
  }
  return lines.join('\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'flight');
  if (positionals.length !== 1) throw new CliError(USAGE, 2);
  const flight = normaliseFlight(positionals[0]!);
  if (!flight) throw new CliError(`"${positionals[0]}" is not a flight number (LH400)\n${USAGE}`, 2);
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new CliError(`--date "${date}" is not YYYY-MM-DD`, 2);
  const config = loadCommandConfig(ctx, configFile(ctx, values.config));
  const redis = connectRedis(config.redis.url, { name: 'cli-flight' });
  redis.on('error', () => undefined);
  const timeline = new TimelineStore({ redis, prefix: config.redis.prefix, clock: systemClock });
  try {
    const notifications = await timeline.flight(flight, date);
    ctx.stdout.write(
      (values.json
        ? JSON.stringify({ flight, date, notifications }, null, 2)
        : formatTimeline(flight, date, notifications)) + '\n',
    );
    return 0;
  } catch (err) {
    throw new CliError(`${(err as Error).message} (Redis ${new URL(config.redis.url).host})`);
  } finally {
    redis.disconnect();
  }
}
