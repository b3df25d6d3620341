/**
 * One chaos environment: a private Redis (AOF on) and mosquitto (persistence on), a fault-capable
 * receiver, one or more bridge processes with a real configuration, and a publisher. A scenario
 * starts it, breaks things while the stream runs, waits (bounded) for the bridge to drain, and
 * gets a ScenarioResult: published, delivered (unique), duplicates, lost, dead letters, drain time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort, startMosquitto, startRedis, type ManagedServer } from '../helpers/servers.js';
import {
  startRedisCluster,
  startSentinelGroup,
  type RedisClusterTopology,
  type SentinelGroup,
} from '../helpers/redis-topology.js';
import { BridgeProcess } from './bridge-process.js';
import { QueueInspector, type DeadLetterRecord } from './dead-letters.js';
import { validMessage, type OutgoingMessage } from './payloads.js';
import { Publisher, type PublishResult } from './publisher.js';
import { ChaosReceiver } from './receiver.js';

export const WEBHOOK_ID = 'chaos';
export const WEBHOOK_SECRET = 'whsec_Y2hhb3Mtc3VpdGUtc2lnbmluZy1rZXktMzJieXRlcyE=';
export const PREFIX = 'chaos';

export type Outcome = 'delivered' | 'dead' | 'either';

/** What must become of a message of this kind under ingest.invalidPayload. */
export function expectedOutcome(kind: string, invalidPayload: 'forward' | 'deadletter'): Outcome {
  switch (kind) {
    case 'oversized':
      return 'dead';
    case 'not-json':
    case 'invalid-utf8':
    case 'binary':
    case 'empty':
      return invalidPayload === 'forward' ? 'delivered' : 'dead';
    case 'deep-json':
      // Valid JSON too deep for JSON.stringify: forwarding it or dead-lettering it with a reason
      // are both acceptable; losing it or wedging ingest on it is not.
      return 'either';
    default:
      return 'delivered';
  }
}

type Overrides = Record<string, unknown>;

export interface EnvOptions {
  /** Bridge processes sharing one Redis and one MQTT client id (leader election). */
  replicas?: number;
  redisFsync?: 'always' | 'everysec';
  /** Merged into the webhook entry. */
  webhook?: Overrides;
  ingest?: Overrides;
  /** Replaces the mqtt source (e.g. a Lufthansa source against the simulators). */
  source?: Overrides;
  delivery?: Overrides;
  /** Extra top-level keys. */
  extra?: Overrides;
  /**
   * single (default): one redis-server, AOF on; sentinel: 1 master + 1 replica + 3 sentinels;
   * cluster: 3 masters + 3 replicas.
   */
  redisTopology?: 'single' | 'sentinel' | 'cluster';
  /** More webhooks like the main one (every message goes to each), each with its own receiver. */
  extraWebhooks?: string[];
  /** Merged into the bridge's redis section (e.g. minReplicas). */
  redis?: Overrides;
}

export interface ScenarioResult {
  id: string;
  title: string;
  published: number;
  delivered: number;
  duplicates: number;
  lost: number;
  deadLetters: number;
  deadLetterReasons: Record<string, number>;
  drainMs: number;
  /** Messages whose fate differs from expectedOutcome (e.g. a valid one dead-lettered). */
  misrouted: number;
  crashes: number;
  badSignatures: number;
  notes: string[];
  failures: string[];
  /** For scenarios without a message stream (bad config). */
  messagesLabel?: string;
}

export interface DrainOptions {
  /** Give up after this long (the rest counts as lost). */
  maxMs?: number;
  /** Stop early when nothing changes for this long and the queues are empty. */
  quietMs?: number;
  invalidPayload?: 'forward' | 'deadletter';
}

export class ChaosEnv {
  readonly bridges: BridgeProcess[] = [];
  readonly receiver = new ChaosReceiver(WEBHOOK_SECRET);
  readonly dir = mkdtempSync(join(tmpdir(), 'flup-chaos-'));
  publisher?: Publisher;
  inspector!: QueueInspector;
  redis!: ManagedServer & { url: string };
  /** Set when options.redisTopology is sentinel (then `redis` is not). */
  sentinel?: SentinelGroup;
  /** Set when options.redisTopology is cluster (then `redis` is not). */
  cluster?: RedisClusterTopology;
  /** The receivers of options.extraWebhooks, by webhook id. */
  readonly extraReceivers = new Map<string, ChaosReceiver>();
  broker!: ManagedServer & { url: string };
  readonly events: string[] = [];
  /** Failures a fault schedule found besides the message counts (e.g. /readyz never flipped). */
  readonly switchFindings: string[] = [];
  readonly #started = Date.now();

