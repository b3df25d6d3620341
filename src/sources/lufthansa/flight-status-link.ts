/**
 * Which related links the enricher fetches with the API token: Flight Status resources under
 * apiBase (`{apiBase}/v1/operations/flightstatus/...`) and nothing else. The check runs on the
 * link as received, before any URL normalisation: `new URL()` would turn
 * `.../flightstatus/../../v1/oauth/token` into `/v1/oauth/token`, and `%2e%2e` into `..` for some
 * servers, so a link with dot segments, encoded dots or slashes, backslashes or empty segments is
 * refused rather than cleaned up.
 */

export const FLIGHT_STATUS_PATH = '/v1/operations/flightstatus/';

/** A path segment of a Flight Status resource: flight numbers, dates, airports, date-times. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9:_-]*$/;

export type LinkCheck =
  | { kind: 'ok'; url: URL }
  /** Another origin than apiBase's: the token must not go there. */
  | { kind: 'foreign'; url: URL }
  | { kind: 'refused'; reason: string };

function shown(link: string): string {
  return JSON.stringify(link.length > 200 ? `${link.slice(0, 200)}…` : link);
}

export function checkFlightStatusLink(link: string, apiBase: string): LinkCheck {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return { kind: 'refused', reason: `the related link ${shown(link)} is not a URL` };
  }
  const base = new URL(apiBase);
  if (url.origin !== base.origin) return { kind: 'foreign', url };
  const refuse = (why: string): LinkCheck => ({
    kind: 'refused',
    reason: `the related link ${shown(link)} ${why}: not fetched, so that the API token is only used for Flight Status resources under ${base.origin}${base.pathname.replace(/\/+$/, '')}${FLIGHT_STATUS_PATH}`,
  });
  if (url.username || url.password) return refuse('carries user info');
  // The path as written in the link (between the authority and ? or #), not as URL parsed it.
  const rawPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(link.trim())?.[1] ?? '';
  const prefix = `${base.pathname.replace(/\/+$/, '')}${FLIGHT_STATUS_PATH}`;
  if (!rawPath.startsWith(prefix)) return refuse('is not a Flight Status resource');
  const segments = rawPath.slice(prefix.length).split('/');
  if (segments.length === 0 || !segments.every((s) => SEGMENT.test(s))) {
    return refuse('has a path segment that is not a plain name (dots, encoded characters or empty)');
  }
  if (url.pathname !== rawPath) return refuse('is not in normal form');
  url.hash = '';
  return { kind: 'ok', url };
}
