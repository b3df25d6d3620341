/**
 * A small JSON Schema (2020-12) checker for the keywords docs/envelope.schema.json uses. Unknown
 * keywords are an error, so the schema cannot quietly rely on something this walker skips.
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'format', '$defs']);
const KEYWORDS = new Set([
  'type',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'enum',
  'pattern',
  'minLength',
  '$ref',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const walk = (schema: Schema, v: unknown, path: string): void => {
    for (const key of Object.keys(schema)) {
      if (!ANNOTATIONS.has(key) && !KEYWORDS.has(key))
        throw new Error(`schema keyword ${key} at ${path} is not supported by the test validator`);
    }
    if (typeof schema.$ref === 'string') {
      const match = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
      const target = match ? (root.$defs as Record<string, Schema>)[match[1]!] : undefined;
      if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
      walk(target, v, path);
    }
    if (schema.type !== undefined) {
      const allowed = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      const actual = typeOf(v);
      if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
        errors.push(`${path}: expected ${allowed.join('|')}, got ${actual}`);
        return;
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === v))
      errors.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`);
    if (typeof v === 'string') {
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v))
        errors.push(`${path}: "${v}" does not match ${schema.pattern}`);
      if (typeof schema.minLength === 'number' && [...v].length < schema.minLength)
        errors.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (Array.isArray(v) && schema.items)
      v.forEach((item, i) => walk(schema.items as Schema, item, `${path}[${i}]`));
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      for (const key of (schema.required as string[] | undefined) ?? [])
        if (!(key in obj)) errors.push(`${path}: missing ${key}`);
      const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
      for (const [key, child] of Object.entries(obj)) {
        if (props[key]) walk(props[key], child, `${path}.${key}`);
        else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`);
      }
    }
  };
  walk(root, value, '$');
  return errors;
}
