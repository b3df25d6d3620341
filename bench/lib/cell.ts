/**
 * One cell = one system × one scenario × one repeat, on fresh system processes:
 * start → probe until a message gets through end to end → warm-up burst → measured run → stop.
 * Every wait is bounded by a deadline and a stall timeout.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { Redis } from 'ioredis';
import type { PublishResult } from '../publisher.js';
import type { ReceiverProgress, ReceiverResult } from '../receiver.js';
import type { ScenarioId } from './args.js';
import { redisUsedMemory } from './infra.js';
import { ResourceSampler } from './procs.js';
import { call } from './rpc.js';
import type { Percentiles } from './stats.js';
import type { LufthansaApi, RunningSystem, StartContext, SystemSpec } from '../systems/types.js';

export interface Scenario {
  id: ScenarioId;
  count: number;
  /** msg/s; 0 = burst. */
  rate: number;
  endpoints: number;
  /** Soak only: record RSS this often. */
  rssEveryMs?: number;
}

export interface CellResult {
  system: string;
  scenario: ScenarioId;
  repeat: number;
  cell: string;
  expected: number;
  endpoints: number;
  /** Deliveries received (all endpoints), and messages every endpoint received. */
  delivered: number;
  complete: number;
  duplicates: number;
  stale: number;
  finished: boolean;
  /** First send → last arrival. */
  durationMs: number;
  msgPerSec: number;
  deliveriesPerSec: number;
  publish: PublishResult;
  latencyMs: Percentiles;
  peakRssMb: number;
  /** RSS of the system's processes after warm-up, just before the measured run. */
  startRssMb: number;
  cpuMs: number;
  cpuUsPerMsg: number;
  redisCpuUsPerMsg: number;
  mosquittoCpuUsPerMsg: number;
  redisPeakRssMb: number;
  /** Growth of Redis used_memory from the start of the measured run to its end, per message. */
  redisMemBytesPerMsg: number;
  counters?: Record<string, number>;
  rssTimeline?: { atS: number; rssMb: number }[];
  /** 1-minute load average when the measured run started (other work on the machine). */
  loadAvg: number;
  /** flup-bridge: first publish → every message acked (stored in Redis), to ~250 ms. */
  ingestDoneMs?: number;
  /** CPU µs per message of each system process (same order as the system's PIDs). */
  cpuUsPerMsgByProcess: number[];
  /** Measured requests that carried a v1a (ed25519) signature. */
  signedV1a?: number;
  /** Systems with tracing: what the OTLP sink received during the cell (warm-up included). */
  traceExport?: { requests: number; bytes: number };
  error?: string;
}

export interface Harness {
  mqttUrl: string;
  redisUrl: string;
  redisPid: number;
  /** The second Redis master (with one replica) for systems with redis: replicated. */
  replicated?: { url: string; pid: number };
  traceSinkUrl?: string;
  lufthansa?: LufthansaApi;
  mosquittoPid: number;
  receiver: ChildProcess;
  publisher: ChildProcess;
  receiverPorts: number[];
  jsDir: string;
  repoRoot: string;
  workRoot: string;
  window: number;
  /** The topic filter the systems subscribe to (bench/lib/message.ts topicFilterFor). */
  topic: string;
  warmup: number;
  profileDir?: string;
  log(line: string): void;
}

const MB = 1024 * 1024;
let probeSeq = 1_000_000;

