/**
 * The one configuration schema: convict for the tree of scalar settings (doc, default, env var,
 * sensitive), and item specs for the lists of objects. The README reference and the masking of
 * secrets are generated from here. One file per part of the tree; this one puts them in order.
 */
import { checkEnum } from '../formats.js';
import { isLeaf, type LeafSchema, type SchemaTree } from './leaf.js';
import { redisSettings } from './redis.js';
import { sourceSettings } from './source.js';
import { pipelineSettings } from './pipeline.js';
import { operationsSettings } from './operations.js';
import { webhookSpec } from './webhook.js';
import { tokenProviderSpec } from './token-providers.js';

export { isLeaf, type LeafSchema, type SchemaTree } from './leaf.js';
export { DEFAULT_REDIS_URL } from './checks.js';
export { webhookSpec } from './webhook.js';
export { tokenProviderSpec } from './token-providers.js';

/** In the order of the README reference and config/example.yaml. */
export const schema: SchemaTree = {
  role: {
    doc: 'What this process runs: all, ingest (MQTT → Redis) or worker (Redis → webhooks).',
    default: 'all',
    check: checkEnum(['all', 'ingest', 'worker']),
    env: 'FLUP_ROLE',
  },
  ...redisSettings,
  ...sourceSettings,
  ...pipelineSettings,
  webhooks: {
    doc: 'Where messages go; see the webhook keys below.',
    default: [],
    check: (v) => v,
    items: webhookSpec,
  },
  tokenProviders: {
    doc: 'Outbound credentials webhooks can use; see the provider keys below.',
    default: [],
    check: (v) => v,
    items: tokenProviderSpec,
  },
  ...operationsSettings,
};

/** Env var names for leaves that do not set one: FLUP_ + the path in upper snake case. */
export function envName(path: string): string {
  return (
    'FLUP_' +
    path
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

export function* leaves(tree: SchemaTree = schema, prefix = ''): Generator<[string, LeafSchema]> {
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isLeaf(node)) yield [path, node];
    else yield* leaves(node, path);
  }
}
