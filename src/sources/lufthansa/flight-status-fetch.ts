/**
 * One Flight Status call: GET the related link with the API bearer token (a 401 drops the token
 * and tries once more with a fresh one) and sort the answer into what the enricher does next:
 * use it, keep the error for the receivers, or wait and try again.
 */
import { request, type Dispatcher } from 'undici';
import { vendorErrorCode, type TokenProvider } from '../../auth/index.js';

/** Outcomes, also the `outcome` label of enrichment_calls_total. */
export type FaultKind =
  'quota' | 'server-error' | 'timeout' | 'network-error' | 'unauthorized' | 'token-error';

export type FetchOutcome =
  | { kind: 'ok'; flights: unknown[] }
  /** An answer that will not change by asking again soon (404, 400, an answer without flights). */
  | { kind: 'error'; outcome: 'not-found' | 'client-error' | 'bad-answer'; message: string }
  /** Worth waiting for: quota, upstream outage, timeouts, credentials being renewed. */
  | { kind: 'fault'; outcome: FaultKind; message: string; retryAfterMs?: number };

/** How long everybody waits after a fault before the next call, unless the API says (Retry-After). */
export function faultDelay(outcome: Extract<FetchOutcome, { kind: 'fault' }>): number {
  if (outcome.retryAfterMs !== undefined) return outcome.retryAfterMs;
  switch (outcome.outcome) {
    case 'quota':
      // Mashery's hourly limit ("OVER_RATE") lasts; the per-second one ("OVER_QPS") passes quickly.
      return /OVER_RATE/.test(outcome.message) ? 60_000 : /OVER_QPS/.test(outcome.message) ? 1000 : 5000;
    case 'unauthorized':
    case 'token-error':
      return 10_000;
    default:
      return 2000;
  }
}

/** Faults of the whole API (not of one flight) hold back calls for every URL. */
export const GLOBAL_FAULTS: ReadonlySet<FaultKind> = new Set(['quota', 'unauthorized', 'token-error']);

export interface FetchOptions {
  apiToken: TokenProvider;
  dispatcher?: Dispatcher;
  timeoutMs: number;
}

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/** `FlightStatusResource.Flights.Flight`: an object for one flight, an array for several. */
export function flightsOf(answer: unknown): unknown[] | undefined {
  const flight = field(field(field(answer, 'FlightStatusResource'), 'Flights'), 'Flight');
  if (flight === undefined || flight === null) return undefined;
  return Array.isArray(flight) ? flight : [flight];
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function call(url: string, authorization: string, options: FetchOptions) {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const res = await request(url, {
    method: 'GET',
    headers: { authorization, accept: 'application/json' },
    dispatcher: options.dispatcher,
    signal,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

function describe(url: string): string {
  const { host, pathname } = new URL(url);
  return `GET ${host}${pathname}`;
}

export async function fetchFlightStatus(url: string, options: FetchOptions): Promise<FetchOutcome> {
  const what = describe(url);
  let answer: Awaited<ReturnType<typeof call>> | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    let authorization: string;
    try {
      authorization = await options.apiToken.authorization();
    } catch (err) {
      return {
        kind: 'fault',
        outcome: 'token-error',
        message: `no Lufthansa API token for ${what}: ${(err as Error).message}`,
      };
    }
    try {
      answer = await call(url, authorization, options);
    } catch (err) {
      const e = err as Error;
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.name ?? '');
      return timedOut
        ? { kind: 'fault', outcome: 'timeout', message: `${what} took longer than ${options.timeoutMs} ms` }
        : { kind: 'fault', outcome: 'network-error', message: `${what} failed: ${e.message}` };
    }
    if (answer.status !== 401) break;
    // The token was revoked or expired early: drop it; the second pass fetches a new one.
    options.apiToken.invalidate();
  }
  const { status, headers, text } = answer!;
  // Summarised (status and error code), never copied: the text reaches receivers.
  const summary = (): string => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const code = vendorErrorCode(json, (name) => headers[name]);
    return code ? `: ${code}` : '';
  };
  if (status === 200) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return {
        kind: 'error',
        outcome: 'bad-answer',
        message: `${what} answered 200 with a body that is not JSON`,
      };
    }
    const flights = flightsOf(body);
    if (!flights)
      return {
        kind: 'error',
        outcome: 'bad-answer',
        message: `${what} answered without FlightStatusResource.Flights.Flight`,
      };
    return { kind: 'ok', flights };
  }
  if (status === 401) {
    return {
      kind: 'fault',
      outcome: 'unauthorized',
      message: `${what} refused the API token twice (401); check source.lufthansa.clientKey/clientSecret`,
    };
  }
  if (status === 403 || status === 429) {
    // Lufthansa (Mashery) names the exceeded limit in X-Mashery-Error-Code (…_OVER_QPS / …_OVER_RATE).
    const code = headers['x-mashery-error-code'];
    const which = code ? ` (${String(code)})` : '';
    return {
      kind: 'fault',
      outcome: 'quota',
      message: `${what} answered ${status}${which}: API quota exceeded`,
      retryAfterMs: retryAfterMs(headers['retry-after'], Date.now()),
    };
  }
  if (status >= 500) {
    return {
      kind: 'fault',
      outcome: 'server-error',
      message: `${what} answered ${status}${summary()}`,
      retryAfterMs: retryAfterMs(headers['retry-after'], Date.now()),
    };
  }
  if (status === 404)
    return { kind: 'error', outcome: 'not-found', message: `${what} answered 404: no such flight` };
  return { kind: 'error', outcome: 'client-error', message: `${what} answered ${status}${summary()}` };
}
