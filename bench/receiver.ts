/**
 * The webhook receiver, in its own process (forked by the harness): one node:http server per
 * endpoint on 127.0.0.1, answering 200 at once. It records, per endpoint and sequence number,
 * the arrival time and the send time read from the body. No signature check: the hot path stays a
 * regular expression and two array writes, so the receiver is never the bottleneck.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { nowMs, SEQ_PATTERN } from './lib/message.js';
import { serve } from './lib/rpc.js';
import { summarize, type Percentiles } from './lib/stats.js';

interface Endpoint {
  server: Server;
  port: number;
  arrival: Float64Array;
  count: number;
  warmup: number;
}

const endpoints: Endpoint[] = [];
let expected = 0;
let run = '';
let sent = new Float64Array(0);
let duplicates = 0;
let stale = 0;
let unparsed = 0;
let lastArrival = 0;
/** Requests carrying a v1a (ed25519) signature: shows that a whsk_ variant signed as configured. */
let signedV1a = 0;
/** Endpoints the current cell uses (the first n). */
let active: Endpoint[] = [];

function record(endpoint: Endpoint, body: string, at: number): void {
  const match = SEQ_PATTERN.exec(body);
  if (!match) {
    unparsed += 1;
    return;
  }
  const seq = Number(match[1]);
  if (seq < 0) {
    endpoint.warmup += 1;
    return;
  }
  if (seq >= expected || !body.includes(run)) {
    stale += 1;
    return;
  }
  if (endpoint.arrival[seq] !== 0) {
    duplicates += 1;
    return;
  }
  endpoint.arrival[seq] = at;
  sent[seq] = Number(match[2]);
  endpoint.count += 1;
  if (at > lastArrival) lastArrival = at;
}

function handler(endpoint: Endpoint) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      record(endpoint, body, nowMs());
      if (req.headers['webhook-signature']?.includes('v1a,')) signedV1a += 1;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  };
}

async function listen(count: number): Promise<number[]> {
  for (let i = 0; i < count; i++) {
    const endpoint = { port: 0, arrival: new Float64Array(0), count: 0, warmup: 0 } as Endpoint;
    const server = createServer({ keepAliveTimeout: 60_000 }, handler(endpoint));
    server.headersTimeout = 61_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint.server = server;
    endpoint.port = (server.address() as AddressInfo).port;
    endpoints.push(endpoint);
  }
  return endpoints.map((e) => e.port);
}

export interface ReceiverProgress {
  counts: number[];
  warmup: number[];
  duplicates: number;
  stale: number;
  unparsed: number;
  signedV1a: number;
}

export interface ReceiverResult extends ReceiverProgress {
  expected: number;
  /** Messages every endpoint received. */
  complete: number;
  /** Earliest send time among received messages, latest arrival (ms since the epoch). */
  firstSentAt: number;
  lastArrivalAt: number;
  latencyMs: Percentiles;
}

function progress(): ReceiverProgress {
  return {
    counts: active.map((e) => e.count),
    warmup: active.map((e) => e.warmup),
    duplicates,
    stale,
    unparsed,
    signedV1a,
  };
}

/**
 * Experiments only: with BENCH_LATENCY_DUMP=DIR, each cell's send times and latencies (first
 * endpoint, by sequence) go to DIR/<run>.json, to see when in a run the slow messages were sent.
 */
function dumpLatencies(): void {
  const dir = process.env.BENCH_LATENCY_DUMP;
  if (!dir || active.length === 0) return;
  const arrival = active[0]!.arrival;
  const rows: Array<[number, number]> = [];
  for (let seq = 0; seq < expected; seq++)
    if (arrival[seq]! > 0) rows.push([sent[seq]!, arrival[seq]! - sent[seq]!]);
  writeFileSync(`${dir}/${run}.json`, JSON.stringify(rows));
  writeFileSync(`${dir}/${run}.gc.json`, JSON.stringify(gcs));
}
/** The receiver's own GCs since the cell's reset ([start, ms, kind]): its pauses delay arrivals too. */
const gcs: Array<[number, number, number]> = [];
if (process.env.BENCH_LATENCY_DUMP) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gcs.push([
        performance.timeOrigin + e.startTime,
        e.duration,
        (e as unknown as { detail: { kind: number } }).detail.kind,
      ]);
  }).observe({ entryTypes: ['gc'] });
}

function result(): ReceiverResult {
  const latencies: number[] = [];
  let complete = 0;
  let firstSentAt = Infinity;
  for (let seq = 0; seq < expected; seq++) {
    let all = true;
    for (const e of active) {
      const at = e.arrival[seq]!;
      if (at === 0) {
        all = false;
        continue;
      }
      latencies.push(at - sent[seq]!);
      if (sent[seq]! < firstSentAt) firstSentAt = sent[seq]!;
    }
    if (all) complete += 1;
  }
  dumpLatencies();
  return {
    ...progress(),
    expected,
    complete,
    firstSentAt: Number.isFinite(firstSentAt) ? firstSentAt : 0,
    lastArrivalAt: lastArrival,
    latencyMs: summarize(latencies),
  };
}

serve(async (req) => {
  switch (req.cmd) {
    case 'listen':
      return { ports: await listen(Number(req.endpoints)) };
    case 'reset':
      expected = Number(req.expected);
      run = String(req.run);
      sent = new Float64Array(expected);
      active = endpoints.slice(0, Number(req.endpoints));
      for (const e of endpoints) {
        e.arrival = new Float64Array(expected);
        e.count = 0;
        e.warmup = 0;
      }
      duplicates = stale = unparsed = lastArrival = signedV1a = 0;
      gcs.length = 0;
      return {};
    case 'progress':
      return progress();
    case 'result':
      return result();
    case 'stop':
      for (const e of endpoints) e.server.closeAllConnections();
      await Promise.all(endpoints.map((e) => new Promise((resolve) => e.server.close(resolve))));
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
});
