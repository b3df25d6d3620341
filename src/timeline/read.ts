/** Turns stored records (compact JSON) into the timeline's answers. */
import type { Attempt, DeliveryOutcome, MessageRecord, WebhookDeliveries } from './types.js';

/** A notification as stored in its flight's hash (times in ms). */
export interface StoredNotification {
  id: string;
  at: number;
  eventType: string;
  topic: string;
  code?: string;
  flight?: string;
  date?: string;
  replay?: unknown;
}

/** An attempt as stored: [webhookId, attempt, at, status, error, durationMs, outcome]. */
export type AttemptFields = [string, number, number, number | null, string | null, number, string];

/** A message and its attempts, grouped per webhook in the order each webhook was first tried. */
export function buildTimeline(recordJson: string, attemptJson: readonly string[]): MessageRecord {
  const record = JSON.parse(recordJson) as StoredNotification;
  const byWebhook = new Map<string, WebhookDeliveries>();
  for (const line of attemptJson) {
    const [webhookId, n, at, status, error, durationMs, outcome] = JSON.parse(line) as AttemptFields;
    const attempt: Attempt = {
      attempt: n,
      at: new Date(at).toISOString(),
      ...(status === null ? {} : { status }),
      ...(error === null ? {} : { error }),
      durationMs,
      outcome: outcome as DeliveryOutcome,
    };
    const deliveries = byWebhook.get(webhookId);
    if (deliveries) {
      deliveries.attempts.push(attempt);
      deliveries.outcome = attempt.outcome;
    } else byWebhook.set(webhookId, { webhookId, outcome: attempt.outcome, attempts: [attempt] });
  }
  return { ...record, at: new Date(record.at).toISOString(), deliveries: [...byWebhook.values()] };
}
