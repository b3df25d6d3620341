// Rewrites the configuration reference in README.md from the schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../src/config/reference.js';

const readme = readFileSync('README.md', 'utf8');
const updated = withReference(readme);
if (updated !== readme) writeFileSync('README.md', updated);
console.log(
  updated === readme
    ? 'README.md configuration reference is up to date'
    : 'README.md configuration reference updated',
);
