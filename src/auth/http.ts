/**
 * The few HTTP calls auth makes (token endpoints, Certificate Manager), with the error mapping every
 * caller shares: network errors and timeouts, 5xx and 429 are retryable; everything else is not.
 * The fetch function comes in as a dependency.
 */
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
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
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

/** A short, secret-free excerpt of an error body (OAuth `error`/`error_description` or the first bytes). */
export function errorDetail(answer: HttpAnswer): string {
  const json = answer.json as Record<string, unknown> | undefined;
  if (json && typeof json === 'object') {
    const code = json.error ?? json.Error ?? json.message;
    const description = json.error_description;
    if (typeof code === 'string')
      return `: ${code}${typeof description === 'string' ? ` (${description})` : ''}`;
  }
  const text = answer.text.trim().replace(/\s+/g, ' ').slice(0, 120);
  return text ? `: ${text}` : '';
}

/** The answer as a JSON object, or an error saying it was not one. */
export function jsonObject(answer: HttpAnswer, url: string | URL, what: string): Record<string, unknown> {
  if (answer.json === null || typeof answer.json !== 'object' || Array.isArray(answer.json)) {
    const excerpt = answer.text.trim().slice(0, 60).replace(/\s+/g, ' ');
    throw new AuthError(
      `${what} ${displayUrl(url)} answered HTTP ${answer.status} with a body that is not a JSON object${excerpt ? ` ("${excerpt}")` : ' (empty)'}`,
      { status: answer.status, url: displayUrl(url) },
    );
  }
  return answer.json as Record<string, unknown>;
}
