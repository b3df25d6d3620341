import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../../src/cli/registry.js';
import { main } from '../../src/cli/main.js';

/** In process (main() with captured output): the machine may be busy, spawning 30 CLIs is slow. */
function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (c: string) => ((stdout += c), true) } as unknown as typeof process.stdout,
    stderr: { write: (c: string) => ((stderr += c), true) } as unknown as typeof process.stderr,
  };
  return main(args, io).then((code) => ({ code, stdout, stderr }));
}

test('help <command> and <command> --help print that command with all its options', async () => {
  const dlq = await cli(['help', 'dlq']);
  assert.equal(dlq.code, 0, dlq.stderr);
  assert.match(dlq.stdout, /^Usage: flup-bridge dlq list/);
  for (const option of ['--json', '--since T', '--webhook W', '--all', '--config FILE']) {
    assert.ok(dlq.stdout.includes(option), `dlq help lists ${option}:\n${dlq.stdout}`);
  }
  assert.match(dlq.stdout, /flup-bridge dlq purge \(--webhook W \| --all\) \[--since T\]/);
  assert.equal((await cli(['dlq', '--help'])).stdout, dlq.stdout);
  assert.equal((await cli(['dlq', 'list', '-h'])).stdout, dlq.stdout);
  const run = await cli(['help', 'run']);
  assert.match(run.stdout, /--role ROLE +all \(default\), ingest or worker/);
  assert.doesNotMatch(run.stdout, /Commands:/, 'not the general help');
  assert.equal((await cli(['help', 'banana'])).code, 2);
});

test('README: the general help and every command help, as the CLI prints them', async () => {
  const readme = readFileSync('README.md', 'utf8');
  const general = (await cli(['--help'])).stdout.trimEnd().replace(/^flup-bridge [^:]+:/, 'flup-bridge:');
  assert.ok(readme.includes(general), 'README lacks the output of --help: run npm run docs:cli');
  for (const name of Object.keys(COMMANDS)) {
    const help = await cli([name, '--help']);
    assert.equal(help.code, 0);
    assert.ok(
      readme.includes('```text\n' + help.stdout.trimEnd() + '\n```'),
      `README lacks the output of flup-bridge ${name} --help: run npm run docs:cli`,
    );
  }
});

test('unknown options are usage errors (exit 2) in every command', async () => {
  for (const name of Object.keys(COMMANDS)) {
    const { code, stderr } = await cli([name, '--bogus']);
    assert.equal(code, 2, `${name} --bogus: ${stderr}`);
    assert.match(
      stderr,
      new RegExp(`flup-bridge ${name}: unknown option --bogus \\(see: flup-bridge ${name} --help\\)`),
    );
  }
  const secret = await cli(['secret', '--bogus']);
  assert.equal(secret.stdout, '', 'no secret printed');
  assert.equal((await cli(['secret', 'extra'])).code, 2);
  assert.equal((await cli(['secret', '--asymmetric=yes'])).code, 2);
});

test('run --role banana is a usage error (2), not a configuration error (78), as a process', () => {
  const { code, stderr } = runCli(['run', '--role', 'banana']);
  assert.equal(code, 2, stderr);
  assert.match(stderr, /--role must be all, ingest or worker \(got "banana"\)/);
});
