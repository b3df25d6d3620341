/**
 * The few HTTP calls auth makes (token endpoints, Certificate Manager), with the error mapping every
 * caller shares: network errors and timeouts, 5xx and 429 are retryable; everything else is not.
 * The fetch function comes in as a dependency.
 */
import { maskUrl } from '../config/index.js';
import { AuthError } from './errors.js';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export const defaultFetch: FetchLike = (input, init) => fetch(input, init);

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
  headers: Headers;
}

/** Display form of a URL without its query string (which may hold secrets, e.g. Aeris `cs`). */
export function displayUrl(url: string | URL): string {
  return maskUrl(url, { dropQuery: true, dropUserInfo: true });
}

/** `signal` (optional) cancels the request early, e.g. when the part stops. */
export async function httpRequest(
  fetchFn: FetchLike,
  url: string | URL,
  init: RequestInit,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  const shown = displayUrl(url);
  let response: Response;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    response = await fetchFn(url, {
      ...init,
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      redirect: 'manual',
    });
  } catch (err) {
    const name = (err as Error)?.name;
    const reason = signal?.aborted
      ? 'request cancelled (shutting down)'
      : name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${timeoutMs} ms`
        : describeNetworkError(err);
    throw new AuthError(`cannot reach ${shown}: ${reason}`, { retryable: true, url: shown, cause: err });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw new AuthError(`${shown} closed the connection while answering (HTTP ${response.status})`, {
      retryable: true,
      status: response.status,
      url: shown,
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return (err as Error)?.message ?? String(err);
}

/** Throws the common error for a non-2xx answer; `what` names the call ("token endpoint", ...). */
export function throwForStatus(answer: HttpAnswer, url: string | URL, what: string): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const shown = displayUrl(url);
  const detail = errorDetail(answer);
  if (answer.status >= 500 || answer.status === 429) {
    throw new AuthError(`${what} ${shown} answered HTTP ${answer.status}${detail}; retrying later`, {
      retryable: true,
      status: answer.status,
      url: shown,
    });
  }
  throw new AuthError(`${what} ${shown} answered HTTP ${answer.status}${detail}`, {
    status: answer.status,
    url: shown,
  });
}

/**
 * A vendor error body, summarised: its error code when it has one that looks like a code
 * (OAuth `error`, `Error`, Lufthansa `ProcessingErrors…Code`/`@Type`, Mashery's
 * X-Mashery-Error-Code header), never its text. Error bodies may echo the request, secrets and all
 * (a token endpoint answering 500 with `error_description` = the posted form), and what is read
 * here reaches logs, the admin API and receivers (flightStatusError).
 */
export function vendorErrorCode(
  json: unknown,
  header?: (name: string) => string | string[] | null | undefined,
): string | undefined {
  const looksLikeCode = (v: unknown): v is string =>
    typeof v === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(v);
  const mashery = header?.('x-mashery-error-code');
  const fromHeader = Array.isArray(mashery) ? mashery[0] : mashery;
  if (looksLikeCode(fromHeader)) return fromHeader;
  if (!json || typeof json !== 'object') return undefined;
  const body = json as Record<string, unknown>;
  for (const key of ['error', 'Error', 'code', 'Code', 'errorCode'])
    if (looksLikeCode(body[key])) return body[key];
  const processing = (body.ProcessingErrors as Record<string, unknown> | undefined)?.ProcessingError;
  const first = (Array.isArray(processing) ? processing[0] : processing) as
    Record<string, unknown> | undefined;
  if (first && typeof first === 'object') {
    if (looksLikeCode(first.Code)) return first.Code;
    if (looksLikeCode(first['@Type'])) return first['@Type'];
  }
  return undefined;
}

/** `: <error code>` for a message, or "" (see vendorErrorCode: the body's text is never copied). */
export function errorDetail(answer: HttpAnswer): string {
  const code = vendorErrorCode(answer.json, (name) => answer.headers.get(name));
  return code ? `: ${code}` : '';
}

/** The answer as a JSON object, or an error saying it was not one. */
export function jsonObject(answer: HttpAnswer, url: string | URL, what: string): Record<string, unknown> {
  if (answer.json === null || typeof answer.json !== 'object' || Array.isArray(answer.json)) {
    const kind = answer.text.trim() === '' ? 'an empty body' : `a body that is not a JSON object`;
    throw new AuthError(
      `${what} ${displayUrl(url)} answered HTTP ${answer.status} with ${kind} (${answer.text.length} bytes)`,
      { status: answer.status, url: displayUrl(url) },
    );
  }
  return answer.json as Record<string, unknown>;
}
