/**
 * YAML numbers where a duration belongs. parseDuration takes a JS number as milliseconds (schema
 * defaults, programmatic overrides), so the file is checked here, where its values are still
 * apart from the rest: `timeout: 5` in a file is an error naming the key, never 5 ms.
 */
import { checkDurationList, isPlainObject, parseDuration, unitlessNumberMessage } from './formats.js';
import { isLeaf, type SchemaTree } from './schema/index.js';
import type { ConfigIssue, FieldSpec, ObjectSpec, VariantListSpec } from './spec.js';

type Check = ((value: unknown) => unknown) | undefined;

function numbersIn(value: unknown, check: Check, path: string, issues: ConfigIssue[]): void {
  if (check === parseDuration && typeof value === 'number' && value !== 0) {
    issues.push({ path, message: unitlessNumberMessage(value) });
  } else if (check === checkDurationList && Array.isArray(value)) {
    value.forEach((v, i) => numbersIn(v, parseDuration, `${path}[${i}]`, issues));
  }
}

function inFields(input: unknown, fields: Record<string, FieldSpec>, path: string, issues: ConfigIssue[]) {
  if (!isPlainObject(input)) return;
  for (const [key, field] of Object.entries(fields)) {
    const value = input[key];
    const keyPath = `${path}.${key}`;
    if (field.object) inFields(value, field.object.fields, keyPath, issues);
    else numbersIn(value, field.check, keyPath, issues);
  }
}

function inList(input: unknown, spec: ObjectSpec | VariantListSpec, path: string, issues: ConfigIssue[]) {
  if (!Array.isArray(input)) return;
  input.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    if ('fields' in spec) return inFields(item, spec.fields, itemPath, issues);
    inFields(item, spec.common, itemPath, issues);
    const kind = isPlainObject(item) ? String(item[spec.key]) : undefined;
    // Own keys only: a kind named `constructor` or `__proto__` is no variant (and an unknown kind).
    const variant =
      kind !== undefined && Object.hasOwn(spec.variants, kind) ? spec.variants[kind] : undefined;
    if (variant) inFields(item, variant.fields, itemPath, issues);
  });
}

/** One issue per YAML number given for a duration key, naming the key. */
export function unitlessDurations(
  input: Record<string, unknown>,
  tree: SchemaTree,
  prefix = '',
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const value = input[key];
    if (value === undefined) continue;
    if (!isLeaf(node)) {
      if (isPlainObject(value)) issues.push(...unitlessDurations(value, node, path));
    } else if (node.items) inList(value, node.items, path, issues);
    else numbersIn(value, node.check, path, issues);
  }
  return issues;
}
