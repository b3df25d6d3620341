/**
 * One delivery attempt as the flight timeline records it (time, HTTP status or error, duration,
 * outcome). Attempts that never reached the sender (disabled, breaker open, enricher deferral) are
 * not attempts: they give undefined. Only attempts at messages of a flight are reported: the
 * timeline is per flight, and a generic MQTT message's report was built for nothing (~2 % of the
 * burst's delivery CPU).
 */
import type { WebhookConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { AttemptInput } from '../timeline/index.js';
import type { AttemptOutcome } from './attempt.js';
import type { StoredJobData } from './failure.js';

export type AttemptReport = AttemptInput;
/** Must not throw or block: it runs on the delivery path. */
export type AttemptHook = (report: AttemptReport) => void;

/** Tells context.onAttempt about an attempt (if there is a hook and it was one). */
export function reportAttempt(
  context: { webhook: WebhookConfig; clock: Clock; onAttempt?: AttemptHook },
  data: StoredJobData,
  outcome: AttemptOutcome,
  attempt: number,
  startedAt: number,
): void {
  if (!context.onAttempt || !data.event.flight) return;
  const report = attemptReport(context, data, outcome, attempt, startedAt);
  if (report) context.onAttempt(report);
}

export function attemptReport(
  context: { webhook: WebhookConfig; clock: Clock },
  data: StoredJobData,
  outcome: AttemptOutcome,
  attempt: number,
  startedAt: number,
): AttemptReport | undefined {
  if (outcome.kind === 'wait' || outcome.kind === 'defer') return undefined;
  const { event } = data;
  const base = {
    messageId: event.id,
    ...(event.flight ? { flight: event.flight } : {}),
    webhookId: context.webhook.id,
    attempt,
    at: startedAt,
    durationMs: Math.max(0, context.clock.now() - startedAt),
  };
  if (outcome.kind === 'delivered') return { ...base, status: outcome.status, outcome: 'delivered' };
  const { status, detail } = outcome.failure;
  const last = outcome.kind === 'dead' || attempt >= context.webhook.retry.attempts;
  return {
    ...base,
    ...(status === undefined ? { error: detail } : { status }),
    outcome: last ? 'dead-lettered' : 'retrying',
  };
}
