/**
 * Where a steady cell's slow messages come from (issue 23's p99). Reads the per-message dumps the
 * receiver writes with BENCH_LATENCY_DUMP=DIR (`<cell>.json`: [sentAt, latencyMs] per message;
 * `<cell>.gc.json`: the receiver's own GCs) and prints, per cell:
 * - p99 over the whole cell and without its first seconds (is it warm-up?);
 * - slow messages per second of the run (spread out, or a few bad moments?);
 * - episodes: runs of slow messages sent within 50 ms of each other, with their largest latency;
 * - how many slow messages were sent right after a gap in the publisher's sends (it stalled, then
 *   caught up: the bridge receives a bunch at once and the last of it waits for the others);
 * - the receiver's own GC pauses (they delay arrivals as much as the bridge's would).
 *
 *   BENCH_LATENCY_DUMP=/tmp/lat npm run bench -- --systems direct,flup --scenarios steady --no-report
 *   npx tsx bench/latency-episodes.ts /tmp/lat [--slow-ms 10]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'slow-ms': { type: 'string', default: '10' } },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npx tsx bench/latency-episodes.ts <BENCH_LATENCY_DUMP dir> [--slow-ms 10]');
  process.exit(64);
}
const slowMs = Number(values['slow-ms']);
/** A send gap at least this long (ms) counts as a publisher stall (500 msg/s sends every 2 ms). */
const STALL_GAP_MS = 5;
/** Slow messages this close (ms, by send time) belong to one episode. */
const EPISODE_GAP_MS = 50;
/** How many sends before a slow message are searched for a stall. */
const LOOK_BACK = 20;

type Row = [sentAt: number, latencyMs: number];

function p99(rows: Row[]): number {
  const sorted = rows.map((r) => r[1]).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

const pct = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(0)} %`;

function report(cell: string, rows: Row[], receiverGcs: Array<[number, number, number]>): void {
  rows.sort((a, b) => a[0] - b[0]);
  const t0 = rows[0]![0];
  const skips = [0, 1, 2, 5].map((s) => `${s}s ${p99(rows.filter((r) => r[0] - t0 >= s * 1000)).toFixed(1)}`);
  const seconds = Math.ceil((rows.at(-1)![0] - t0) / 1000);
  const perSecond = Array.from({ length: seconds }, () => 0);
  const episodes: Array<{ start: number; end: number; n: number; max: number }> = [];
  let afterStall = 0;
  let slow = 0;
  rows.forEach(([sentAt, latency], i) => {
    if (latency <= slowMs) return;
    slow += 1;
    perSecond[Math.min(seconds - 1, Math.floor((sentAt - t0) / 1000))]! += 1;
    const last = episodes.at(-1);
    if (last && sentAt - last.end < EPISODE_GAP_MS) {
      last.end = sentAt;
      last.n += 1;
      last.max = Math.max(last.max, latency);
    } else episodes.push({ start: sentAt, end: sentAt, n: 1, max: latency });
    for (let j = Math.max(1, i - LOOK_BACK); j <= i; j++)
      if (rows[j]![0] - rows[j - 1]![0] >= STALL_GAP_MS) {
        afterStall += 1;
        break;
      }
  });
  // The same for every message: how much more often a slow one follows a stall than any one does.
  let stalls = 0;
  let nearStall = 0;
  let sinceStall = Infinity;
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]![0] - rows[i - 1]![0] >= STALL_GAP_MS) {
      stalls += 1;
      sinceStall = 0;
    } else sinceStall += 1;
    if (sinceStall <= LOOK_BACK) nearStall += 1;
  }
  console.log(
    `${cell}: ${rows.length} messages, ${slow} over ${slowMs} ms; p99 without the first ${skips.join(', ')}`,
  );
  console.log(`  slow per second: ${perSecond.join(' ')}`);
  console.log(
    `  ${pct(afterStall, slow)} of them sent within ${LOOK_BACK} sends after a publisher stall, against ${pct(nearStall, rows.length)} of all messages (${stalls} sends came ≥ ${STALL_GAP_MS} ms after the previous one)`,
  );
  const longGcs = receiverGcs.filter(([, ms]) => ms >= STALL_GAP_MS);
  const longest = Math.max(0, ...receiverGcs.map(([, ms]) => ms));
  console.log(
    `  receiver GCs: ${receiverGcs.length}, ${longGcs.length} of them ≥ ${STALL_GAP_MS} ms (longest ${longest.toFixed(1)} ms)`,
  );
  const shown = episodes
    .slice(0, 30)
    .map((e) => `${((e.start - t0) / 1000).toFixed(2)}s ${e.n}×≤${e.max.toFixed(0)}`);
  console.log(`  ${episodes.length} episodes: ${shown.join(', ')}${episodes.length > 30 ? ', …' : ''}`);
}

for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith('.json') || file.endsWith('.gc.json')) continue;
  const rows = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
  // Other files in the folder (a profiler's, a preload's) are not the receiver's dumps.
  if (!Array.isArray(rows) || rows.length === 0) continue;
  const gcFile = join(dir, file.replace(/\.json$/, '.gc.json'));
  const gcs = existsSync(gcFile)
    ? (JSON.parse(readFileSync(gcFile, 'utf8')) as Array<[number, number, number]>)
    : [];
  report(file.replace(/\.json$/, ''), rows as Row[], gcs);
}
