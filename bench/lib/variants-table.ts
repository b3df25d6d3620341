/**
 * The report's "variants against their reference" table: each flup-bridge variant next to the
 * configuration it changes one thing of (flup-ordered against flup-lh, the others against flup).
 * Ratios and differences are taken per repeat, between cells of the same repeat (interleaved, so
 * under the same machine load), then summarised as median (min–max).
 */
import type { BenchOptions, ScenarioId } from './args.js';
import type { CellResult } from './cell.js';
import { mmm, n0, n1, n2, table } from './markdown.js';
import { spread, type Spread } from './stats.js';

/** Variant → the system it is compared with. */
export const REFERENCE: Record<string, string> = {
  'flup-base': 'flup',
  'flup-lh': 'flup',
  'flup-ordered': 'flup-lh',
  'flup-v1a': 'flup',
  'flup-traced': 'flup',
  'flup-replica': 'flup',
  'flup-replica-nowait': 'flup',
  'flup-group3': 'flup',
};

type Metric = (c: CellResult) => number;

function cellsOf(cells: CellResult[], system: string, scenario: ScenarioId): Map<number, CellResult> {
  const ok = cells.filter((c) => c.system === system && c.scenario === scenario && !c.error);
  return new Map(ok.map((c) => [c.repeat, c]));
}

/** f(variant) combined with f(reference), per repeat where both cells succeeded. */
function paired(
  cells: CellResult[],
  scenario: ScenarioId,
  variant: string,
  reference: string,
  f: Metric,
  combine: (v: number, r: number) => number,
): Spread {
  const ours = cellsOf(cells, variant, scenario);
  const theirs = cellsOf(cells, reference, scenario);
  const out: number[] = [];
  for (const [repeat, cell] of ours) {
    const ref = theirs.get(repeat);
    if (ref) out.push(combine(f(cell), f(ref)));
  }
  return spread(out);
}

const ratio = (v: number, r: number) => (r > 0 ? v / r : NaN);
const minus = (v: number, r: number) => v - r;
const sign = (v: number) => (v >= 0 ? '+' : '');
const signed = (v: number) => (Number.isFinite(v) ? `${sign(v)}${n0(v)}` : '-');
const signed1 = (v: number) => (Number.isFinite(v) ? `${sign(v)}${n1(v)}` : '-');
const times = (v: number) => `${n2(v)}×`;

/** OTLP bytes the sink received per message sent in the cell (measured + warm-up). */
function otlpPerMessage(cells: CellResult[], system: string, options: BenchOptions): string {
  const traced = cells.filter((c) => c.system === system && !c.error && c.traceExport);
  const per = spread(traced.map((c) => c.traceExport!.bytes / (c.expected + options.warmup)));
  return per.n ? `OTLP ≈ ${n0(per.median)} B/msg` : '';
}

export function variantSection(cells: CellResult[], systems: string[], options: BenchOptions): string[] {
  const present = systems.filter((s) => REFERENCE[s] && systems.includes(REFERENCE[s]));
  if (present.length === 0) return [];
  const steadyCpu: Metric = (c) => c.cpuUsPerMsg + c.redisCpuUsPerMsg;
  const body = present.map((id) => {
    const ref = REFERENCE[id]!;
    const pair = (scenario: ScenarioId, f: Metric, combine: (v: number, r: number) => number) =>
      paired(cells, scenario, id, ref, f, combine);
    return [
      `\`${id}\``,
      `\`${ref}\``,
      mmm(
        pair('burst', (c) => c.msgPerSec, ratio),
        times,
      ),
      mmm(
        pair('burst', (c) => c.cpuUsPerMsg, minus),
        signed,
      ),
      mmm(
        pair('steady', (c) => c.latencyMs.p99, ratio),
        times,
      ),
      mmm(
        pair('steady', (c) => c.latencyMs.p99, minus),
        signed1,
      ),
      mmm(pair('steady', steadyCpu, minus), signed),
      otlpPerMessage(cells, id, options),
    ];
  });
  return [
    '### (d) Variants against their reference, per repeat',
    '',
    'Each row changes one thing against its reference (see Systems); ratios and differences are taken between cells of the same repeat, then shown as median (min–max). Redis CPU is that of the Redis the system wrote to (the replicated master for `flup-replica*`).',
    '',
    table(
      [
        'variant',
        'against',
        'burst msg/s ×',
        'burst CPU µs/msg Δ',
        'steady p99 ×',
        'steady p99 Δ ms',
        'steady bridge + Redis CPU µs/msg Δ',
        'note',
      ],
      body,
    ),
    '',
  ];
}
