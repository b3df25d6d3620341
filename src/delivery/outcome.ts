/** What an HTTP answer means for a delivery: done, retry (maybe after Retry-After), dead letter, gone. */

export type Verdict =
  | { kind: 'delivered' }
  | { kind: 'gone' }
  | { kind: 'retry'; retryAfterMs?: number }
  | { kind: 'dead'; reason: 'redirect' | 'refused' };

const RETRY_STATUSES = new Set([408, 425, 429]);

export function classifyStatus(status: number, retryAfter: string | undefined, now: number): Verdict {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  if (RETRY_STATUSES.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return retryAfterMs === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs };
  }
  // Redirects are not followed: a moved endpoint is a configuration problem, not a transient one.
  if (status >= 300 && status < 400) return { kind: 'dead', reason: 'redirect' };
  return { kind: 'dead', reason: 'refused' };
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
