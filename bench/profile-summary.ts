/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time by function and by
 * file or package, and inclusive time of the functions whose names match --grep.
 * Usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 30] [--grep name] [--busy]
 *   [--from MS] [--to MS]
 * --busy keeps only the longest stretch in which the thread was busy (idle < 30 % in each 50 ms):
 * in a burst cell that is the burst, without start-up, warm-up and the idle tail.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    grep: { type: 'string' },
    busy: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  console.error(
    'usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--grep name] [--busy | --from MS --to MS]',
  );
  process.exit(64);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** Each sample's time since the profile's start (µs). */
const sampleAt: number[] = [];
let elapsed = 0;
for (const d of profile.timeDeltas) sampleAt.push((elapsed += d));
const [fromUs, toUs] = values.busy
  ? busiestStretch()
  : [Number(values.from ?? 0) * 1000, values.to ? Number(values.to) * 1000 : Infinity];
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  const at = sampleAt[i]!;
  if (at >= fromUs && at < toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** [from, to) in µs: the longest run of 50 ms windows that were each < 30 % idle. */
function busiestStretch(): [number, number] {
  const windowUs = 50_000;
  const idleIds = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const sampled: number[] = [];
  const idle: number[] = [];
  profile.samples.forEach((id, i) => {
    const w = Math.floor(sampleAt[i]! / windowUs);
    sampled[w] = (sampled[w] ?? 0) + (profile.timeDeltas[i] ?? 0);
    if (idleIds.has(id)) idle[w] = (idle[w] ?? 0) + (profile.timeDeltas[i] ?? 0);
  });
  let best = [0, -1];
  let start = 0;
  for (let w = 0; w <= sampled.length; w++) {
    const busy = w < sampled.length && (sampled[w] ?? 0) > 0 && (idle[w] ?? 0) < 0.3 * (sampled[w] ?? 0);
    if (!busy) {
      if (w - 1 - start > best[1]! - best[0]!) best = [start, w - 1];
      start = w + 1;
    }
  }
  const [from, to] = best as [number, number];
  console.log(`busy stretch: ${((to - from + 1) * windowUs) / 1000} ms from ${(from * windowUs) / 1000} ms`);
  return [from * windowUs, (to + 1) * windowUs];
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) return '(native/v8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0)
    return url
      .slice(nm + 13)
      .split('/')
      .slice(0, url.slice(nm + 13).startsWith('@') ? 2 : 1)
      .join('/');
  if (url.startsWith('node:')) return url;
  const m = /\/(dist|src)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url;
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const top = Number(values.top);

const fnSelf = new Map<string, number>();
const fileSelf = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'}  ${where(url)}:${lineNumber + 1}`;
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
  fileSelf.set(where(url), (fileSelf.get(where(url)) ?? 0) + us);
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show('self time by file/package', fileSelf);
show('self time by function', fnSelf);

if (values.grep) {
  // Inclusive time: a sample counts once for every distinct matching frame on its stack.
  const re = new RegExp(values.grep);
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = byId.get(cur)!.callFrame;
      const key = `${functionName || '(anonymous)'}  ${where(url)}:${lineNumber + 1}`;
      if (re.test(key) && !seen.has(key)) {
        seen.add(key);
        incl.set(key, (incl.get(key) ?? 0) + us);
      }
    }
  }
  show(`inclusive time of frames matching /${values.grep}/`, incl);
}
