/**
 * The admin API under /api: webhooks (state, queue depths, delivery stats; pause, resume,
 * re-enable), dead letters (list, replay, purge) and status. Behind `Authorization: Bearer
 * <admin.token>`; without a configured token every route answers 404 saying how to turn it on.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration } from '../config/index.js';
import type { AppDeps } from '../core/index.js';
import { bearerChecker } from './auth.js';
import { readiness } from './readiness.js';
import { ApiError, bodyObject, checkJsonContentType, webhookScope } from './request-body.js';
import type { DeliveryStats } from './stats.js';
import type { DeadLetterQuery, StatusSources, WebhookAdmin } from './status.js';

export const API_OFF_MESSAGE =
  'the admin API is off: set admin.token in the config (or FLUP_ADMIN_TOKEN / FLUP_ADMIN_TOKEN_FILE) to turn it on';

export interface ApiOptions {
  deps: AppDeps;
  sources: StatusSources;
  stats: DeliveryStats;
}

const DEFAULT_DEAD_LETTER_LIMIT = 100;
const MAX_DEAD_LETTER_LIMIT = 1000;

/** `since`: an ISO time, or a duration meaning "this long ago" (1h, 30m, 7d). */
export function parseSince(value: unknown, now: number): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new ApiError(400, 'since must be an ISO time or a duration such as 1h');
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(value.trim())) return new Date(now - parseDuration(value));
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ApiError(
      400,
      `since "${value}" is neither an ISO time (2026-11-23T14:00:00Z) nor a duration (1h)`,
    );
  }
  return date;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ApiError(400, `${name} must be a string`);
  return value;
}

export async function registerApi(app: FastifyInstance, { deps, sources, stats }: ApiOptions): Promise<void> {
  const token = deps.config.admin.token;
  const authorized = token ? bearerChecker(token) : undefined;

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authorized) return reply.code(404).send({ error: API_OFF_MESSAGE });
    if (!authorized(request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="flup-bridge admin"')
        .send({ error: 'missing or wrong admin token: send Authorization: Bearer <admin.token>' });
    }
    if (request.method === 'POST') checkJsonContentType(request.headers);
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.statusCode).send({ error: err.message });
    if (err.statusCode && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: err.message });
    request.log.warn({ err, url: request.url }, 'admin API request failed');
    return reply.code(503).send({ error: `could not answer: ${err.message}` });
  });

  const webhooks = (): WebhookAdmin => {
    if (!sources.webhooks) {
      throw new ApiError(
        503,
        `this process (role ${deps.config.role}) runs no delivery workers: ask a worker process`,
      );
    }
    return sources.webhooks;
  };
  const deadLetters = () => {
    if (!sources.deadLetters) {
      throw new ApiError(
        503,
        `this process (role ${deps.config.role}) has no dead-letter store: ask a worker process`,
      );
    }
    return sources.deadLetters;
  };

  app.get('/webhooks', async () => {
    const [list, perWebhook] = await Promise.all([webhooks().list(), stats.perWebhook()]);
    return list.map((webhook) => ({ ...webhook, stats: perWebhook.get(webhook.id) ?? null }));
  });

  for (const action of ['pause', 'resume', 'enable'] as const) {
    app.post<{ Params: { id: string } }>(`/webhooks/:id/${action}`, async (request) => {
      bodyObject(request.body, []);
      const admin = webhooks();
      const { id } = request.params;
      const known = await admin.list();
      if (!known.some((w) => w.id === id)) {
        throw new ApiError(
          404,
          `no webhook "${id}" (configured: ${known.map((w) => w.id).join(', ') || 'none'})`,
        );
      }
      await admin[action](id);
      request.log.info({ webhook: id, action }, `webhook ${id}: ${action} by operator`);
      const after = (await admin.list()).find((w) => w.id === id);
      return { id, state: after?.state ?? null };
    });
  }

  app.get<{ Querystring: Record<string, unknown> }>('/deadletters', async (request) => {
    const q = request.query;
    const limit = q.limit === undefined ? DEFAULT_DEAD_LETTER_LIMIT : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTER_LIMIT) {
      throw new ApiError(400, `limit must be an integer from 1 to ${MAX_DEAD_LETTER_LIMIT}`);
    }
    const query: DeadLetterQuery = {
      webhookId: optionalString(q.webhook, 'webhook'),
      since: parseSince(q.since, deps.clock.now()),
      limit,
    };
    return deadLetters().list(query);
  });

  app.post('/deadletters/replay', async (request) => {
    const body = bodyObject(request.body, ['id', 'webhookId', 'since', 'all']);
    const id = optionalString(body.id, 'id');
    if (id && body.webhookId === undefined)
      throw new ApiError(400, 'replaying one dead letter needs both id and webhookId');
    const webhookId = webhookScope(body, 'a replay');
    const since = parseSince(body.since, deps.clock.now());
    const replayed = await deadLetters().replay({ id, webhookId, since });
    request.log.info({ id, webhook: webhookId, since, replayed }, `replayed ${replayed} dead letter(s)`);
    return { replayed };
  });

  app.post('/deadletters/purge', async (request) => {
    const body = bodyObject(request.body, ['webhookId', 'since', 'all']);
    const webhookId = webhookScope(body, 'a purge');
    const since = parseSince(body.since, deps.clock.now());
    const purged = await deadLetters().purge({ webhookId, since });
    request.log.info({ webhook: webhookId, since, purged }, `purged ${purged} dead letter(s)`);
    return { purged };
  });

  app.get('/status', async () => ({
    role: deps.config.role,
    readiness: await readiness(deps.redis, sources),
    ingest: sources.ingest?.status() ?? null,
    credentials: sources.credentials?.status() ?? null,
    tokens: sources.tokens?.status() ?? null,
  }));
}
