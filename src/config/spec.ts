/**
 * A small declarative spec for the objects inside config lists (webhooks, token providers) and
 * their nested blocks. Convict validates scalars well but treats an array of objects as one opaque
 * value; this walks each item so an error can name `webhooks[2].url`, and fills item defaults.
 */
import { readFileSync } from 'node:fs';
import { ConfigValueError, isPlainObject } from './formats.js';

export interface FieldSpec {
  doc: string;
  check?: (value: unknown) => unknown;
  /** A nested object with its own fields. */
  object?: ObjectSpec;
  default?: unknown;
  required?: boolean;
  /** Masked in output; may also be given as `<name>File` (a path whose content is the value). */
  sensitive?: boolean;
  nullable?: boolean;
}

export interface ObjectSpec {
  fields: Record<string, FieldSpec>;
  /** Cross-field checks run after the fields; return problems as [relativePath, message]. */
  refine?: (value: Record<string, unknown>) => Array<[string, string]>;
}

/** A list whose items pick their spec by a discriminating key (e.g. `kind`). */
export interface VariantListSpec {
  key: string;
  common: Record<string, FieldSpec>;
  variants: Record<string, ObjectSpec>;
}

export interface ConfigIssue {
  path: string;
  message: string;
}

function joinPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function cloneDefault(value: unknown): unknown {
  return value === undefined ? undefined : structuredClone(value);
}

export function validateObject(
  input: unknown,
  spec: ObjectSpec,
  path: string,
  issues: ConfigIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(input)) {
    issues.push({ path, message: 'must be an object (a YAML mapping)' });
    return out;
  }
  const fileKeys = new Set(
    Object.entries(spec.fields)
      .filter(([, f]) => f.sensitive)
      .map(([k]) => `${k}File`),
  );
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(spec.fields, key) && !fileKeys.has(key)) {
      issues.push({ path: joinPath(path, key), message: 'unknown key' });
    }
  }
  for (const [key, field] of Object.entries(spec.fields)) {
    const keyPath = joinPath(path, key);
    let value = input[key];
    if (value === undefined && field.sensitive && typeof input[`${key}File`] === 'string') {
      const file = input[`${key}File`] as string;
      try {
        value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        issues.push({
          path: `${keyPath}File`,
          message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`,
        });
        continue;
      }
    }
    if (value === undefined) {
      if (field.required) {
        issues.push({ path: keyPath, message: 'is required' });
        continue;
      }
      if (field.object && field.default !== null) {
        out[key] = validateObject(field.default ?? {}, field.object, keyPath, issues);
        continue;
      }
      out[key] = cloneDefault(field.default);
      continue;
    }
    if (value === null && field.nullable) {
      out[key] = null;
      continue;
    }
    if (field.object) {
      out[key] = validateObject(value, field.object, keyPath, issues);
      continue;
    }
    try {
      out[key] = field.check ? field.check(value) : value;
    } catch (err) {
      if (!(err instanceof ConfigValueError)) throw err;
      issues.push({ path: keyPath, message: err.message });
    }
  }
  if (spec.refine) {
    for (const [rel, message] of spec.refine(out)) issues.push({ path: joinPath(path, rel), message });
  }
  return out;
}

export function validateList(
  input: unknown,
  itemSpec: ObjectSpec | VariantListSpec,
  path: string,
  issues: ConfigIssue[],
): Array<Record<string, unknown>> {
  if (!Array.isArray(input)) {
    issues.push({ path, message: 'must be a list' });
    return [];
  }
  return input.map((item, i) => {
    const itemPath = `${path}[${i}]`;
    if (!('variants' in itemSpec)) return validateObject(item, itemSpec, itemPath, issues);
    const kind = isPlainObject(item) ? item[itemSpec.key] : undefined;
    const variant =
      typeof kind === 'string' && Object.hasOwn(itemSpec.variants, kind)
        ? itemSpec.variants[kind]
        : undefined;
    if (!variant) {
      const kinds = Object.keys(itemSpec.variants)
        .map((k) => `"${k}"`)
        .join(', ');
      issues.push({ path: `${itemPath}.${itemSpec.key}`, message: `must be one of ${kinds}` });
      return {};
    }
    return validateObject(
      item,
      { fields: { ...itemSpec.common, ...variant.fields }, refine: variant.refine },
      itemPath,
      issues,
    );
  });
}

/** Ids in a list must be unique; reports the later duplicates. */
export function checkUniqueIds(
  items: Array<Record<string, unknown>>,
  path: string,
  issues: ConfigIssue[],
): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    if (item.id === undefined) return;
    const first = seen.get(item.id);
    if (first !== undefined) {
      issues.push({
        path: `${path}[${i}].id`,
        message: `duplicate id "${String(item.id)}" (also ${path}[${first}])`,
      });
    } else seen.set(item.id, i);
  });
}

/** Paths (relative, dot-separated) of every sensitive field in a spec, for masking and log redaction. */
export function sensitivePaths(spec: ObjectSpec | VariantListSpec): string[] {
  const fieldsets =
    'variants' in spec ? [spec.common, ...Object.values(spec.variants).map((v) => v.fields)] : [spec.fields];
  const paths = new Set<string>();
  for (const fields of fieldsets) {
    for (const [key, field] of Object.entries(fields)) {
      if (field.sensitive) paths.add(key);
      if (field.object) for (const sub of sensitivePaths(field.object)) paths.add(`${key}.${sub}`);
    }
  }
  return [...paths];
}
