/**
 * The one way to open a webhook's BullMQ queue (`wh.<webhookId>` under redis.prefix): the job
 * writer, the workers, the admin views and the dead letters all open it here so they agree.
 */
import { Queue } from 'bullmq';
import { RedisKeys, type Redis } from '../redis/index.js';

export { webhookQueueName as queueName } from '../redis/index.js';

export function openWebhookQueue<T = unknown>(redis: Redis, prefix: string, webhookId: string): Queue<T> {
  const keys = new RedisKeys(prefix);
  return new Queue<T>(keys.queueName(webhookId), { connection: redis, prefix: keys.bullPrefix });
}
