/**
 * The one way to open a webhook's BullMQ queue (`wh.<webhookId>` under redis.prefix, `{wh.<id>}` on
 * a Cluster): the job writer, the workers, the admin views and the dead letters all open it here so
 * they agree.
 */
import { Queue } from 'bullmq';
import { RedisKeys, type RedisClient } from '../redis/index.js';

export { webhookQueueName as queueName } from '../redis/index.js';

export function openWebhookQueue<T = unknown>(
  redis: RedisClient,
  prefix: string,
  webhookId: string,
): Queue<T> {
  const keys = RedisKeys.for(redis, prefix);
  return new Queue<T>(keys.queueName(webhookId), { connection: redis, prefix: keys.bullPrefix });
}
