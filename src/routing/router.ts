/**
 * Chooses the webhooks a message goes to: topic filters (`+`, `#`), then the `events` type filters,
 * then the `where` conditions (see where.ts). Disabled webhooks receive nothing. Filters are
 * compiled once; route() runs per message on the hot path.
 */
import type { WebhookConfig } from '../config/index.js';
import { eventTypeAllowed } from './type-filter.js';
import { topicMatches } from './topic.js';
import { compileWhere, whereHolds, type WhereCondition } from './where.js';
import { type EventEnvelope, type ParsedPayload } from '../queue/index.js';

interface CompiledWebhook {
  webhook: WebhookConfig;
  where: WhereCondition[];
}

export class Router {
  readonly #webhooks: CompiledWebhook[];

  constructor(webhooks: readonly WebhookConfig[]) {
    this.#webhooks = webhooks
      .filter((w) => w.enabled)
      .map((webhook) => ({ webhook, where: compileWhere(webhook.where) }));
  }

  /** Every enabled webhook whose topics, events and where all accept the message. */
  route(envelope: EventEnvelope, parsed: ParsedPayload): WebhookConfig[] {
    const out: WebhookConfig[] = [];
    for (const { webhook, where } of this.#webhooks) {
      if (!this.#topicAccepted(webhook, envelope.topic)) continue;
      if (!eventTypeAllowed(webhook.events, envelope.type)) continue;
      if (!whereHolds(where, parsed.json, parsed.isJson)) continue;
      out.push(webhook);
    }
    return out;
  }

  /** Topic filters only: where a message that cannot be read (oversized, invalid) is dead-lettered. */
  routeByTopic(topic: string): WebhookConfig[] {
    return this.#webhooks.filter(({ webhook }) => this.#topicAccepted(webhook, topic)).map((c) => c.webhook);
  }

  #topicAccepted(webhook: WebhookConfig, topic: string): boolean {
    return webhook.topics.some((filter) => topicMatches(filter, topic));
  }
}
