/** Command line of `npm run bench`. */
import { parseArgs } from 'node:util';
import { DEFAULT_FLIGHTS, MAX_FLIGHTS } from './message.js';

export const ALL_SYSTEMS = [
  'direct',
  'naive',
  'nodered',
  'flup',
  'flup-1w',
  'flup-split',
  'flup-base',
  'flup-lh',
  'flup-ordered',
  'flup-v1a',
  'flup-traced',
  'flup-replica',
  'flup-replica-nowait',
  'flup-group3',
] as const;
/** Variants that run the Lufthansa source, whose messages carry a flight (flight-format payload only). */
export const LUFTHANSA_SYSTEMS = ['flup-lh', 'flup-ordered'];
/** flup-1w (1 ingest + 1 worker) is the exact baseline of "2 workers faster than 1"; opt-in. */
export const DEFAULT_SYSTEMS = ['direct', 'naive', 'nodered', 'flup', 'flup-split'];
export const ALL_SCENARIOS = ['burst', 'steady', 'fanout', 'steady-fanout', 'soak'] as const;
export type ScenarioId = (typeof ALL_SCENARIOS)[number];
export const PAYLOAD_KINDS = ['flight', 'generic'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

export interface BenchOptions {
  systems: string[];
  scenarios: ScenarioId[];
  repeats: number;
  quick: boolean;
  burstCount: number;
  steadyRate: number;
  steadySeconds: number;
  fanoutCount: number;
  fanoutEndpoints: number;
  soakRate: number;
  soakSeconds: number;
  soakEverySeconds: number;
  soakSystems: string[];
  window: number;
  inflight: number;
  warmup: number;
  flupRunner?: 'dist' | 'tsx';
  /** Experiments only: run flup-bridge from another build folder (holding cli/main.js). */
  flupDist?: string;
  /** The build `flup-base` runs from (DIR/cli/main.js), to compare it with this one in one run. */
  baseDist?: string;
  /** Distinct flights the flight-format messages cycle through. */
  flights: number;
  /** Experiments only: YAML keys merged into every generated flup-bridge webhook (not the defaults). */
  flupWebhook: Record<string, unknown>;
  /** Experiments only: keys of flup-bridge's ingest section (e.g. groupWindow=1ms). */
  flupIngest: Record<string, unknown>;
  /** flight: Lufthansa-format notifications on prd/FlightUpdate/...; generic: ~600-byte generic
   * JSON on a non-Lufthansa topic (bench/sensors/...), what any MQTT source sends. */
  payload: PayloadKind;
  /** Replicas of the bench Redis, and flup-bridge's redis.minReplicas (0 = none, the default). */
  minReplicas: number;
  cpuProf: boolean;
  /** Switch the kernel's DAMON monitors off for the run (root), back on after. */
  pauseDamon: boolean;
  report: boolean;
  reportFile: string;
  chartFile: string;
  /** Only rewrite the report from an earlier raw JSON result. */
  from?: string;
}

export const USAGE = `npm run bench -- [options]

  --systems a,b         ${ALL_SYSTEMS.slice(0, 6).join(',')},
                        ${ALL_SYSTEMS.slice(6).join(',')}
                        (default: ${DEFAULT_SYSTEMS.join(',')}). Variants of flup (1 process each):
                        flup-base     shipped defaults, run from --base-dist DIR (A/B in one run)
                        flup-lh       Lufthansa source (simulated API for the credentials, the bench's
                                      broker), so messages carry a flight: sequences, timeline
                        flup-ordered  flup-lh with the webhook's ordering: flight
                        flup-v1a      ed25519 (whsk_) signing key: v1a signatures
                        flup-traced   v1a signing and OpenTelemetry tracing (OTLP/HTTP to a local
                                      sink that discards)
                        flup-replica  redis.minReplicas 1, on a second Redis master with one replica
                        flup-replica-nowait  minReplicas 0 on that master (replication, no WAIT)
                        flup-group3   ingest.groupWindow 3ms: a lone message waits up to 3 ms for a
                                      second to share its write (the default is 0)
  --scenarios a,b       burst,steady,fanout (default), steady-fanout (the steady rate to 3
                        webhooks: CPU per message against steady's one webhook), soak
  --soak                add the soak (10 min at 300 msg/s; RSS every 30 s) for --soak-systems
  --soak-systems a,b    systems soaked (default: flup)
  --repeats N           runs per cell (default 3; --quick: 1)
  --quick               small counts, 1 repeat: for developing the harness
  --burst N             messages in a burst (default 20000)
  --steady-rate R       steady msg/s (default 500)   --steady-seconds S (default 20)
  --fanout N            messages in the fan-out burst (default 10000; 3 webhooks)
  --soak-rate R         (default 300)   --soak-seconds S (default 600)   --soak-every S (default 30)
  --window N            publisher: QoS 1 publishes awaiting PUBACK at once (default 1000)
  --inflight N          mosquitto max_inflight_messages per subscriber (default 100)
  --warmup N            warm-up messages before each cell (default 1000)
  --flup dist|tsx       how flup-bridge runs (default: dist when built, else tsx)
  --flup-dist DIR        experiment: run flup-bridge from another build (DIR/cli/main.js), for A/B
  --base-dist DIR       the build flup-base runs from (DIR/cli/main.js)
  --flights N           distinct flights the messages cycle through (default ${DEFAULT_FLIGHTS}, at most ${MAX_FLIGHTS})
  --flup-webhook k=v    experiment: set a webhook key in flup-bridge's config (e.g. concurrency=50);
                        repeatable; the report then says the defaults were changed
  --flup-ingest k=v     experiment: set an ingest key (e.g. groupWindow=1ms); repeatable
  --payload K           flight (Lufthansa format, default) or generic (~600-byte generic JSON on
                        bench/sensors/..., as from any MQTT source)
  --min-replicas N      start N replicas of the bench Redis and run flup-bridge with
                        redis.minReplicas N (PUBACK after WAIT N); default 0
  --cpu-prof            write V8 CPU profiles of the systems to bench/results/prof/
  --pause-damon         switch the kernel's DAMON memory monitors off for the run and back on after
                        (root; on some VMs one sampling memory every 500 ms stalls every process
                        and doubled every system's steady p99; the report says whether one ran)
  --no-report           do not rewrite docs/BENCHMARKS.md and docs/bench-chart.svg
  --report-file F       (default docs/BENCHMARKS.md)   --chart-file F (default docs/bench-chart.svg)
  --from FILE           only regenerate the report and chart from a raw result in bench/results/

Environment: BENCH_FLUP_NODE_ARGS="--trace-gc ..." adds node flags to the flup-bridge processes
(experiments; their output is in bench/.cache/runs/<run>/<cell>/flup-*.log).
BENCH_LATENCY_DUMP=DIR: the receiver writes each cell's send times and latencies to DIR/<cell>.json,
for bench/latency-episodes.ts (where a steady cell's slow messages come from).
`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T[]): T[] {
  if (!value) return fallback;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`unknown "${item}"; choose from ${allowed.join(', ')}`);
  }
  return items as T[];
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0, got "${value}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      systems: { type: 'string' },
      scenarios: { type: 'string' },
      soak: { type: 'boolean', default: false },
      'soak-systems': { type: 'string' },
      repeats: { type: 'string' },
      quick: { type: 'boolean', default: false },
      burst: { type: 'string' },
      'steady-rate': { type: 'string' },
      'steady-seconds': { type: 'string' },
      fanout: { type: 'string' },
      'soak-rate': { type: 'string' },
      'soak-seconds': { type: 'string' },
      'soak-every': { type: 'string' },
      window: { type: 'string' },
      inflight: { type: 'string' },
      warmup: { type: 'string' },
      flup: { type: 'string' },
      'flup-webhook': { type: 'string', multiple: true },
      'flup-ingest': { type: 'string', multiple: true },
      'flup-dist': { type: 'string' },
      'base-dist': { type: 'string' },
      flights: { type: 'string' },
      payload: { type: 'string' },
      'min-replicas': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'pause-damon': { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      'report-file': { type: 'string' },
      'chart-file': { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const scenarios = list(values.scenarios, ALL_SCENARIOS, ['burst', 'steady', 'fanout']);
  if (values.soak && !scenarios.includes('soak')) scenarios.push('soak');
  const flup = values.flup;
  if (flup !== undefined && flup !== 'dist' && flup !== 'tsx') throw new Error('--flup must be dist or tsx');
  const payload = (values.payload ?? 'flight') as PayloadKind;
  if (!PAYLOAD_KINDS.includes(payload)) throw new Error(`--payload must be ${PAYLOAD_KINDS.join(' or ')}`);
  const systems = list(values.systems, ALL_SYSTEMS, DEFAULT_SYSTEMS as (typeof ALL_SYSTEMS)[number][]);
  const soakSystems = list(values['soak-systems'], ALL_SYSTEMS, ['flup']);
  const every = [...systems, ...(scenarios.includes('soak') ? soakSystems : [])];
  if (every.includes('flup-base') && !values['base-dist'])
    throw new Error('flup-base needs --base-dist DIR (a build folder holding cli/main.js)');
  const lufthansa = every.filter((s) => LUFTHANSA_SYSTEMS.includes(s));
  if (payload === 'generic' && lufthansa.length)
    throw new Error(`${lufthansa.join(', ')}: the Lufthansa source needs --payload flight`);
  const flights = int(values.flights, DEFAULT_FLIGHTS, 'flights');
  if (flights < 1 || flights > MAX_FLIGHTS) throw new Error(`--flights must be 1..${MAX_FLIGHTS}`);
  return {
    systems,
    scenarios,
    repeats: Math.max(1, int(values.repeats, quick ? 1 : 3, 'repeats')),
    quick,
    burstCount: int(values.burst, quick ? 2000 : 20_000, 'burst'),
    steadyRate: int(values['steady-rate'], 500, 'steady-rate'),
    steadySeconds: int(values['steady-seconds'], quick ? 4 : 20, 'steady-seconds'),
    fanoutCount: int(values.fanout, quick ? 1000 : 10_000, 'fanout'),
    fanoutEndpoints: 3,
    soakRate: int(values['soak-rate'], 300, 'soak-rate'),
    soakSeconds: int(values['soak-seconds'], quick ? 30 : 600, 'soak-seconds'),
    soakEverySeconds: int(values['soak-every'], quick ? 5 : 30, 'soak-every'),
    soakSystems,
    window: Math.max(1, int(values.window, 1000, 'window')),
    inflight: Math.max(1, int(values.inflight, 100, 'inflight')),
    warmup: int(values.warmup, quick ? 200 : 1000, 'warmup'),
    flupRunner: flup,
    flupDist: values['flup-dist'],
    baseDist: values['base-dist'],
    flights,
    flupWebhook: keyValues('flup-webhook', values['flup-webhook']),
    flupIngest: keyValues('flup-ingest', values['flup-ingest']),
    payload,
    minReplicas: int(values['min-replicas'], 0, 'min-replicas'),
    cpuProf: values['cpu-prof'] ?? false,
    pauseDamon: values['pause-damon'] ?? false,
    report: !(values['no-report'] ?? false),
    reportFile: values['report-file'] ?? 'docs/BENCHMARKS.md',
    chartFile: values['chart-file'] ?? 'docs/bench-chart.svg',
    from: values.from,
  };
}

/** k=v pairs of a repeatable flag; digits become numbers. */
function keyValues(flag: string, pairs: string[] = []): Record<string, unknown> {
  return Object.fromEntries(
    pairs.map((kv) => {
      const at = kv.indexOf('=');
      if (at < 1) throw new Error(`--${flag} wants key=value, got "${kv}"`);
      const value = kv.slice(at + 1);
      return [kv.slice(0, at), /^\d+$/.test(value) ? Number(value) : value];
    }),
  );
}
