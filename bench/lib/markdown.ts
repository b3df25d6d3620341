/** Number formats and Markdown tables of the bench report. */
import type { Spread } from './stats.js';

export const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');
export const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
export const n2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
/** median (min–max), or the single value of one repeat. */
export const mmm = (s: Spread, f: (v: number) => string) =>
  s.n === 0 ? '-' : s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

/** First column left-aligned, the others right (numbers) unless textColumns. */
export function table(header: string[], body: string[][], textColumns = false): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 || textColumns ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
