/**
 * A hand-written SVG: left, delivered msg/s per system (burst, and fan-out to 3 webhooks) with
 * min–max whiskers; right, publish→receive latency p50/p95/p99 at the steady rate.
 */
import type { Row } from './aggregate.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number, d = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d }) : '-';

function niceMax(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface ChartInput {
  systems: { id: string; label: string }[];
  burst: Row[];
  fanout: Row[];
  steady: Row[];
  title: string;
  steadyRate: number;
}

export function renderChart(input: ChartInput): string {
  const systems = input.systems.filter((s) =>
    [input.burst, input.fanout, input.steady].some((rs) => rs.some((r) => r.system === s.id)),
  );
  const rowH = 46;
  const top = 70;
  const height = top + systems.length * rowH + 60;
  const width = 1000;
  const labelW = 110;
  const panelW = 330;
  const leftX = labelW + 10;
  const rightX = leftX + panelW + labelW + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(input.title)}</text>`,
  );

  // Left panel: throughput.
  const tMax = niceMax(
    Math.max(...[...input.burst, ...input.fanout].map((r) => r.msgPerSec.max).filter(Number.isFinite), 1),
  );
  const tx = (v: number) => leftX + (Math.max(0, v) / tMax) * panelW;
  out.push(`<text x="${leftX}" y="48" font-weight="bold">Delivered msg/s (median, whisker = min–max)</text>`);
  const legend = (x: number, y: number, color: string, text: string) =>
    out.push(
      `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${color}"/><text x="${x + 14}" y="${y}">${esc(text)}</text>`,
    );
  legend(leftX, 62, '#2f6db5', 'burst, 1 webhook');
  legend(leftX + 130, 62, '#8fb8e8', 'fan-out, per message to 3 webhooks');
  // Right panel: latency.
  const lMax = niceMax(Math.max(...input.steady.map((r) => r.p99.median).filter(Number.isFinite), 1));
  const lx = (v: number) => rightX + (Math.min(Math.max(0, v), lMax) / lMax) * panelW;
  out.push(
    `<text x="${rightX}" y="48" font-weight="bold">Latency at ${input.steadyRate} msg/s, ms (median of repeats)</text>`,
  );
  const colors = { p50: '#4a9c5d', p95: '#e0a030', p99: '#c0392b' } as const;
  legend(rightX, 62, colors.p50, 'p50');
  legend(rightX + 50, 62, colors.p95, 'p95');
  legend(rightX + 100, 62, colors.p99, 'p99');

  const bar = (x0: number, x1: number, y: number, h: number, color: string) =>
    out.push(
      `<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${h}" fill="${color}"/>`,
    );
  systems.forEach((s, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW}" y="${y + 22}" text-anchor="end" font-weight="bold">${esc(s.id)}</text>`);
    out.push(
      `<text x="${rightX - 10}" y="${y + 22}" text-anchor="end" font-weight="bold">${esc(s.id)}</text>`,
    );
    const pairs: [Row | undefined, string, number][] = [
      [input.burst.find((r) => r.system === s.id), '#2f6db5', 4],
      [input.fanout.find((r) => r.system === s.id), '#8fb8e8', 22],
    ];
    for (const [row, color, dy] of pairs) {
      if (!row || !Number.isFinite(row.msgPerSec.median)) continue;
      bar(leftX, tx(row.msgPerSec.median), y + dy, 16, color);
      const w0 = tx(row.msgPerSec.min);
      const w1 = tx(row.msgPerSec.max);
      out.push(
        `<line x1="${w0.toFixed(1)}" x2="${w1.toFixed(1)}" y1="${y + dy + 8}" y2="${y + dy + 8}" stroke="#222"/>`,
      );
      out.push(
        `<text x="${(tx(row.msgPerSec.max) + 4).toFixed(1)}" y="${y + dy + 12}">${num(row.msgPerSec.median)}</text>`,
      );
    }
    const lat = input.steady.find((r) => r.system === s.id);
    if (lat) {
      const items: [keyof typeof colors, number][] = [
        ['p50', lat.p50.median],
        ['p95', lat.p95.median],
        ['p99', lat.p99.median],
      ];
      items.forEach(([k, v], j) => {
        if (!Number.isFinite(v)) return;
        const yy = y + 2 + j * 13;
        bar(rightX, lx(v), yy, 11, colors[k]);
        out.push(
          `<text x="${(lx(v) + 4).toFixed(1)}" y="${yy + 10}" font-size="11">${num(v, 1)}${v > lMax ? ' (off scale)' : ''}</text>`,
        );
      });
    }
  });
  const axisY = top + systems.length * rowH + 6;
  for (const [x0, max, fmt] of [
    [leftX, tMax, (v: number) => num(v)],
    [rightX, lMax, (v: number) => num(v, 1)],
  ] as const) {
    out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`);
    for (let k = 0; k <= 4; k++) {
      const x = x0 + (k / 4) * panelW;
      out.push(`<line x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 4}" stroke="#888"/>`);
      out.push(
        `<text x="${x}" y="${axisY + 16}" text-anchor="middle" fill="#555">${fmt((k / 4) * max)}</text>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
