#!/usr/bin/env node
// Links node_modules/.bin/flup-bridge to the built CLI so `npx flup-bridge ...` works inside a
// checkout after `npm ci` (npm links bins of dependencies, not of the project itself).
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';

const target = 'dist/cli/main.js';
if (!existsSync(target)) process.exit(0);
chmodSync(target, 0o755);
mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/flup-bridge', { force: true });
symlinkSync('../../dist/cli/main.js', 'node_modules/.bin/flup-bridge');
