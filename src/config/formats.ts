/**
 * Value checks shared by the convict schema and the list-item specs.
 * Each check returns the normalised value or throws a ConfigValueError whose message completes
 * the sentence "<key>: ..." (e.g. "must be an http(s) URL").
 */

export class ConfigValueError extends Error {}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Accepts a number of milliseconds or a string like "500ms", "15s", "5m", "24h", "30d". */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (match) return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!);
  }
  throw new ConfigValueError(
    'must be a duration such as 500ms, 15s, 5m, 24h or 30d (or a number of milliseconds)',
  );
}

export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function checkHttpUrl(
  value: unknown,
  credentialsHint = 'must not hold user:password@ (credentials in a URL are not sent)',
): string {
  if (typeof value !== 'string' || value === '') throw new ConfigValueError('must be an http(s) URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigValueError('must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigValueError('must be an http(s) URL');
  if (url.username || url.password) throw new ConfigValueError(credentialsHint);
  return value;
}

/**
 * Credentials in a URL (https://user:pass@host) are not sent by the HTTP client and would be shown
 * wherever the URL is: refused, naming the keys that do send them. The message never echoes them.
 */
export function checkHttpUrlWithoutCredentials(hint: string) {
  return (value: unknown): string => checkHttpUrl(value, hint);
}

export function checkUrlWithProtocols(value: unknown, protocols: string[], what: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigValueError(`must be ${what}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigValueError(`must be ${what}`);
  }
  if (!protocols.includes(url.protocol)) throw new ConfigValueError(`must be ${what}`);
  return value;
}

/** MQTT topic filter rules: '+' fills a whole level, '#' only as the whole last level. */
export function checkTopicFilter(value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new ConfigValueError('must be a non-empty MQTT topic filter');
  const levels = value.split('/');
  levels.forEach((level, i) => {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw new ConfigValueError(`"${value}" is not a valid topic filter: '#' must be the whole last level`);
    }
    if (level.includes('+') && level !== '+') {
      throw new ConfigValueError(`"${value}" is not a valid topic filter: '+' must fill a whole level`);
    }
  });
  return value;
}

export function checkTopicFilters(value: unknown): string[] {
  // An env var gives a list as comma-separated text.
  if (typeof value === 'string') value = value.split(',').map((s) => s.trim());
  if (!Array.isArray(value)) throw new ConfigValueError('must be a list of MQTT topic filters');
  if (value.length === 0) throw new ConfigValueError('must list at least one topic filter');
  return value.map(checkTopicFilter);
}

export function checkString(value: unknown): string {
  if (typeof value !== 'string') throw new ConfigValueError('must be a string');
  return value;
}

export function checkNonEmptyString(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ConfigValueError('must be a non-empty string');
  return value;
}

export function checkStringList(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigValueError('must be a list of strings');
  }
  return value as string[];
}

export function checkBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigValueError('must be true or false');
}

export function checkInt(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: unknown): number => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigValueError(
        max === Number.MAX_SAFE_INTEGER
          ? `must be an integer >= ${min}`
          : `must be an integer from ${min} to ${max}`,
      );
    }
    return n;
  };
}

export function checkNumber(min: number) {
  return (value: unknown): number => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min)
      throw new ConfigValueError(`must be a number >= ${min}`);
    return n;
  };
}

export function checkEnum<T extends string>(options: readonly T[]) {
  return (value: unknown): T => {
    if (typeof value !== 'string' || !options.includes(value as T)) {
      throw new ConfigValueError(`must be one of ${options.map((o) => `"${o}"`).join(', ')}`);
    }
    return value as T;
  };
}

/** "host:port" for a listener; "" or "off" disables it. */
export function checkListen(value: unknown): string {
  if (value === '' || value === 'off') return '';
  if (typeof value === 'string' && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(value)) {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    if (port <= 65535) return value;
  }
  throw new ConfigValueError('must be host:port (e.g. 127.0.0.1:9464), or "off"');
}

export function checkStringMap(value: unknown): Record<string, string> {
  if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new ConfigValueError('must be a map of names to string values');
  }
  return value as Record<string, string>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
