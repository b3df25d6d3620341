/**
 * Chooses the webhooks a message goes to: topic filters (`+`, `#`), then the `events` type filters,
 * then the `where` conditions (see where.ts), then, for a webhook with `subscriptions: true`, its
 * run-time subscriptions (an in-process index: no Redis round trip per message). Disabled webhooks
 * receive nothing. Filters are compiled once; route() runs per message on the hot path.
 */
import type { WebhookConfig } from '../config/index.js';
import { eventTypeAllowed } from './type-filter.js';
import { topicMatches } from './topic.js';
import { compileWhere, whereHolds, type WhereCondition } from './where.js';
import { type EventEnvelope, type ParsedPayload } from '../queue/index.js';
import type { MatchableMessage } from '../subscriptions/index.js';

/** Whether a message matches one of a webhook's live subscriptions (SubscriptionMatcher). */
export interface SubscriptionFilter {
  matches(webhookId: string, msg: MatchableMessage): boolean;
}

interface CompiledWebhook {
  webhook: WebhookConfig;
  where: WhereCondition[];
}

export class Router {
  readonly #webhooks: CompiledWebhook[];
  readonly #subscriptions?: SubscriptionFilter;

  /** Without `subscriptions`, webhooks with `subscriptions: true` receive nothing. */
  constructor(webhooks: readonly WebhookConfig[], subscriptions?: SubscriptionFilter) {
    this.#subscriptions = subscriptions;
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
      if (webhook.subscriptions && !this.#subscribed(webhook.id, envelope)) continue;
      out.push(webhook);
    }
    return out;
  }

  /** Topic filters only: where a message that cannot be read (oversized, invalid) is dead-lettered. */
  routeByTopic(topic: string): WebhookConfig[] {
    return this.#webhooks.filter(({ webhook }) => this.#topicAccepted(webhook, topic)).map((c) => c.webhook);
  }

  /**
   * Airport rules are not checked here: airports are known only after enrichment, at delivery;
   * the admin API refuses them for now (see README "Subscriptions").
   */
  #subscribed(webhookId: string, envelope: EventEnvelope): boolean {
    const flight = envelope.flight;
    if (!flight || !this.#subscriptions) return false;
    return this.#subscriptions.matches(webhookId, {
      carrier: flight.carrier,
      flightNumber: flight.flightNumber,
      date: flight.date,
      eventType: envelope.type,
    });
  }

  #topicAccepted(webhook: WebhookConfig, topic: string): boolean {
    return webhook.topics.some((filter) => topicMatches(filter, topic));
  }
}
