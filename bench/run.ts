/**
 * `npm run bench`: flup-bridge against a direct forwarder, a naive BullMQ bridge and Node-RED, on
 * loopback, in one run. Starts mosquitto, redis-server (AOF off), the receiver and the publisher,
 * runs every cell (repeats interleaved so drift hits every system alike), then writes raw JSON to
 * bench/results/, and docs/BENCHMARKS.md (generated section) and docs/bench-chart.svg.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_SYSTEMS, parseBenchArgs, USAGE, type BenchOptions } from './lib/args.js';
import { runCell, type CellResult, type Harness, type Scenario } from './lib/cell.js';
import { compileChildren } from './lib/compile.js';
import { startMosquitto, startRedis, startRedisReplica, type Server } from './lib/infra.js';
import { forkTracked, installExitHandlers, killAllNow, stopProcess } from './lib/procs.js';
import { writeReport } from './lib/report.js';
import { topicFilterFor } from './lib/message.js';
import { call } from './lib/rpc.js';
import { damonState, pauseDamon } from './lib/damon.js';
import { machineInfo, type MachineInfo } from './lib/machine.js';
import { direct, naiveBullmq } from './systems/child.js';
import { flupRunner } from './systems/flup.js';
import { flupSystems } from './systems/flup-variants.js';
import { startVariantInfra, type VariantInfra } from './lib/variant-infra.js';
import { ensureNodeRed, nodeRed } from './systems/node-red.js';
import type { SystemSpec } from './systems/types.js';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface BenchRun {
  startedAt: string;
  endedAt: string;
  wallSeconds: number;
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  systems: { id: string; label: string }[];
  cells: CellResult[];
}

function scenariosOf(options: BenchOptions): Scenario[] {
  const out: Scenario[] = [];
  for (const id of options.scenarios) {
    if (id === 'burst') out.push({ id, count: options.burstCount, rate: 0, endpoints: 1 });
    if (id === 'steady')
      out.push({
        id,
        count: options.steadyRate * options.steadySeconds,
        rate: options.steadyRate,
        endpoints: 1,
      });
    if (id === 'fanout')
      out.push({ id, count: options.fanoutCount, rate: 0, endpoints: options.fanoutEndpoints });
    if (id === 'steady-fanout')
      out.push({
        id,
        count: options.steadyRate * options.steadySeconds,
        rate: options.steadyRate,
        endpoints: options.fanoutEndpoints,
      });
  }
  return out;
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function describe(r: CellResult): string {
  const base = `${r.complete}/${r.expected}${r.finished ? '' : ' (INCOMPLETE)'} in ${fmt(r.durationMs / 1000, 2)} s`;
  const rate = `${fmt(r.msgPerSec)} msg/s`;
  const lat = `p50 ${fmt(r.latencyMs.p50, 1)} p99 ${fmt(r.latencyMs.p99, 1)} max ${fmt(r.latencyMs.max, 1)} ms`;
  const res = `RSS ${fmt(r.peakRssMb)} MB, CPU ${fmt(r.cpuUsPerMsg)} µs/msg, redis ${fmt(r.redisCpuUsPerMsg)} µs/msg, redis memory +${fmt(r.redisMemBytesPerMsg)} B/msg`;
  const dup = r.duplicates ? `, ${r.duplicates} duplicates` : '';
  const ingest = r.ingestDoneMs ? `, stored in Redis after ${fmt(r.ingestDoneMs / 1000, 2)} s` : '';
  const per =
    r.cpuUsPerMsgByProcess.length > 1 ? ` [${r.cpuUsPerMsgByProcess.map((v) => fmt(v)).join('+')}]` : '';
  const v1a = r.signedV1a ? `, ${r.signedV1a} v1a-signed` : '';
  const traces = r.traceExport
    ? `, OTLP ${r.traceExport.requests} requests ${fmt(r.traceExport.bytes / 1024)} KiB`
    : '';
  return `${base}: ${rate}, ${lat}, ${res}${per}${ingest}${dup}${v1a}${traces} (load ${fmt(r.loadAvg, 1)})`;
}

/** runCell, with what a variant needs around it (the trace sink's counters, its checks). */
async function runVariantCell(
  h: Harness,
  extras: VariantInfra,
  system: SystemSpec,
  scenario: Scenario,
  repeat: number,
): Promise<CellResult> {
  await extras.beforeCell(system);
  const result = await runCell(h, system, scenario, repeat);
  await extras.afterCell(system, result);
  return result;
}

