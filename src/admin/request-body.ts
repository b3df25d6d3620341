/**
 * Admin POST bodies: only `application/json`, only a JSON object, only the fields the route
 * knows. A body that arrives as a string (text/plain) or names an unknown field must not fall
 * back to "no filter" — a purge or replay of everything has to say `"all": true`.
 */

/** A request the API refuses with this status and message. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** 415 unless a POST that carries a body says `content-type: application/json`. */
export function checkJsonContentType(headers: Record<string, string | string[] | undefined>): void {
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  const type = String(headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(
      415,
      `the admin API takes only content-type application/json (got ${type ? `"${type}"` : 'none'})`,
    );
  }
}

/** The body as an object holding only `fields`; an absent body is `{}`. */
export function bodyObject(body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(
      400,
      `the body must be a JSON object${fields.length ? ` with ${fields.join(', ')}` : ''}`,
    );
  }
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) {
      throw new ApiError(
        400,
        `unknown field "${key}" in the body (${fields.length ? `allowed: ${fields.join(', ')}` : 'this request takes none'})`,
      );
    }
  }
  return body as Record<string, unknown>;
}

/** `all`: absent or a boolean. */
function optionalFlag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ApiError(400, `${name} must be true or false`);
  return value;
}

/**
 * The webhook scope of a replay or purge: a webhookId, or `all: true` for every webhook —
 * never "everything" by omission.
 */
export function webhookScope(body: Record<string, unknown>, action: string): string | undefined {
  const all = optionalFlag(body.all, 'all');
  const webhookId = body.webhookId;
  if (webhookId !== undefined && (typeof webhookId !== 'string' || webhookId === '')) {
    throw new ApiError(400, 'webhookId must be a non-empty string');
  }
  if (all && webhookId !== undefined) {
    throw new ApiError(400, `give webhookId or "all": true, not both`);
  }
  if (!all && webhookId === undefined) {
    throw new ApiError(
      400,
      `webhookId is missing: ${action} of every webhook's dead letters needs "all": true`,
    );
  }
  return webhookId as string | undefined;
}
