/**
 * Every Redis key the subscription store writes (to be folded into the shared RedisKeys). All carry
 * the hash tag {subs}: Redis Cluster keeps them in one slot, so one Lua script can change a record,
 * its webhook's index and the change log atomically.
 */
export interface SubscriptionKeys {
  /** Hash: subscription id → the subscription as JSON. */
  records: string;
  /** Set: ids of webhooks that have (or had) subscriptions, for a full index load. */
  webhooks: string;
  /** Change counter, incremented by every create and remove. */
  version: string;
  /** Random id set with the first subscription: a new one means Redis lost the data (reload). */
  epoch: string;
  /** Sorted set: score = version, member = "version\twebhookId\tindexKey" (capped). */
  changes: string;
  /** Set: a webhook's subscription ids. */
  byWebhook(webhookId: string): string;
  /** Hash: index key (flight:LH400:2026-12-01, carrier:LH, ...) → its entries, one per line. */
  index(webhookId: string): string;
  /** String: Idempotency-Key → subscription id (expires). */
  idempotency(key: string): string;
}

export function subscriptionKeys(prefix: string): SubscriptionKeys {
  const base = `${prefix}:{subs}`;
  return {
    records: `${base}:records`,
    webhooks: `${base}:webhooks`,
    version: `${base}:version`,
    epoch: `${base}:epoch`,
    changes: `${base}:changes`,
    byWebhook: (webhookId) => `${base}:wh:${webhookId}`,
    index: (webhookId) => `${base}:idx:${webhookId}`,
    idempotency: (key) => `${base}:idem:${key}`,
  };
}
