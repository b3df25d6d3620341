/**
 * The admin API of run-time subscriptions: create (idempotent: the same rule or Idempotency-Key
 * gives the same id; 201 new, 200 existing, 409 key reused for another rule), list, get, delete,
 * and test a rule against the last hour's messages. Bad input answers 400 naming the field; the
 * JSON-only rule of every admin POST is checked in api.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from '../core/index.js';
import {
  IdempotencyConflictError,
  testRule,
  validateSubscription,
  type FieldError,
  type SubscriptionRule,
  type SubscriptionStore,
} from '../subscriptions/index.js';
import type { TimelineStore } from '../timeline/index.js';

export interface SubscriptionsApiOptions {
  deps: AppDeps;
  store: SubscriptionStore;
  timeline: TimelineStore;
}

const RECENT_MS = 3_600_000;

function badRequest(reply: FastifyReply, errors: FieldError[]): FastifyReply {
  const first = errors[0]!;
  return reply.code(400).send({ error: `${first.field}: ${first.message}`, errors });
}

export function registerSubscriptionsApi(app: FastifyInstance, options: SubscriptionsApiOptions): void {
  const { deps, store, timeline } = options;
  const webhooks = new Map(deps.config.webhooks.map((w) => [w.id, w]));
  const validate = (body: unknown): { rule?: SubscriptionRule; errors?: FieldError[] } => {
    const result = validateSubscription(body, {
      webhookInfo: (id) => ({
        exists: webhooks.has(id),
        enriches: (webhooks.get(id)?.enrich.length ?? 0) > 0,
      }),
      clock: deps.clock,
      flightGraceMs: deps.config.subscriptions.flightGrace,
    });
    if (!result.ok) return { errors: result.errors };
    // Airports are known only after enrichment, at delivery; ingest routes before it.
    for (const field of ['departureAirport', 'arrivalAirport'] as const) {
      if (result.rule[field] !== undefined)
        return {
          errors: [
            {
              field,
              message: 'airport rules are not matched yet (airports are known only after enrichment)',
            },
          ],
        };
    }
    return { rule: result.rule };
  };

  app.post<{ Body: unknown }>('/subscriptions', async (request, reply) => {
    const { rule, errors } = validate(request.body);
    if (!rule) return badRequest(reply, errors!);
    const header = request.headers['idempotency-key'];
    const idempotencyKey = typeof header === 'string' && header !== '' ? header : undefined;
    try {
      const { subscription, created } = await store.create(rule, { idempotencyKey });
      if (created) request.log.info({ subscription: subscription.id }, 'subscription created');
      return reply.code(created ? 201 : 200).send(subscription);
    } catch (err) {
      if (err instanceof IdempotencyConflictError)
        return reply.code(409).send({ error: err.message, id: err.existingId });
      throw err;
    }
  });

  app.get<{ Querystring: { webhookId?: string } }>('/subscriptions', async (request) => {
    const webhookId = request.query.webhookId || undefined;
    return { subscriptions: await store.list(webhookId) };
  });

  app.get<{ Params: { id: string } }>('/subscriptions/:id', async (request, reply) => {
    const subscription = await store.get(request.params.id);
    if (!subscription) return reply.code(404).send({ error: `no live subscription "${request.params.id}"` });
    return subscription;
  });

  app.delete<{ Params: { id: string } }>('/subscriptions/:id', async (request, reply) => {
    const removed = await store.remove(request.params.id);
    if (!removed) return reply.code(404).send({ error: `no subscription "${request.params.id}"` });
    request.log.info({ subscription: request.params.id }, 'subscription removed');
    return { id: request.params.id, removed: true };
  });

  app.post<{ Body: unknown }>('/subscriptions/test', async (request, reply) => {
    const { rule, errors } = validate(request.body);
    if (!rule) return badRequest(reply, errors!);
    const recent = await timeline.recentMessages(deps.clock.now() - RECENT_MS);
    const matched = testRule(rule, recent);
    return { rule, examined: recent.length, matched };
  });
}
