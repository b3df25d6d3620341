/**
 * Checks of single settings that know the domain (broker topics, Redis URLs, webhook secrets,
 * event filters); the generic formats are in ../formats.ts.
 */
import {
  checkEnum,
  checkInt,
  checkString,
  checkStringList,
  checkTopicFilters,
  checkUrlWithProtocols,
  ConfigValueError,
  isPlainObject,
} from '../formats.js';
import { parseSigningSecret, SigningSecretError } from '../../signing-keys/index.js';

export const topicList = (value: unknown) => checkTopicFilters(value);
export const qos = (value: unknown) => (checkEnum(['0', '1'])(String(value)) === '1' ? 1 : 0);
export const protocolVersion = (value: unknown): 4 | 5 => {
  if (value === 4 || value === '4') return 4;
  if (value === 5 || value === '5') return 5;
  throw new ConfigValueError('must be 4 (MQTT 3.1.1) or 5 (MQTT 5)');
};
export const port = checkInt(1, 65535);
/** Used when none of redis.url, redis.sentinel.nodes, redis.cluster.nodes is set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const HOST_PORT = /^\[?[^\]\s,]+?\]?:(\d{1,5})$/;
export function checkHostPortList(value: unknown): string[] {
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  const nodes = checkStringList(list);
  for (const node of nodes) {
    const m = HOST_PORT.exec(node);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535)
      throw new ConfigValueError(`must be a list of host:port, got ${JSON.stringify(node)}`);
  }
  return nodes;
}
/** The shape of the one-string Sentinel / Cluster forms; redis/target-url.ts parses them at start. */
const REDIS_HA_URL = /^rediss?\+(sentinel|cluster):\/\/(?:[^@/]*@)?([^/?]+)(?:\/([^?]*))?(?:\?.*)?$/;
export function checkRedisUrl(value: unknown): string {
  if (value === '') return '';
  const url = checkString(value);
  const ha = REDIS_HA_URL.exec(url);
  if (!ha) {
    return checkUrlWithProtocols(
      url,
      ['redis:', 'rediss:'],
      'a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL',
    );
  }
  const [, kind, hosts, path = ''] = ha;
  checkHostPortList(hosts);
  if (kind === 'sentinel' && (path === '' || path.includes('/')))
    throw new ConfigValueError('redis+sentinel:// needs the master name as its path');
  if (kind === 'cluster' && path !== '')
    throw new ConfigValueError('a cluster URL has no path (a cluster has only db 0)');
  return url;
}
export const idCheck = (value: unknown): string => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value)) {
    throw new ConfigValueError('must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
  }
  return value;
};

/** `whsec_` (HMAC) or `whsk_` (ed25519): one string (space-separated for rotation) or a list. */
export function checkWebhookSecrets(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigValueError('must be a whsec_ or whsk_ secret, or a list of them for rotation');
  }
  return list.map((secret, i) => {
    try {
      parseSigningSecret(secret);
    } catch (err) {
      if (!(err instanceof SigningSecretError)) throw err;
      throw new ConfigValueError(err.message, list.length > 1 || Array.isArray(value) ? `[${i}]` : '');
    }
    return secret as string;
  });
}

/** null (unset: the OTEL_* variable decides) or a value the check accepts. */
export const orNull =
  (check: (value: unknown) => unknown) =>
  (value: unknown): unknown =>
    value === null || value === undefined || value === '' ? null : check(value);

export function checkWhere(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ConfigValueError('must map JSON field paths to a value or a list of accepted values');
  }
  for (const [path, accepted] of Object.entries(value)) {
    if (!/^[^.\s]+(\.[^.\s]+)*$/.test(path))
      throw new ConfigValueError(`"${path}" is not a dotted JSON field path`);
    const values = Array.isArray(accepted) ? accepted : [accepted];
    if (values.some((v) => v !== null && typeof v === 'object')) {
      throw new ConfigValueError(`"${path}" must accept strings, numbers, booleans or null`);
    }
  }
  return value;
}

export function checkEventFilters(value: unknown): string[] {
  const list = checkStringList(value);
  for (const filter of list) {
    if (!/^[a-z0-9-]+(\.([a-z0-9-]+|\*))*$|^\*$/.test(filter)) {
      throw new ConfigValueError(
        `"${filter}" is not an event type filter (e.g. flight.cancelled or flight.*)`,
      );
    }
  }
  return list;
}