async function flushRedis(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

/** Removes a client's persistent session (and its queued messages) from the broker. */
async function wipeSessions(mqttUrl: string, clientIds: string[]): Promise<void> {
  for (const clientId of clientIds) {
    const client = mqtt.connect(mqttUrl, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
    await new Promise<void>((resolve) => {
      const done = () => client.end(true, {}, () => resolve());
      client.once('connect', done);
      client.once('error', done);
      setTimeout(done, 5000);
    });
  }
}

function progress(h: Harness): Promise<ReceiverProgress> {
  return call<ReceiverProgress>(h.receiver, 'progress');
}

/** Publishes one warm-up message every 250 ms until every endpoint has received one. */
async function probe(h: Harness, run: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await call(h.publisher, 'publish', {
      count: 1,
      rate: 0,
      run,
      warmup: true,
      from: probeSeq++,
      maxMs: 5000,
    });
    await sleep(250);
    const p = await progress(h);
    if (p.warmup.every((n) => n > 0)) return;
  }
  throw new Error(`no message reached the receiver within ${timeoutMs} ms of starting the system`);
}

/** Polls until every endpoint counted `target` (field), nothing moved for stallMs, or the deadline. */
async function waitDelivered(
  h: Harness,
  pick: (p: ReceiverProgress) => number[],
  target: number,
  deadlineAt: number,
  stallMs: number,
  publishing: () => boolean,
): Promise<boolean> {
  let last = -1;
  let lastMoveAt = Date.now();
  while (Date.now() < deadlineAt) {
    const counts = pick(await progress(h));
    if (counts.every((n) => n >= target)) return true;
    const total = counts.reduce((a, b) => a + b, 0);
    if (total !== last) {
      last = total;
      lastMoveAt = Date.now();
    } else if (!publishing() && Date.now() - lastMoveAt > stallMs) {
      return false;
    }
    await sleep(100);
  }
  return false;
}

export async function runCell(
  h: Harness,
  system: SystemSpec,
  scenario: Scenario,
  repeat: number,
): Promise<CellResult> {
  const cell = `${system.id}-${scenario.id}-${repeat}-${Date.now().toString(36)}`;
  const workDir = join(h.workRoot, cell);
  mkdirSync(workDir, { recursive: true });
  const redis = system.redis === 'replicated' ? h.replicated : { url: h.redisUrl, pid: h.redisPid };
  if (!redis) throw new Error(`${system.id} needs the replicated Redis, which the harness did not start`);
  await flushRedis(redis.url);
  const targets = h.receiverPorts.slice(0, scenario.endpoints).map((p) => `http://127.0.0.1:${p}/hook`);
  const ctx: StartContext = {
    mqttUrl: h.mqttUrl,
    redisUrl: redis.url,
    targets,
    cell,
    workDir,
    topic: h.topic,
    jsDir: h.jsDir,
    repoRoot: h.repoRoot,
    profileDir: h.profileDir,
    traceSinkUrl: h.traceSinkUrl,
    lufthansa: h.lufthansa,
  };
  await call(h.receiver, 'reset', { expected: 0, run: cell, endpoints: scenario.endpoints });
  let running: RunningSystem | undefined;
  try {
    running = await system.start(ctx);
    await probe(h, cell, 60_000);

    if (h.warmup > 0) {
      await call(h.receiver, 'reset', { expected: 0, run: cell, endpoints: scenario.endpoints });
      const warm = call<PublishResult>(
        h.publisher,
        'publish',
        {
          count: h.warmup,
          rate: 0,
          window: h.window,
          run: cell,
          warmup: true,
          from: probeSeq,
          maxMs: 60_000,
        },
        70_000,
      );
      probeSeq += h.warmup;
      await warm;
      await waitDelivered(
        h,
        (p) => p.warmup,
        h.warmup,
        Date.now() + 60_000,
        15_000,
        () => false,
      );
    }

    await call(h.receiver, 'reset', { expected: scenario.count, run: cell, endpoints: scenario.endpoints });
    const loadAvg = os.loadavg()[0]!;
    const usedMemoryBefore = await redisUsedMemory(redis.url);
    const sampler = new ResourceSampler(running.pids, 200);
    const startRssMb = sampler.rssNow() / MB;
    const redisSampler = new ResourceSampler([redis.pid], 1000);
    const mosquittoSampler = new ResourceSampler([h.mosquittoPid], 1000);
    const timeline: { atS: number; rssMb: number }[] = [];
    const t0 = Date.now();
    const rssTimer = scenario.rssEveryMs
      ? setInterval(() => {
          const rssMb = sampler.rssNow() / MB;
          const atS = Math.round((Date.now() - t0) / 1000);
          timeline.push({ atS, rssMb });
          h.log(`    soak ${atS}s: RSS ${rssMb.toFixed(1)} MB`);
        }, scenario.rssEveryMs)
      : undefined;

    const expectedMs = scenario.rate > 0 ? (scenario.count / scenario.rate) * 1000 : 0;
    const maxMs = scenario.rate > 0 ? expectedMs + 60_000 : 180_000;
    // flup-bridge: when did Redis hold every message (acked to the broker)? Polled from /metrics.
    // Bursts only: scraping /metrics costs the bridge CPU that would skew latency at a steady rate.
    const ackedBase =
      scenario.rate === 0 ? (await running.counters?.())?.flup_messages_acked_total : undefined;
    let ingestDoneMs: number | undefined;
    const publishStart = Date.now();
    // Stops once every message is acked: a scrape costs the bridge CPU that the
    // other systems do not pay, so none while the rest of the burst is delivered.
    const ackPoll =
      ackedBase === undefined
        ? undefined
        : setInterval(() => {
            void running!.counters!().then((c) => {
              const acked = (c.flup_messages_acked_total ?? 0) - ackedBase;
              if (ingestDoneMs === undefined && acked >= scenario.count) {
                ingestDoneMs = Date.now() - publishStart;
                clearInterval(ackPoll);
              }
            });
          }, 250);
    let publishing = true;
    const published = call<PublishResult>(
      h.publisher,
      'publish',
      { count: scenario.count, rate: scenario.rate, window: h.window, run: cell, maxMs },
      maxMs + 10_000,
    ).finally(() => (publishing = false));
    const finished = await waitDelivered(
      h,
      (p) => p.counts,
      scenario.count,
      Date.now() + maxMs + 30_000,
      20_000,
      () => publishing,
    );
    if (ackPoll) clearInterval(ackPoll);
    const publish = await published;
    if (rssTimer) clearInterval(rssTimer);
    const cpuByPid = running.pids.map((pid) => sampler.cpuOf(pid));
    const cpuMs = sampler.stop();
    const redisCpu = redisSampler.stop();
    const mosquittoCpu = mosquittoSampler.stop();
    const result = await call<ReceiverResult>(h.receiver, 'result');
    const usedMemoryAfter = await redisUsedMemory(redis.url);
    const counters = await running.counters?.();
    const delivered = result.counts.reduce((a, b) => a + b, 0);
    const durationMs = Math.max(1, result.lastArrivalAt - result.firstSentAt);
    const perMsg = (ms: number) => (ms * 1000) / scenario.count;
    return {
      system: system.id,
      scenario: scenario.id,
      repeat,
      cell,
      expected: scenario.count,
      endpoints: scenario.endpoints,
      delivered,
      complete: result.complete,
      duplicates: result.duplicates,
      stale: result.stale,
      finished,
      durationMs,
      msgPerSec: (result.complete * 1000) / durationMs,
      deliveriesPerSec: (delivered * 1000) / durationMs,
      publish,
      latencyMs: result.latencyMs,
      peakRssMb: sampler.peakRssBytes / MB,
      startRssMb,
      cpuMs,
      cpuUsPerMsg: perMsg(cpuMs),
      redisCpuUsPerMsg: perMsg(redisCpu),
      mosquittoCpuUsPerMsg: perMsg(mosquittoCpu),
      redisPeakRssMb: redisSampler.peakRssBytes / MB,
      redisMemBytesPerMsg: (usedMemoryAfter - usedMemoryBefore) / scenario.count,
      counters,
      rssTimeline: scenario.rssEveryMs ? timeline : undefined,
      loadAvg,
      ingestDoneMs,
      cpuUsPerMsgByProcess: cpuByPid.map((ms) => perMsg(ms)),
      signedV1a: result.signedV1a,
    };
  } finally {
    if (running) {
      await running.stop();
      await wipeSessions(h.mqttUrl, running.clientIds);
    }
  }
}
