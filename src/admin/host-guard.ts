/**
 * DNS-rebinding guard for the admin server. A page on evil.example can re-point its own name at
 * 127.0.0.1 and then read /readyz, /metrics or the dashboard "same-origin"; the browser still sends
 * `Host: evil.example`. So every admin request must name a host we answer to:
 *  - an IP literal (127.0.0.1, 10.1.2.3, [::1]): a rebinding attack always needs a DNS name, and
 *    Kubernetes probes and Prometheus scrape by pod IP;
 *  - `localhost` (a browser on the same machine, `kubectl port-forward`);
 *  - the host part of admin.listen;
 *  - a name in admin.allowedHosts (exact, or `.example.com` for that domain and its subdomains;
 *    `*` turns the check off, e.g. behind a proxy that already checks Host).
 * The port is not compared: port-forwards and proxies change it, and it gives no protection.
 */
import { isIP } from 'node:net';

/** Host header value → the host name without port and brackets, lower case. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(value);
  if (bracketed) return bracketed[1];
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/** `(host header) → allowed?` for admin.listen and admin.allowedHosts. */
export function hostChecker(
  listenHost: string,
  allowedHosts: readonly string[],
): (header?: string) => boolean {
  const names = new Set(['localhost', listenHost.toLowerCase()]);
  const domains: string[] = [];
  let any = false;
  for (const entry of allowedHosts.map((h) => h.trim().toLowerCase())) {
    if (entry === '*') any = true;
    else if (entry.startsWith('.')) domains.push(entry);
    else names.add(hostName(entry));
  }
  return (header) => {
    if (any) return true;
    if (!header) return false;
    const name = hostName(header).replace(/\.$/, '');
    if (name === '') return false;
    if (isIP(name) !== 0 || names.has(name)) return true;
    return domains.some((d) => name.endsWith(d) || name === d.slice(1));
  };
}

export function hostRefusal(header: string | undefined): string {
  return `Host ${header ? `"${header}"` : '(none)'} is not allowed: the admin server answers to IP addresses, localhost, admin.listen and admin.allowedHosts (add the name you use there)`;
}
