#!/usr/bin/env node
// `npm run build` step: tsc emits only .js, so the Lua scripts are copied next to their loader
// (src/redis/scripts/*.lua -> dist/redis/scripts/), where loadScript() reads them.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

const from = 'src/redis/scripts';
const to = 'dist/redis/scripts';
const files = readdirSync(from).filter((f) => f.endsWith('.lua'));
mkdirSync(to, { recursive: true });
for (const file of files) cpSync(`${from}/${file}`, `${to}/${file}`);
console.log(`copied ${files.length} Lua scripts to ${to}`);