  constructor(readonly options: EnvOptions = {}) {}

  /** Time since the environment started, for the event log. */
  note(event: string): void {
    this.events.push(`${((Date.now() - this.#started) / 1000).toFixed(1)}s ${event}`);
    if (process.env.FLUP_CHAOS_VERBOSE === '1') process.stderr.write(`  [chaos] ${this.events.at(-1)}\n`);
  }

  async start(): Promise<void> {
    if (this.options.redisTopology === 'sentinel') {
      this.sentinel = await startSentinelGroup({ downAfterMs: 1000 });
    } else if (this.options.redisTopology === 'cluster') {
      this.cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
    } else {
      this.redis = await startRedis({ aof: true, fsync: this.options.redisFsync ?? 'everysec' });
    }
    this.broker = await startMosquitto({ persistence: true });
    await this.receiver.start();
    for (const id of this.options.extraWebhooks ?? []) {
      const receiver = new ChaosReceiver(WEBHOOK_SECRET);
      await receiver.start();
      this.extraReceivers.set(id, receiver);
    }
    this.inspector = new QueueInspector(
      this.sentinel
        ? { kind: 'sentinel', name: this.sentinel.name, nodes: this.sentinel.sentinels }
        : this.cluster
          ? { kind: 'cluster', nodes: this.cluster.nodes }
          : this.redis.url,
      PREFIX,
      WEBHOOK_ID,
    );
    const replicas = this.options.replicas ?? 1;
    for (let i = 0; i < replicas; i++) {
      const adminPort = await freePort();
      const path = join(this.dir, `bridge-${i}.yaml`);
      writeFileSync(path, stringify(this.config(adminPort)));
      this.bridges.push(new BridgeProcess(`bridge-${i}`, path, adminPort));
    }
  }

  config(adminPort: number): Overrides {
    const o = this.options;
    return {
      role: 'all',
      redis: {
        ...(this.sentinel
          ? { sentinel: { name: this.sentinel.name, nodes: this.sentinel.sentinels } }
          : this.cluster
            ? { cluster: { nodes: this.cluster.nodes } }
            : { url: this.redis.url }),
        prefix: PREFIX,
        ...o.redis,
      },
      source: o.source ?? {
        kind: 'mqtt',
        mqtt: { url: this.broker.url, clientId: 'flup-chaos', topics: ['#'], qos: 1 },
      },
      ingest: { leaderLockTtl: '3s', reconnectMaxDelay: '2s', ...o.ingest },
      webhooks: [WEBHOOK_ID, ...this.extraReceivers.keys()].map((id) => ({
        id,
        url: (this.extraReceivers.get(id) ?? this.receiver).url,
        secret: WEBHOOK_SECRET,
        topics: ['#'],
        enrich: [],
        concurrency: 20,
        timeout: '5s',
        connectTimeout: '2s',
        retry: { attempts: 100, initialDelay: '200ms', factor: 2, maxDelay: '5s' },
        breaker: { failureThreshold: 10, cooldown: '1s', maxCooldown: '5s' },
        ...o.webhook,
      })),
      delivery: { shutdownTimeout: '5s', ...o.delivery },
      admin: { listen: `127.0.0.1:${adminPort}` },
      log: { level: 'warn', format: 'json' },
      ...o.extra,
    };
  }

  get bridge(): BridgeProcess {
    return this.bridges[0]!;
  }

  /**
   * Starts every bridge and proves the path end to end before the stream: a warm-up message
   * (seq 0) must reach the receiver, so the persistent MQTT session and its subscription exist.
   */
  async startBridges(
    readyTimeoutMs = 60_000,
    publishProbe?: (message: OutgoingMessage) => Promise<void>,
  ): Promise<void> {
    for (const bridge of this.bridges) bridge.start();
    await Promise.all(this.bridges.map((b) => b.waitReady(readyTimeoutMs)));
    this.note(`${this.bridges.length} bridge(s) ready`);
    let probe: Publisher | undefined;
    if (!publishProbe) {
      const client = new Publisher({ url: this.broker.url, rate: 0 });
      await client.connect();
      probe = client;
      publishProbe = async (message) => void (await client.publishAll([message]));
    }
    const deadline = Date.now() + readyTimeoutMs;
    try {
      while (!this.receiver.acceptedBySeq.has(0)) {
        if (Date.now() > deadline) {
          throw new Error(
            `warm-up message never reached the receiver; bridge output:\n${this.bridge.tail()}`,
          );
        }
        // Sent again until it arrives: the subscription may come a moment after readiness.
        await publishProbe(validMessage(0));
        await waitUntil(() => this.receiver.acceptedBySeq.has(0), 2000);
      }
    } finally {
      await probe?.close();
    }
    this.note('warm-up message delivered');
  }

