/** Results across repeats: min/median/max per system and scenario, ratios and the targets. */
import type { ScenarioId } from './args.js';
import type { CellResult } from './cell.js';
import { spread, type Spread } from './stats.js';

export interface Row {
  system: string;
  runs: number;
  failed: number;
  incomplete: number;
  msgPerSec: Spread;
  deliveriesPerSec: Spread;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  max: Spread;
  peakRssMb: Spread;
  startRssMb: Spread;
  ingestSeconds: Spread;
  cpuUsPerMsg: Spread;
  redisCpuUsPerMsg: Spread;
  redisMemBytesPerMsg: Spread;
  duplicates: number;
}

export function rows(cells: CellResult[], scenario: ScenarioId, systems: string[]): Row[] {
  const out: Row[] = [];
  for (const system of systems) {
    const all = cells.filter((c) => c.system === system && c.scenario === scenario);
    if (all.length === 0) continue;
    const ok = all.filter((c) => !c.error);
    const pick = (f: (c: CellResult) => number) => spread(ok.map(f));
    out.push({
      system,
      runs: all.length,
      failed: all.length - ok.length,
      incomplete: ok.filter((c) => !c.finished).length,
      msgPerSec: pick((c) => c.msgPerSec),
      deliveriesPerSec: pick((c) => c.deliveriesPerSec),
      p50: pick((c) => c.latencyMs.p50),
      p95: pick((c) => c.latencyMs.p95),
      p99: pick((c) => c.latencyMs.p99),
      max: pick((c) => c.latencyMs.max),
      peakRssMb: pick((c) => c.peakRssMb),
      startRssMb: pick((c) => c.startRssMb ?? NaN),
      ingestSeconds: pick((c) => (c.ingestDoneMs ?? NaN) / 1000),
      cpuUsPerMsg: pick((c) => c.cpuUsPerMsg),
      redisCpuUsPerMsg: pick((c) => c.redisCpuUsPerMsg),
      redisMemBytesPerMsg: pick((c) => c.redisMemBytesPerMsg ?? NaN),
      duplicates: ok.reduce((n, c) => n + c.duplicates, 0),
    });
  }
  return out;
}

export interface Target {
  what: string;
  measured: string;
  pass: boolean | undefined;
}

function median(rs: Row[], system: string, f: (r: Row) => Spread): number {
  const row = rs.find((r) => r.system === system);
  return row ? f(row).median : NaN;
}

function verdict(value: number, ok: (v: number) => boolean): boolean | undefined {
  return Number.isFinite(value) ? ok(value) : undefined;
}

export function targets(cells: CellResult[], systems: string[]): Target[] {
  const burst = rows(cells, 'burst', systems);
  const steady = rows(cells, 'steady', systems);
  const soak = cells.filter((c) => c.scenario === 'soak' && !c.error && c.rssTimeline?.length);
  const out: Target[] = [];
  const tput = (s: string) => median(burst, s, (r) => r.msgPerSec);
  for (const flup of ['flup', 'flup-split']) {
    if (!systems.includes(flup)) continue;
    const vsDirect = tput(flup) / tput('direct');
    // A ratio whose other system was not run is left out, not shown as NaN.
    if (systems.includes('direct'))
      out.push({
        what: `${flup} burst ≥ 0.5× direct`,
        measured: `${vsDirect.toFixed(2)}×`,
        pass: verdict(vsDirect, (v) => v >= 0.5),
      });
    const vsRed = tput(flup) / tput('nodered');
    if (systems.includes('nodered'))
      out.push({
        what: `${flup} burst ≥ 4× Node-RED`,
        measured: `${vsRed.toFixed(2)}×`,
        pass: verdict(vsRed, (v) => v >= 4),
      });
    const p99 = steady.find((r) => r.system === flup)?.p99;
    if (p99) {
      out.push({
        what: `${flup} p99 ≤ 15 ms at steady rate`,
        measured: `median ${p99.median.toFixed(1)} ms (worst ${p99.max.toFixed(1)})`,
        pass: verdict(p99.median, (v) => v <= 15),
      });
    }
    const rss = burst.find((r) => r.system === flup)?.peakRssMb;
    if (rss) {
      out.push({
        what: `${flup} RSS ≤ 200 MB in the burst${flup === 'flup-split' ? ' (sum of 3 processes)' : ''}`,
        measured: `peak ${rss.max.toFixed(0)} MB`,
        pass: verdict(rss.max, (v) => v <= 200),
      });
    }
  }
  if (systems.includes('flup-split')) {
    // Faster = clearly beyond run-to-run noise in one scenario and no slower in the other.
    const base = systems.includes('flup-1w') ? 'flup-1w' : 'flup';
    const fanout = rows(cells, 'fanout', systems);
    const gain = (rs: Row[]) =>
      median(rs, 'flup-split', (r) => r.msgPerSec) / median(rs, base, (r) => r.msgPerSec);
    const gains = [gain(burst), gain(fanout)].filter(Number.isFinite);
    out.push({
      what: `2 workers faster than 1 (flup-split vs ${base}: ≥ 1.05× in burst or fan-out, ≥ 0.95× in both)`,
      measured: `burst ${gain(burst).toFixed(2)}×, fan-out ${gain(fanout).toFixed(2)}×`,
      pass: gains.length === 0 ? undefined : gains.some((g) => g >= 1.05) && gains.every((g) => g >= 0.95),
    });
  }
  for (const c of soak) {
    // Medians of each half, the first minute left out as warm-up: a GC sawtooth is not growth.
    const t = c.rssTimeline!.filter((s) => s.atS > 60).map((s) => s.rssMb);
    const mid = Math.floor(t.length / 2);
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    const first = med(t.slice(0, mid));
    const second = med(t.slice(mid));
    const growth = (second - first) / first;
    out.push({
      what: `${c.system} flat RSS in the soak (median of the second half < 10% above the first's)`,
      measured: `${first.toFixed(0)} → ${second.toFixed(0)} MB (${(growth * 100).toFixed(1)}%; samples ${Math.min(...t).toFixed(0)}–${Math.max(...t).toFixed(0)})`,
      pass: verdict(growth, (g) => g < 0.1),
    });
  }
  return out;
}
