/**
 * The cost-per-message section of the report (issue 23): the steady rate to several webhooks beside
 * the one-webhook figures, and the targets judged on this run, so every report run says
 * where they stand without hand arithmetic.
 */
import type { CellResult } from './cell.js';
import { rows, type Row, type Target } from './aggregate.js';
import { mmm, n0, n1, table } from './markdown.js';

const FLUP = 'flup';

function find(rs: Row[], system: string): Row | undefined {
  return rs.find((r) => r.system === system);
}

/** bridge + Redis CPU per message, median of each. */
function totalCpu(row: Row | undefined): number {
  return row ? row.cpuUsPerMsg.median + row.redisCpuUsPerMsg.median : NaN;
}

function judged(what: string, value: number, measured: string, ok: (v: number) => boolean): Target {
  return { what, measured, pass: Number.isFinite(value) ? ok(value) : undefined };
}

export function costTargets(cells: CellResult[], systems: string[]): Target[] {
  if (!systems.includes(FLUP)) return [];
  const burst = rows(cells, 'burst', systems);
  const steady = rows(cells, 'steady', systems);
  const steadyFanout = rows(cells, 'steady-fanout', systems);
  const out: Target[] = [];
  const flupSteady = find(steady, FLUP);
  if (flupSteady) {
    const flup = totalCpu(flupSteady);
    for (const [other, factor, what] of [
      ['naive', 1, "steady: bridge + Redis CPU per message ≤ naive BullMQ's"],
      ['direct', 3, "steady (stretch): bridge + Redis CPU per message ≤ 3× direct's"],
    ] as const) {
      const base = totalCpu(find(steady, other));
      if (!Number.isFinite(base)) continue;
      const against = factor === 1 ? n0(base) : `${factor} × ${n0(base)}`;
      out.push(judged(what, flup / base, `${n0(flup)} µs against ${against}`, (v) => v <= factor));
    }
    const p99 = flupSteady.p99;
    out.push(
      judged('steady: p99 ≤ 10 ms (median of repeats)', p99.median, `${n1(p99.median)} ms`, (v) => v <= 10),
    );
    out.push(judged('steady: p99 ≤ 25 ms in the worst repeat', p99.max, `${n1(p99.max)} ms`, (v) => v <= 25));
  }
  const flupBurst = find(burst, FLUP)?.msgPerSec.median ?? NaN;
  for (const [other, factor, label] of [
    ['direct', 0.6, 'direct'],
    ['naive', 2, 'naive BullMQ'],
    ['nodered', 4, 'Node-RED'],
  ] as const) {
    const base = find(burst, other)?.msgPerSec.median ?? NaN;
    if (!Number.isFinite(base)) continue;
    const ratio = flupBurst / base;
    out.push(
      judged(
        `burst ≥ ${factor}× ${label}`,
        ratio,
        `${ratio.toFixed(2)}× (${n0(flupBurst)} against ${n0(base)} msg/s)`,
        (v) => v >= factor,
      ),
    );
  }
  const fanned = find(steadyFanout, FLUP)?.cpuUsPerMsg.median ?? NaN;
  const single = flupSteady?.cpuUsPerMsg.median ?? NaN;
  if (Number.isFinite(fanned) && Number.isFinite(single)) {
    out.push(
      judged(
        'fan-out at the steady rate: bridge CPU per message ≤ 1.5× one webhook’s',
        fanned / single,
        `${(fanned / single).toFixed(2)}× (${n0(fanned)} against ${n0(single)} µs)`,
        (v) => v <= 1.5,
      ),
    );
  }
  return out;
}

/** "(f) Fan-out at the steady rate" and "Targets (issue 23)", or nothing when neither applies. */
export function costSection(
  cells: CellResult[],
  systems: string[],
  o: { steadyRate: number; steadySeconds: number; fanoutEndpoints: number },
): string[] {
  const out: string[] = [];
  const steady = rows(cells, 'steady', systems);
  const fanned = rows(cells, 'steady-fanout', systems);
  if (fanned.length) {
    out.push(
      `### (f) Fan-out at the steady rate: ${o.steadyRate} msg/s for ${o.steadySeconds} s, each to ${o.fanoutEndpoints} webhooks`,
      '',
      table(
        [
          'system',
          'p50 ms',
          'p99 ms',
          'CPU µs/msg',
          'Redis CPU µs/msg',
          'CPU + Redis µs/msg',
          'CPU × one webhook',
        ],
        fanned.map((r) => {
          const one = find(steady, r.system)?.cpuUsPerMsg.median ?? NaN;
          const times = r.cpuUsPerMsg.median / one;
          return [
            `\`${r.system}\``,
            mmm(r.p50, n1),
            mmm(r.p99, n1),
            mmm(r.cpuUsPerMsg, n0),
            mmm(r.redisCpuUsPerMsg, n0),
            n0(totalCpu(r)),
            Number.isFinite(times) ? `${times.toFixed(2)}×` : '-',
          ];
        }),
      ),
      '',
    );
  }
  const t = costTargets(cells, systems);
  if (t.length) {
    out.push(
      '### Targets (issue 23: cost per message)',
      '',
      table(
        ['target', 'measured', 'met'],
        t.map((x) => [x.what, x.measured, x.pass === undefined ? 'n/a' : x.pass ? 'yes' : '**no**']),
      ),
      '',
    );
  }
  return out;
}
