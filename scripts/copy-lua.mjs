#!/usr/bin/env node
// Copies every src/**/*.lua to the same place under dist/ (tsc copies only TypeScript output);
// the Lua loaders read their scripts next to the compiled module.
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

function luaFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? luaFiles(path) : name.endsWith('.lua') ? [path] : [];
  });
}

for (const file of luaFiles('src')) {
  const target = join('dist', relative('src', file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