async function main(): Promise<number> {
  let parsed: BenchOptions | 'help';
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 64;
  }
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  if (options.from) {
    const run = JSON.parse(readFileSync(resolve(options.from), 'utf8')) as BenchRun;
    run.options = { ...run.options, reportFile: options.reportFile, chartFile: options.chartFile };
    console.log(`report: ${(await writeReport(run, repoRoot)).join(', ')}`);
    return 0;
  }
  installExitHandlers();
  let damon = damonState();
  if (options.pauseDamon && damon === 'running') {
    // Back on at exit, however the run ends (the signal handlers exit the process too).
    process.on('exit', pauseDamon());
    damon = 'paused';
  }
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(repoRoot, 'bench', 'results');
  const workRoot = join(repoRoot, 'bench', '.cache', 'runs', stamp);
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(workRoot, { recursive: true });
  const profileDir = options.cpuProf ? join(resultsDir, 'prof', stamp) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const log = (line: string) => console.log(line);

  const wanted = new Set([
    ...options.systems,
    ...(options.scenarios.includes('soak') ? options.soakSystems : []),
  ]);
  const specs: SystemSpec[] = [
    direct,
    naiveBullmq,
    nodeRed,
    ...flupSystems(repoRoot, {
      runner: options.flupRunner,
      webhook: options.flupWebhook,
      ingest: options.flupIngest,
      redis: options.minReplicas > 0 ? { minReplicas: options.minReplicas } : {},
      distDir: options.flupDist,
      baseDist: options.baseDist,
    }),
  ].filter((s) => wanted.has(s.id));
  specs.sort((a, b) => ALL_SYSTEMS.indexOf(a.id as never) - ALL_SYSTEMS.indexOf(b.id as never));
  const nodeRedVersion = wanted.has('nodered') ? await ensureNodeRed(repoRoot) : undefined;
  const runner = flupRunner(repoRoot, options.flupRunner);

  log('compiling child programs ...');
  const jsDir = await compileChildren(repoRoot);
  const servers: Server[] = [];
  const children = [];
  let extras: VariantInfra | undefined;
  try {
    const redis = await startRedis();
    servers.push(redis);
    for (let i = 0; i < options.minReplicas; i++) servers.push(await startRedisReplica(redis));
    const mosquitto = await startMosquitto({ maxInflight: options.inflight });
    servers.push(mosquitto);
    const receiver = forkTracked('receiver', join(jsDir, 'receiver.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(receiver);
    const publisher = forkTracked('publisher', join(jsDir, 'publisher.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(publisher);
    const { ports } = await call<{ ports: number[] }>(receiver, 'listen', {
      endpoints: options.fanoutEndpoints,
    });
    await call(publisher, 'connect', {
      url: mosquitto.url,
      payload: options.payload,
      flights: options.flights,
    });
    extras = await startVariantInfra(specs, jsDir);
    const machine = machineInfo({
      nodeRedVersion,
      flupRunner: options.flupDist ? `dist:${options.flupDist}` : runner,
      damon,
    });
    log(
      `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB; node ${machine.node}; DAMON ${damon}`,
    );
    log(
      `redis ${redis.url} (AOF off, no RDB), mosquitto ${mosquitto.url} (max_inflight_messages ${options.inflight})`,
    );
    for (const line of extras.describe) log(line);

    const h: Harness = {
      mqttUrl: mosquitto.url,
      redisUrl: redis.url,
      redisPid: redis.pid,
      replicated: extras.replicated,
      traceSinkUrl: extras.traceSinkUrl,
      lufthansa: extras.lufthansa,
      mosquittoPid: mosquitto.pid,
      receiver,
      publisher,
      receiverPorts: ports,
      jsDir,
      repoRoot,
      workRoot,
      window: options.window,
      warmup: options.warmup,
      topic: topicFilterFor(options.payload),
      profileDir,
      log,
    };

    const cells: CellResult[] = [];
    const scenarios = scenariosOf(options);
    const matrix = specs.filter((s) => options.systems.includes(s.id));
    const total = options.repeats * scenarios.length * matrix.length;
    let n = 0;
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      for (const scenario of scenarios) {
        for (const system of matrix) {
          n += 1;
          const label = `[${n}/${total}] ${scenario.id} × ${system.id} #${repeat}`;
          try {
            const result = await runVariantCell(h, extras, system, scenario, repeat);
            cells.push(result);
            log(`${label}: ${result.error ? `FAILED: ${result.error}; ` : ''}${describe(result)}`);
          } catch (err) {
            log(`${label}: FAILED: ${(err as Error).message}`);
            cells.push({
              system: system.id,
              scenario: scenario.id,
              repeat,
              error: (err as Error).message,
            } as CellResult);
          }
        }
      }
    }
    if (options.scenarios.includes('soak')) {
      for (const system of specs.filter((s) => options.soakSystems.includes(s.id))) {
        const soak: Scenario = {
          id: 'soak',
          count: options.soakRate * options.soakSeconds,
          rate: options.soakRate,
          endpoints: 1,
          rssEveryMs: options.soakEverySeconds * 1000,
        };
        log(`soak × ${system.id}: ${options.soakSeconds} s at ${options.soakRate} msg/s`);
        try {
          const result = await runVariantCell(h, extras, system, soak, 1);
          cells.push(result);
          log(`soak × ${system.id}: ${describe(result)}`);
        } catch (err) {
          log(`soak × ${system.id}: FAILED: ${(err as Error).message}`);
          cells.push({
            system: system.id,
            scenario: 'soak',
            repeat: 1,
            error: (err as Error).message,
          } as CellResult);
        }
      }
    }

    const ended = new Date();
    const run: BenchRun = {
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      wallSeconds: Math.round((ended.getTime() - started.getTime()) / 1000),
      command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
      options,
      machine,
      systems: specs.map((s) => ({ id: s.id, label: s.label })),
      cells,
    };
    const rawFile = join(resultsDir, `bench-${stamp}.json`);
    writeFileSync(rawFile, JSON.stringify(run, null, 2));
    log(`raw results: ${rawFile}`);
    if (options.report) {
      const files = await writeReport(run, repoRoot);
      log(`report: ${files.join(', ')}`);
    }
    return cells.some((c) => c.error) ? 1 : 0;
  } finally {
    await extras?.stop();
    for (const child of children) {
      await call(child, 'stop', {}, 3000).catch(() => undefined);
      await stopProcess(child, 2000);
    }
    for (const server of servers.reverse()) await server.stop();
    killAllNow();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err);
    killAllNow();
    process.exit(1);
  },
);
