/** The span of one delivery attempt (tracing on only): started from the job's carrier, ended with the outcome. */
import {
  eventSpanAttributes,
  type AttemptSpan,
  type SpanOutcome,
  type Telemetry,
} from '../telemetry/index.js';
import type { StoredJobData } from './failure.js';

/** The part of an AttemptOutcome the span records (attempt.ts's own type would make an import cycle). */
type AttemptResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'wait' | 'defer' }
  | { kind: 'retry' | 'dead'; failure: { status?: number } };

export function startAttemptSpan(
  telemetry: Telemetry,
  webhookId: string,
  data: StoredJobData,
  attempt: number,
): AttemptSpan | undefined {
  return telemetry.startAttemptSpan(data.trace, {
    ...eventSpanAttributes(data.event),
    webhookId,
    attempt,
  });
}

export function endAttemptSpan(
  telemetry: Telemetry,
  traced: AttemptSpan | undefined,
  outcome: AttemptResult,
): void {
  telemetry.endSpan(traced?.span, spanOutcome(outcome));
}

function spanOutcome(outcome: AttemptResult): SpanOutcome {
  switch (outcome.kind) {
    case 'delivered':
      return { outcome: 'delivered', httpStatus: outcome.status };
    case 'wait':
    case 'defer':
      return { outcome: outcome.kind === 'wait' ? 'wait' : 'deferred' };
    case 'retry':
    case 'dead':
      return { outcome: outcome.kind, httpStatus: outcome.failure.status, failed: true };
  }
}