  async publish(messages: OutgoingMessage[], rate: number): Promise<PublishResult> {
    this.publisher = new Publisher({ url: this.broker.url, rate });
    await this.publisher.connect();
    this.note(`publishing ${messages.length} messages at ${rate}/s`);
    const result = await this.publisher.publishAll(messages);
    this.note(`publisher done: ${result.published} acknowledged by the broker`);
    await this.publisher.close();
    return result;
  }

  /** Waits until every published message is delivered or dead-lettered (bounded). */
  async drain(
    published: PublishResult,
    options: DrainOptions = {},
  ): Promise<{ drainMs: number; deadLetters: DeadLetterRecord[]; complete: boolean }> {
    const maxMs = options.maxMs ?? 180_000;
    const quietMs = options.quietMs ?? 20_000;
    const start = Date.now();
    let deadLetters: DeadLetterRecord[] = [];
    let lastFailed = -1;
    let lastSignature = '';
    let lastChange = Date.now();
    let accountedAt = start;
    for (;;) {
      const failed = await this.inspector.failedCount();
      if (failed !== undefined && failed !== lastFailed) {
        deadLetters = await this.inspector.deadLetters().catch(() => deadLetters);
        lastFailed = failed;
      }
      const dead = new Set(deadLetters.map((d) => d.seq));
      let missing = 0;
      for (const seq of published.acked.keys()) {
        if (!this.receiver.acceptedBySeq.has(seq) && !dead.has(seq)) missing += 1;
        for (const extra of this.extraReceivers.values()) if (!extra.acceptedBySeq.has(seq)) missing += 1;
      }
      const backlog = await this.inspector.backlog();
      const signature = `${this.receiver.accepted}/${failed}/${backlog}`;
      if (signature !== lastSignature) {
        lastSignature = signature;
        lastChange = Date.now();
        if (missing === 0) accountedAt = Date.now();
      }
      if (missing === 0 && backlog === 0) {
        // Everything is accounted for; linger briefly so late duplicates are counted too.
        await sleep(1500);
        return { drainMs: accountedAt - start, deadLetters, complete: true };
      }
      const quiet = Date.now() - lastChange > quietMs && backlog === 0;
      if (quiet || Date.now() - start > maxMs) {
        this.note(`drain gave up with ${missing} messages unaccounted (backlog ${backlog})`);
        return { drainMs: Date.now() - start, deadLetters, complete: false };
      }
      await sleep(250);
    }
  }

