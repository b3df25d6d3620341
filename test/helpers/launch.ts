/**
 * `node --import tsx test/helpers/launch.ts <script.ts> [args...]` runs the script as if started
 * directly, after loading its large dependencies one by one with a JSON line on stdout for each.
 * On a loaded machine loading a child takes long but keeps making progress, so a test can guard on
 * the child's silence rather than on a total (see IngestProcess.waitUntil, shutdown.test.ts).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const stage = (name: string) =>
  process.stdout.write(`${JSON.stringify({ event: 'loading', stage: name })}\n`);

const script = process.argv[2];
if (!script) throw new Error('usage: launch.ts <script.ts> [args...]');
// The script sees the command line it would have had: argv[1] is the script itself.
process.argv.splice(1, 2, resolve(script));

stage('node');
for (const dependency of [
  'ioredis',
  'bullmq',
  'mqtt',
  'pino',
  'convict',
  'undici',
  'prom-client',
  'fastify',
]) {
  await import(dependency);
  stage(dependency);
}
await import(pathToFileURL(resolve(script)).href);
