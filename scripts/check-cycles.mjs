#!/usr/bin/env node
// Fails (exit 1) on any import cycle among the TypeScript files under a folder (default src/);
// type-only imports count too. Part of `npm run lint`; test/lint/cycles.test.ts shows it fails.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const dir = resolve(process.argv[2] ?? 'src');
const tsConfig = fileURLToPath(import.meta.resolve('../tsconfig.json'));
const result = await madge(dir, { fileExtensions: ['ts'], tsConfig });
const cycles = result.circular();
if (cycles.length > 0) {
  console.error(`${cycles.length} import cycle(s) under ${dir}:`);
  for (const cycle of cycles) console.error(`  ${[...cycle, cycle[0]].join(' > ')}`);
  process.exit(1);
}
console.log(`no import cycles under ${dir} (${Object.keys(result.obj()).length} files)`);
