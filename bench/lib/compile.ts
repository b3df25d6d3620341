/**
 * Transpiles the bench's child programs (receiver, publisher, systems 1 and 2 and what they
 * import) to plain ESM JavaScript in bench/.cache/js, so measured processes run under plain node
 * without a TypeScript loader. esbuild comes with tsx; no bundling: dependencies resolve from the
 * repo's node_modules.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ENTRIES = [
  'receiver.ts',
  'trace-sink.ts',
  'publisher.ts',
  'lib/message.ts',
  'lib/rpc.ts',
  'lib/stats.ts',
  'systems/direct.ts',
  'systems/naive-bullmq.ts',
];

export async function compileChildren(repoRoot: string): Promise<string> {
  const benchDir = join(repoRoot, 'bench');
  const outDir = join(benchDir, '.cache', 'js');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  await build({
    entryPoints: ENTRIES.map((e) => join(benchDir, e)),
    outdir: outDir,
    outbase: benchDir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'warning',
  });
  return outDir;
}
