/**
 * flup-bridge subscriptions add --webhook W (--flight LH400 [--date D] | --carrier LX) [--events a,b] [--expires T]
 * flup-bridge subscriptions list [--webhook W] [--json]
 * flup-bridge subscriptions remove <id>
 * Through Redis directly (like dlq): the running bridges pick changes up within subscriptions.refresh.
 */
import { systemClock } from '../../core/index.js';
import { connectRedis } from '../../redis/index.js';
import { SubscriptionStore, validateSubscription, type Subscription } from '../../subscriptions/index.js';
import { CliError, configFile, loadCommandConfig, type CommandContext } from '../context.js';
import { parseCommandArgs } from '../args.js';

const USAGE =
  'usage: subscriptions add --webhook W (--flight LH400 [--date YYYY-MM-DD] | --carrier LX) [--events flight.*,...] [--expires ISO] | subscriptions list [--webhook W] [--json] | subscriptions remove <id>';

function formatTable(subs: Subscription[]): string {
  if (subs.length === 0) return 'no live subscriptions';
  const header = ['ID', 'WEBHOOK', 'RULE', 'EVENTS', 'EXPIRES'];
  const rows = subs.map((s) => [
    s.id,
    s.webhookId,
    [s.flight, s.date, s.carrier && `carrier ${s.carrier}`].filter(Boolean).join(' '),
    s.events?.join(',') ?? '*',
    s.expiresAt ?? 'never',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'subscriptions');
  const [action, id, ...extra] = positionals;
  if (!action || !['add', 'list', 'remove'].includes(action) || extra.length > 0)
    throw new CliError(USAGE, 2);
  if ((action === 'remove') !== (id !== undefined)) throw new CliError(USAGE, 2);
  const config = loadCommandConfig(ctx, configFile(ctx, values.config));
  const redis = connectRedis(config.redis.url, { name: 'cli-subscriptions' });
  redis.on('error', () => undefined);
  const store = new SubscriptionStore({
    redis,
    prefix: config.redis.prefix,
    clock: systemClock,
    flightGraceMs: config.subscriptions.flightGrace,
  });
  try {
    if (action === 'add') {
      const input = {
        webhookId: values.webhook,
        ...(values.flight === undefined ? {} : { flight: values.flight }),
        ...(values.date === undefined ? {} : { date: values.date }),
        ...(values.carrier === undefined ? {} : { carrier: values.carrier }),
        ...(values.events === undefined ? {} : { events: values.events.split(',').map((e) => e.trim()) }),
        ...(values.expires === undefined ? {} : { expiresAt: values.expires }),
      };
      const result = validateSubscription(input, {
        webhookInfo: (w) => {
          const webhook = config.webhooks.find((c) => c.id === w);
          return { exists: webhook !== undefined, enriches: (webhook?.enrich.length ?? 0) > 0 };
        },
        clock: systemClock,
        flightGraceMs: config.subscriptions.flightGrace,
      });
      if (!result.ok) {
        const flag = (field: string) =>
          ({ webhookId: '--webhook', expiresAt: '--expires' })[field] ?? `--${field}`;
        throw new CliError(result.errors.map((e) => `${flag(e.field)}: ${e.message}`).join('\n'), 2);
      }
      const { subscription, created } = await store.create(result.rule);
      ctx.stdout.write(`${created ? 'created' : 'exists'} ${subscription.id}\n`);
    } else if (action === 'list') {
      const subs = await store.list(values.webhook);
      ctx.stdout.write((values.json ? JSON.stringify(subs, null, 2) : formatTable(subs)) + '\n');
    } else {
      const removed = await store.remove(id!);
      if (!removed) throw new CliError(`no subscription "${id}"`);
      ctx.stdout.write(`removed ${id}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${(err as Error).message} (Redis ${new URL(config.redis.url).host})`);
  } finally {
    redis.disconnect();
  }
}