  /** Counts what arrived against what was published. */
  result(
    id: string,
    title: string,
    published: PublishResult,
    drained: { drainMs: number; deadLetters: DeadLetterRecord[] },
    invalidPayload: 'forward' | 'deadletter' = 'forward',
  ): ScenarioResult {
    const dead = new Map<number, DeadLetterRecord>();
    const reasons: Record<string, number> = {};
    for (const record of drained.deadLetters) {
      if (record.seq !== undefined) dead.set(record.seq, record);
      reasons[record.reason || '(no reason)'] = (reasons[record.reason || '(no reason)'] ?? 0) + 1;
    }
    let lost = 0;
    let misrouted = 0;
    const failures: string[] = [];
    const lostSamples: string[] = [];
    const lostSeqs: number[] = [];
    const misroutedSamples: string[] = [];
    for (const [seq, kind] of published.acked) {
      const delivered = this.receiver.acceptedBySeq.has(seq);
      const deadLetter = dead.get(seq);
      if (!delivered && !deadLetter) {
        lost += 1;
        lostSeqs.push(seq);
        if (lostSamples.length < 5) lostSamples.push(`${seq} (${kind})`);
        continue;
      }
      const expected = expectedOutcome(kind, invalidPayload);
      const ok =
        expected === 'either' ||
        (expected === 'delivered' && delivered) ||
        (expected === 'dead' && !!deadLetter && !delivered);
      if (!ok || (deadLetter && !deadLetter.reason)) {
        misrouted += 1;
        if (misroutedSamples.length < 2 && deadLetter?.stack) {
          misroutedSamples.push(
            `(job ${deadLetter.jobId}: attemptsMade ${deadLetter.attemptsMade}, stack ${deadLetter.stack})`,
          );
        }
        if (misroutedSamples.length < 5) {
          misroutedSamples.push(
            `${seq} (${kind}: ${delivered ? 'delivered' : `dead-lettered "${deadLetter?.reason}"`})`,
          );
        }
      }
    }
    if (lost > 0)
      failures.push(`${lost} messages lost: seq ${ranges(lostSeqs)}; e.g. ${lostSamples.join(', ')}`);
    for (const [id, extra] of this.extraReceivers) {
      const missed = [...published.acked.keys()].filter((seq) => !extra.acceptedBySeq.has(seq));
      lost += missed.length;
      if (missed.length > 0)
        failures.push(`webhook ${id}: ${missed.length} messages lost: seq ${ranges(missed)}`);
    }
    if (misrouted > 0)
      failures.push(`${misrouted} messages handled wrongly, e.g. ${misroutedSamples.join(', ')}`);
    if (this.receiver.badSignatures > 0)
      failures.push(`${this.receiver.badSignatures} deliveries with a bad signature`);
    if (this.receiver.unknown.length > 0) {
      failures.push(
        `${this.receiver.unknown.length} deliveries without a sequence number, e.g. ${this.receiver.unknown[0]?.topic}`,
      );
    }
    const crashes = this.bridges.reduce((n, b) => n + b.crashes.length, 0);
    if (crashes > 0) {
      const crash = this.bridges.flatMap((b) => b.crashes)[0]!;
      failures.push(
        `${crashes} unplanned bridge exits, first: code ${crash.code} signal ${crash.signal}: ${crash.stderrTail.slice(-600)}`,
      );
    }
    // The warm-up message (seq 0) is not part of the stream.
    const delivered = [...this.receiver.acceptedBySeq.keys()].filter((seq) => seq !== 0).length;
    const duplicates = [...this.receiver.acceptedBySeq.entries()]
      .filter(([seq]) => seq !== 0)
      .reduce((n, [, count]) => n + count - 1, 0);
    return {
      id,
      title,
      published: published.published,
      delivered,
      duplicates,
      lost,
      deadLetters: drained.deadLetters.length,
      deadLetterReasons: reasons,
      drainMs: drained.drainMs,
      misrouted,
      crashes,
      badSignatures: this.receiver.badSignatures,
      notes: [
        `receiver answers: ${[...this.receiver.statuses].map(([k, v]) => `${k}×${v}`).join(', ')}`,
        ...(drained.deadLetters.length > 0
          ? [
              `dead letters by reason: ${Object.entries(reasons)
                .map(([r, n]) => `${r} ${n}`)
                .join(', ')}`,
            ]
          : []),
        ...(published.republished > 0
          ? [`publisher re-sent ${published.republished} unacknowledged messages`]
          : []),
      ],
      failures,
    };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.bridges.map((b) => b.stop('SIGKILL')));
    await this.publisher?.close().catch(() => undefined);
    await this.receiver.stop();
    await this.inspector?.close();
    await this.broker?.dispose();
    await this.redis?.dispose();
    await Promise.all([...this.extraReceivers.values()].map((r) => r.stop()));
    await this.sentinel?.stop();
    await this.cluster?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** [1,2,3,7,9,10] → "1-3, 7, 9-10" (first 10 ranges). */
export function ranges(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.length > 10 ? `${out.slice(0, 10).join(', ')} ... (${out.length} ranges)` : out.join(', ');
}

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

/** `count` sorted random moments in [from, to) ms. */
export function randomMoments(
  count: number,
  from: number,
  to: number,
  random: () => number = Math.random,
): number[] {
  return Array.from({ length: count }, () => from + random() * (to - from)).sort((a, b) => a - b);
}

/** Runs `action` at each moment (ms after now) while `until` is pending; returns when both are done. */
export async function atMoments(moments: number[], action: (index: number) => Promise<void>): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < moments.length; i++) {
    const wait = start + moments[i]! - Date.now();
    if (wait > 0) await sleep(wait);
    await action(i);
  }
}
