/**
 * Where promoted garbage comes from: objects that survived a scavenge and died later in the old
 * generation (they set the RSS and the scavenge pauses). Attaches to a process started with
 * --inspect, samples allocations for a while and prints the heaviest allocation stacks.
 *
 *   BENCH_FLUP_NODE_ARGS=--inspect=127.0.0.1:9339 npm run bench -- --systems flup --scenarios steady --no-report
 *   npx tsx bench/heap-sample.ts 9339 8          # in another shell, while the cell runs
 *
 * With --all it counts every allocation (young garbage too): where the allocation rate, and so the
 * scavenge work, comes from. Arguments: port, seconds, stack depth shown (frames, innermost last);
 * TOP=N prints N stacks instead of 20.
 */
import { WebSocket } from 'undici';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface SampleNode {
  callFrame: CallFrame;
  selfSize: number;
  children: SampleNode[];
}

const all = process.argv.includes('--all');
const [port = '9229', seconds = '8', depthArg = '5'] = process.argv.slice(2).filter((a) => a !== '--all');
const depth = Number(depthArg);

const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
  webSocketDebuggerUrl: string;
}>;
const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.addEventListener('open', resolve);
  ws.addEventListener('error', reject);
});
let nextId = 0;
const pending = new Map<number, (result: unknown) => void>();
ws.addEventListener('message', (event) => {
  const reply = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
  if (reply.id !== undefined) pending.get(reply.id)?.(reply.result);
});
function call(method: string, params: object = {}): Promise<unknown> {
  const id = ++nextId;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((resolve) => pending.set(id, resolve));
}

await call('HeapProfiler.enable');
await call('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: all,
});
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
const { profile } = (await call('HeapProfiler.stopSampling')) as { profile: { head: SampleNode } };
ws.close();

const bytesByStack = new Map<string, number>();
const frame = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${f.lineNumber}`;
(function walk(node: SampleNode, stack: string[]) {
  const here = [...stack, frame(node.callFrame)];
  if (node.selfSize > 0) {
    const key = here.slice(-depth).join(' < ');
    bytesByStack.set(key, (bytesByStack.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, here);
})(profile.head, []);

const total = [...bytesByStack.values()].reduce((a, b) => a + b, 0);
console.log(
  `sampled ${(total / 1e6).toFixed(1)} MB of ${all ? 'allocations' : 'promoted garbage'} in ${seconds} s`,
);
for (const [stack, bytes] of [...bytesByStack]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(process.env.TOP ?? 20)))
  console.log(`${(bytes / 1e6).toFixed(2).padStart(7)} MB  ${stack}`);
