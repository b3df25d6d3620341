/**
 * A settings leaf as this project writes it (convict's doc, default, env, sensitive; `check`
 * doubles as convict's format), the tree of them, and the duration leaf most sections use.
 */
import { parseDuration } from '../formats.js';
import type { ObjectSpec, VariantListSpec } from '../spec.js';

/** A convict leaf as this project writes it; `check` doubles as convict's format. */
export interface LeafSchema {
  doc: string;
  default: unknown;
  check: (value: unknown) => unknown;
  env?: string;
  sensitive?: boolean;
  /** Lists of objects validated per item. */
  items?: ObjectSpec | VariantListSpec;
}

export type SchemaTree = { [key: string]: LeafSchema | SchemaTree };

export function isLeaf(node: LeafSchema | SchemaTree): node is LeafSchema {
  return typeof (node as LeafSchema).check === 'function' && 'doc' in node;
}

export const duration = (doc: string, def: string): LeafSchema => ({
  doc,
  default: parseDuration(def),
  check: parseDuration,
});
