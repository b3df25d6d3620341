/**
 * `npm run chaos [-- id ...]`: runs the fault-injection scenarios one after another and writes
 * docs/RELIABILITY.md (only for a run of the full suite, so a single scenario's rerun does not
 * replace the published table). Exit code 1 when any scenario failed.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { REPO_ROOT } from './bridge-process.js';
import type { ScenarioResult } from './harness.js';
import { reliabilityMarkdown, summaryLine } from './report.js';
import type { Scenario } from './scenario.js';
import { badConfig } from './scenarios/bad-config.js';
import { badInputDeadletter, badInputForward } from './scenarios/bad-input.js';
import { brokerRestart } from './scenarios/broker-restart.js';
import { bridgeSigkill } from './scenarios/bridge-sigkill.js';
import { flightSequenceSigkill } from './scenarios/flight-sequence.js';
import { jwtExpiry } from './scenarios/jwt-expiry.js';
import { leaderKill } from './scenarios/leader-kill.js';
import {
  receiverHangs,
  receiverOutage,
  receiverRandom5xx,
  receiverResets,
  receiverSlow,
} from './scenarios/receivers.js';
import { redisSigkill, redisSigterm } from './scenarios/redis-restart.js';
import { sentinelFailover } from './scenarios/redis-failover.js';
import { clusterFailover } from './scenarios/cluster-failover.js';

export const SCENARIOS: Scenario[] = [
  bridgeSigkill,
  redisSigterm,
  redisSigkill,
  brokerRestart,
  receiverOutage,
  receiverRandom5xx,
  receiverResets,
  receiverHangs,
  receiverSlow,
  leaderKill,
  badInputForward,
  badInputDeadletter,
  badConfig,
  jwtExpiry,
  flightSequenceSigkill,
  sentinelFailover,
  clusterFailover,
];

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]!
      .trim();
  } catch (err) {
    // mosquitto -h exits 3 but prints its version.
    const out = (err as { stdout?: string }).stdout ?? '';
    return out.split('\n')[0]?.trim() || command;
  }
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const selected =
    filters.length === 0
      ? SCENARIOS
      : SCENARIOS.filter((s) => filters.some((f) => s.id.startsWith(f) || s.id === f));
  if (selected.length === 0) {
    console.error(
      `no scenario matches ${filters.join(' ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
    return 2;
  }
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    console.log(`\n▶ ${scenario.id}: ${scenario.title} (about ${scenario.estimateSeconds} s)`);
    const started = Date.now();
    const result = await scenario.run();
    results.push(result);
    console.log(`  ${summaryLine(result)}  [${((Date.now() - started) / 1000).toFixed(0)} s]`);
    for (const note of result.notes) console.log(`    ${note}`);
    for (const failure of result.failures) console.log(`  ✗ ${failure}`);
  }
  const wallMs = Date.now() - startedAt.getTime();
  const info = {
    startedAt,
    wallMs,
    node: process.versions.node,
    redis: version('redis-server', ['--version']).replace(/ sha=.*/, ''),
    mosquitto: version('mosquitto', ['-h']),
    cpus: cpus().length,
  };
  // Formatted like the rest of the repository, so `npm run lint` (prettier --check .) stays clean.
  const docPath = join(REPO_ROOT, 'docs/RELIABILITY.md');
  const markdown = await prettier.format(reliabilityMarkdown(results, info), {
    ...(await prettier.resolveConfig(docPath)),
    filepath: docPath,
  });
  // The raw figures, to regenerate or compare reports without rerunning.
  writeFileSync(join(tmpdir(), 'flup-chaos-results.json'), JSON.stringify({ info, results }, null, 2));
  if (selected.length === SCENARIOS.length) {
    writeFileSync(docPath, markdown);
    console.log(`\nwrote docs/RELIABILITY.md (${(wallMs / 60000).toFixed(1)} min)`);
  } else {
    const path = join(tmpdir(), 'flup-chaos-last-run.md');
    writeFileSync(path, markdown);
    console.log(`\npartial run: docs/RELIABILITY.md left as it is; this run's report is in ${path}`);
  }
  const failed = results.filter((r) => r.failures.length > 0);
  console.log(
    failed.length === 0
      ? 'all scenarios passed'
      : `${failed.length} scenario(s) failed: ${failed.map((r) => r.id).join(', ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
