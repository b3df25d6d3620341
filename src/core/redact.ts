/**
 * The one place secret values are taken out of text: log lines, admin API answers, the dashboard,
 * what receivers get. (URLs for display: maskUrl in config/mask.ts.)
 */

export const REDACTED = '[REDACTED]';

/** Below this length a "secret" would match ordinary text; such values are not scrubbed. */
export const MIN_SECRET_LENGTH = 4;

const formsCache = new Map<string, string[]>();

/**
 * The ways a secret can appear in output: as is, JSON-escaped once and twice (a JSON document
 * inside a JSON string, e.g. an echoed request in an error message logged as JSON) and
 * URL-encoded (form bodies, query strings). Longest first, so a longer form is replaced whole.
 */
export function encodedForms(secret: string): string[] {
  let forms = formsCache.get(secret);
  if (!forms) {
    const once = JSON.stringify(secret).slice(1, -1);
    const twice = JSON.stringify(once).slice(1, -1);
    const uri = encodeURIComponent(secret);
    const form = new URLSearchParams({ s: secret }).toString().slice(2);
    forms = [...new Set([secret, once, twice, uri, form])].sort((a, b) => b.length - a.length);
    if (formsCache.size > 10_000) formsCache.clear();
    formsCache.set(secret, forms);
  }
  return forms;
}

/** `text` with every secret (in every encoded form) replaced by [REDACTED]. */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of encodedForms(secret)) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}
