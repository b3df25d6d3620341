/**
 * One-string forms of a RedisTarget, for `redis.url` and the CLI:
 *   redis://[:password@]host:port[/db]      rediss://...          a single server (passed as is)
 *   redis+sentinel://[:password@]host:port,host:port/<name>[?sentinelPassword=...]
 *   redis+cluster://[:password@]host:port,host:port
 * `rediss+sentinel://` and `rediss+cluster://` turn TLS on. Multi-host lists do not fit WHATWG
 * URL parsing, so the authority is split by hand.
 */
import { hostPort, type RedisTarget } from './factory.js';

const FORM = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/]*)@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/;

export function parseRedisUrl(url: string, field = 'redis.url'): RedisTarget {
  if (/^rediss?:\/\//.test(url)) return { kind: 'single', url };
  const match = FORM.exec(url);
  if (!match) {
    throw new Error(
      `${field}: expected redis://, rediss://, redis+sentinel://host:port,.../<name> or redis+cluster://host:port,...`,
    );
  }
  const [, scheme, kind, auth, hosts, path = '', query = ''] = match;
  const tls = scheme === 'rediss';
  const nodes = hosts!.split(',');
  nodes.forEach((node, i) => hostPort(node, `${field} host ${i + 1}`));
  const password = auth ? decodeURIComponent(auth.slice(auth.indexOf(':') + 1)) || undefined : undefined;
  const params = new URLSearchParams(query);
  const unknown = [...params.keys()].filter((k) => k !== 'sentinelPassword');
  if (unknown.length > 0) throw new Error(`${field}: unknown parameter(s) ${unknown.join(', ')}`);
  if (kind === 'cluster') {
    if (path !== '') throw new Error(`${field}: a cluster URL has no path (a cluster has only db 0)`);
    if (params.has('sentinelPassword'))
      throw new Error(`${field}: sentinelPassword is for redis+sentinel://`);
    return { kind: 'cluster', nodes, password, tls };
  }
  const name = decodeURIComponent(path);
  if (name === '' || name.includes('/'))
    throw new Error(`${field}: redis+sentinel:// needs the master name as its path`);
  return {
    kind: 'sentinel',
    name,
    nodes,
    password,
    sentinelPassword: params.get('sentinelPassword') ?? undefined,
    tls,
  };
}
