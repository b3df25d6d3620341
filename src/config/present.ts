/**
 * The effective configuration as a person reads it: durations back in units (`30d`, not
 * 2592000000), driven by the schema so every duration key, list items included, is covered.
 */
import { formatDuration, parseDuration } from './formats.js';
import { leaves, tokenProviderSpec, webhookSpec } from './schema/index.js';
import type { FieldSpec } from './spec.js';
import type { Config } from './types.js';

type Tree = Record<string, unknown>;

function humanize(value: unknown): unknown {
  if (typeof value === 'number') return formatDuration(value);
  if (Array.isArray(value)) return value.map(humanize);
  return value;
}

function presentFields(item: Tree, fields: Record<string, FieldSpec>): void {
  for (const [key, field] of Object.entries(fields)) {
    const value = item[key];
    if (field.object && value && typeof value === 'object') presentFields(value as Tree, field.object.fields);
    else if (field.check === parseDuration || key === 'schedule') item[key] = humanize(value);
  }
}

export function presentConfig(config: Config): Tree {
  const copy = structuredClone(config) as unknown as Tree;
  for (const [path, leaf] of leaves()) {
    if (leaf.check !== parseDuration) continue;
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<Tree>((node, k) => node[k] as Tree, copy);
    parent[keys.at(-1)!] = humanize(parent[keys.at(-1)!]);
  }
  for (const webhook of copy.webhooks as Tree[]) presentFields(webhook, webhookSpec.fields);
  for (const provider of copy.tokenProviders as Tree[]) presentFields(provider, tokenProviderSpec.common);
  return copy;
}
