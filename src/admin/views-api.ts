/**
 * The admin API routes behind the dashboard's views: the last hour per webhook (charts) and one
 * dead letter with its message. Registered inside registerApi, so behind the same token.
 */
import type { FastifyInstance } from 'fastify';
import type { DeliveryHistory } from './history.js';
import type { DeadLetterAdmin, StatusSources, WebhookAdmin } from './status.js';

export interface ViewsApiOptions {
  sources: StatusSources;
  history?: DeliveryHistory;
  webhooks: () => WebhookAdmin;
  deadLetters: () => DeadLetterAdmin;
  /** The API's error with a status (answered as { error }). */
  fail: (status: number, message: string) => Error;
}

export function registerViewsApi(app: FastifyInstance, options: ViewsApiOptions): void {
  const { history, webhooks, deadLetters, fail } = options;

  app.get('/history', async () => {
    if (!history) throw fail(503, 'this process keeps no delivery history (admin server off)');
    const ids = (await webhooks().list()).map((w) => w.id);
    return { minuteSeconds: 60, webhooks: await history.lastHour(ids) };
  });

  app.get<{ Params: { webhookId: string; id: string } }>('/deadletters/:webhookId/:id', async (request) => {
    const { webhookId, id } = request.params;
    const admin = deadLetters();
    if (!admin.message) throw fail(503, 'this dead-letter store cannot show messages');
    let letter;
    try {
      letter = await admin.message(webhookId, id);
    } catch (err) {
      throw fail(404, (err as Error).message);
    }
    if (!letter) throw fail(404, `no dead letter "${id}" on webhook "${webhookId}"`);
    return letter;
  });
}
