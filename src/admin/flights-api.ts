/**
 * The flight timeline in the admin API: every notification of a flight with each webhook's delivery
 * attempts, one message by id, and replay by flight (each event re-sent with its original
 * webhook-id, under a job id of its own so dedup does not drop it).
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../core/index.js';
import { jobOptionsFor, openWebhookQueue, type DeliveryJobData, type EventEnvelope } from '../queue/index.js';
import { normaliseFlight } from '../subscriptions/index.js';
import type { TimelineStore } from '../timeline/index.js';
import { bodyObject } from './request-body.js';

export interface FlightsApiOptions {
  deps: AppDeps;
  timeline: TimelineStore;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function flightParams(params: { flight: string; date: string }): { flight: string; date: string } | string {
  const flight = normaliseFlight(params.flight);
  if (!flight) return `flight: "${params.flight}" is not a flight number (LH400)`;
  if (!DATE.test(params.date) || Number.isNaN(Date.parse(`${params.date}T00:00:00Z`)))
    return `date: "${params.date}" is not a date (YYYY-MM-DD)`;
  return { flight, date: params.date };
}

export function registerFlightsApi(app: FastifyInstance, { deps, timeline }: FlightsApiOptions): void {
  const { config } = deps;

  app.get<{ Params: { flight: string; date: string } }>('/flights/:flight/:date', async (request, reply) => {
    const parsed = flightParams(request.params);
    if (typeof parsed === 'string') return reply.code(400).send({ error: parsed });
    return { ...parsed, notifications: await timeline.flight(parsed.flight, parsed.date) };
  });

  app.get<{ Params: { id: string } }>('/messages/:id', async (request, reply) => {
    const record = await timeline.message(request.params.id);
    if (!record) return reply.code(404).send({ error: `no message "${request.params.id}" in the timeline` });
    return record;
  });

  app.post<{ Params: { flight: string; date: string }; Body: unknown }>(
    '/flights/:flight/:date/replay',
    async (request, reply) => {
      const parsed = flightParams(request.params);
      if (typeof parsed === 'string') return reply.code(400).send({ error: parsed });
      const { webhookId } = bodyObject(request.body, ['webhookId']);
      const webhook = config.webhooks.find((w) => w.id === webhookId);
      if (typeof webhookId !== 'string' || !webhook) {
        const known = config.webhooks.map((w) => w.id).join(', ') || 'none';
        return reply.code(400).send({ error: `webhookId: not a configured webhook (configured: ${known})` });
      }
      const notifications = await timeline.flight(parsed.flight, parsed.date);
      const records = await Promise.all(notifications.map((n) => timeline.message(n.id)));
      const now = deps.clock.now();
      const options = jobOptionsFor(webhook, config);
      const jobs = records
        .map((record) => record?.replay as EventEnvelope | undefined)
        .filter((event): event is EventEnvelope => event !== undefined)
        .map((event) => ({
          name: 'replay',
          data: replayData(event, webhook.body),
          // A job id of its own (dedup would drop the original's); webhook-id stays event.id.
          opts: { ...options, jobId: `replay.${now}.${event.id}` },
        }));
      if (jobs.length > 0) {
        const queue = openWebhookQueue<DeliveryJobData>(deps.redis, config.redis.prefix, webhook.id);
        try {
          await queue.addBulk(jobs);
        } finally {
          await queue.close();
        }
      }
      request.log.info({ ...parsed, webhook: webhook.id, replayed: jobs.length }, 'flight replayed');
      return { ...parsed, webhookId: webhook.id, replayed: jobs.length };
    },
  );
}

/** A raw webhook gets the payload: as stored when it was not JSON, else the JSON text. */
function replayData(event: EventEnvelope, body: 'envelope' | 'raw'): DeliveryJobData {
  if (body !== 'raw') return { event };
  const raw =
    event.dataEncoding === 'base64'
      ? String(event.data)
      : Buffer.from(JSON.stringify(event.data)).toString('base64');
  return { event, raw };
}
