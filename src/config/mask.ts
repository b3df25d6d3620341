/**
 * Secret handling derived from the schema: masked copies for printing, and the list of secret
 * values the logger scrubs from every line.
 */
import { leaves, type LeafSchema } from './schema/index.js';
import { sensitivePaths, type ObjectSpec, type VariantListSpec } from './spec.js';
import type { Config } from './types.js';

export const MASK = '********';

/**
 * The one URL masking for display (config check, admin API, logs, dead letters): the password
 * replaced by ******** (the user name kept; `dropUserInfo` drops both), and with `dropQuery`
 * without the query string and fragment (which may hold keys, e.g. Aeris `cs`). Text that is not
 * a URL comes back as `fallback`.
 */
export function maskUrl(
  url: string | URL,
  options: { dropQuery?: boolean; dropUserInfo?: boolean; fallback?: string } = {},
): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return options.fallback ?? MASK;
  }
  if (options.dropUserInfo) {
    u.username = '';
    u.password = '';
  } else if (u.password) u.password = MASK;
  if (options.dropQuery) {
    u.search = '';
    u.hash = '';
  }
  return u.toString();
}

function getPath(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = obj;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') return;
    node = next as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** A URL keeps its shape with the password replaced (redis://:pw@host → redis://:********@host). */
function maskValue(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value === '') return value;
    try {
      const url = new URL(value);
      if (url.password) return maskUrl(url);
      if (url.protocol.endsWith(':') && url.host) return value;
    } catch {
      // not a URL: mask whole
    }
    return MASK;
  }
  if (Array.isArray(value)) return value.map(() => MASK);
  return value;
}

/** Paths in the typed Config of list-item secrets (the webhook `secret` key becomes `secrets`). */
function itemSecretPaths(spec: ObjectSpec | VariantListSpec): string[] {
  return sensitivePaths(spec).map((p) => (p === 'secret' ? 'secrets' : p));
}

export function maskConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const [path, leaf] of leaves()) {
    if (leaf.sensitive) setPath(copy, path, maskValue(getPath(copy, path)));
    if (leaf.items) maskItems(copy, path, leaf);
  }
  return copy as unknown as Config;
}

function maskItems(copy: Record<string, unknown>, path: string, leaf: LeafSchema): void {
  const items = getPath(copy, path);
  if (!Array.isArray(items) || !leaf.items) return;
  const paths = itemSecretPaths(leaf.items);
  for (const item of items) {
    for (const p of paths) {
      const value = getPath(item, p);
      if (value !== undefined) setPath(item, p, maskValue(value));
    }
  }
}

/** Every secret value in the config (at least 4 characters), for scrubbing log output. */
export function secretValues(config: Config): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 4) {
      try {
        const url = new URL(value);
        if (url.password) found.add(decodeURIComponent(url.password));
        if (url.host) return;
      } catch {
        // not a URL
      }
      found.add(value);
    } else if (Array.isArray(value)) value.forEach(add);
  };
  for (const [path, leaf] of leaves()) {
    if (leaf.sensitive) add(getPath(config, path));
    if (leaf.items) {
      const items = getPath(config, path);
      if (Array.isArray(items))
        for (const item of items) for (const p of itemSecretPaths(leaf.items)) add(getPath(item, p));
    }
  }
  return [...found];
}
