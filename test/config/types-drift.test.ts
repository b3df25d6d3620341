/**
 * config/types.ts is written by hand beside the convict schema (schema.ts, the source of truth):
 * this test fails when the two trees drift apart (a key in one and not in the other).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ts from 'typescript';
import { isLeaf, schema, webhookSpec, type SchemaTree } from '../../src/config/schema/index.js';

const typesFile = join(import.meta.dirname, '../../src/config/types.ts');

/** Dotted paths of the properties of an interface in types.ts, recursing into its own interfaces. */
function typePaths(name: string): string[] {
  const program = ts.createProgram([typesFile], { strict: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(typesFile)!;
  const declaration = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
  );
  assert.ok(declaration, `interface ${name} in config/types.ts`);
  const walk = (type: ts.Type, prefix: string): string[] =>
    type.getProperties().flatMap((property) => {
      const path = prefix + property.name;
      const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration);
      const declared = propertyType.getSymbol()?.declarations?.[0];
      const ownInterface =
        declared && ts.isInterfaceDeclaration(declared) && declared.getSourceFile() === source;
      return ownInterface ? walk(propertyType, `${path}.`) : [path];
    });
  return walk(checker.getTypeAtLocation(declaration), '').sort();
}

function schemaPaths(tree: SchemaTree, prefix = ''): string[] {
  return Object.entries(tree)
    .flatMap(([key, node]) => (isLeaf(node) ? [prefix + key] : schemaPaths(node, `${prefix}${key}.`)))
    .sort();
}

test('Config in types.ts has exactly the keys of the schema', () => {
  assert.deepEqual(typePaths('Config'), schemaPaths(schema));
});

test('WebhookConfig in types.ts has exactly the fields of the webhook spec', () => {
  // load.ts turns the configured `secret` (one or a list) into `secrets`.
  const fields = Object.keys(webhookSpec.fields).map((f) => (f === 'secret' ? 'secrets' : f));
  const typeFields = typePaths('WebhookConfig').map((p) => p.split('.')[0]!);
  assert.deepEqual([...new Set(typeFields)].sort(), fields.sort());
});
