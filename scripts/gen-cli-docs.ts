// Rewrites the command line reference in README.md from the command table (src/cli/registry.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { withCliReference } from '../src/cli/help.js';

const readme = readFileSync('README.md', 'utf8');
const updated = withCliReference(readme);
if (updated !== readme) writeFileSync('README.md', updated);
console.log(updated === readme ? 'README.md CLI reference is up to date' : 'README.md CLI reference updated');
