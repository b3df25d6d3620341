/** WebhookAdmin: state, breaker and queue counts per webhook; pause/resume; re-enable after 410. */
import { Queue } from 'bullmq';
import type { Config } from '../config/index.js';
import type { RedisClient } from '../redis/index.js';
import { maskUrl } from '../config/index.js';
import type { Metrics } from '../core/index.js';
import type { Logger } from '../core/index.js';
import type { WebhookAdmin, WebhookState } from '../admin/index.js';
import { openWebhookQueue } from '../queue/index.js';
import { EndpointState } from './endpoint-state.js';
import { queueCounts, refreshJobGauges } from './gauges.js';

export interface WebhookAdminServiceOptions {
  config: Config;
  /** A non-blocking connection (queue commands only). */
  redis: RedisClient;
  metrics?: Metrics;
  logger?: Logger;
}

export class WebhookAdminService implements WebhookAdmin {
  readonly #options: WebhookAdminServiceOptions;
  readonly #queues = new Map<string, Queue>();

  constructor(options: WebhookAdminServiceOptions) {
    this.#options = options;
  }

  #webhook(id: string) {
    const webhook = this.#options.config.webhooks.find((w) => w.id === id);
    if (!webhook) {
      const known = this.#options.config.webhooks.map((w) => w.id).join(', ') || 'none configured';
      throw new Error(`unknown webhook "${id}" (known: ${known})`);
    }
    return webhook;
  }

  #queue(id: string): Queue {
    let queue = this.#queues.get(id);
    if (!queue) {
      queue = openWebhookQueue(this.#options.redis, this.#options.config.redis.prefix, id);
      this.#queues.set(id, queue);
    }
    return queue;
  }

  #state(id: string): EndpointState {
    return new EndpointState(this.#options.redis, this.#options.config.redis.prefix, id);
  }

  async list(): Promise<WebhookState[]> {
    const now = Date.now();
    return Promise.all(
      this.#options.config.webhooks.map(async (webhook): Promise<WebhookState> => {
        const queue = this.#queue(webhook.id);
        const state = this.#state(webhook.id);
        const [counts, paused, disabled, breaker] = await Promise.all([
          this.#options.metrics
            ? refreshJobGauges(this.#options.metrics, webhook.id, queue)
            : queueCounts(queue),
          queue.isPaused(),
          state.disabled(),
          state.breaker(now),
        ]);
        const base = { id: webhook.id, url: maskUrl(webhook.url), breaker, counts };
        if (!webhook.enabled)
          return { ...base, state: 'disabled', disabledReason: 'enabled: false in the configuration' };
        if (disabled)
          return { ...base, state: 'disabled', disabledReason: `${disabled.reason} at ${disabled.at}` };
        return { ...base, state: paused ? 'paused' : 'active' };
      }),
    );
  }

  /** Stops every worker process taking new jobs for this webhook (BullMQ queue pause). */
  async pause(id: string): Promise<void> {
    this.#webhook(id);
    await this.#queue(id).pause();
    this.#options.logger?.info({ webhook: id }, 'webhook paused by an operator');
  }

  async resume(id: string): Promise<void> {
    this.#webhook(id);
    await this.#queue(id).resume();
    this.#options.logger?.info({ webhook: id }, 'webhook resumed by an operator');
  }

  async enable(id: string): Promise<void> {
    this.#webhook(id);
    const was = await this.#state(id).enable();
    // Lift the wait the workers set while it was disabled.
    await this.#queue(id).removeRateLimitKey();
    this.#options.metrics?.webhookDisabled.set({ webhook: id }, 0);
    if (was) this.#options.logger?.info({ webhook: id }, 'webhook re-enabled by an operator');
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
