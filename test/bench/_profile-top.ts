// Summarises a V8 CPU profile (`node --cpu-prof`, or a benchmark's `--cpu-prof DIR`) the way an echo
// tail is hunted: where the thread's time goes (self time by function), and its longest busy
// stretches (consecutive samples without an idle one), each with the frames it spent most in.
// A typed character waits behind whatever stretch is running, so the longest stretches are the tail.
//   node --import tsx test/bench/_profile-top.ts FILE.cpuprofile [--top 25] [--runs 10]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Frame { functionName: string; url: string; lineNumber: number }
interface Node { id: number; callFrame: Frame; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  top: { type: 'string', default: '25' }, runs: { type: 'string', default: '10' },
  // --stacks N: the N heaviest whole stacks of each long stretch (to see who called a hot frame)
  stacks: { type: 'string', default: '0' },
  // --from S --to S: only the samples between these seconds of the profile (the measured window,
  // leaving out start-up and the logins before it)
  from: { type: 'string', default: '0' }, to: { type: 'string', default: '1e9' },
} });
const prof = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const name = (f: Frame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(server|node_modules|test)\//, '$1/')}:${f.lineNumber + 1}`;
const isIdle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';

/** The outermost frame below (root) that is the program's own code: what started the task. */
function entry(id: number): string {
  let cur: number | undefined = id;
  let best = name(byId.get(id)!.callFrame);
  while (cur !== undefined) {
    const f = byId.get(cur)!.callFrame;
    if (f.url.includes('/server/')) best = name(f);
    cur = parent.get(cur);
  }
  return best;
}

/** The stack of a sample, leaf first, frames joined by ' < '. */
function stack(id: number): string {
  const out: string[] = [];
  for (let c: number | undefined = id; c !== undefined && out.length < 14; c = parent.get(c)) {
    const f = byId.get(c)!.callFrame;
    if (f.functionName !== '(root)') out.push(name(f));
  }
  return out.join(' < ');
}

let total = 0;
const self = new Map<string, number>();
const runs: { start: number; ms: number; self: Map<string, number>; entries: Map<string, number>; stacks: Map<string, number> }[] = [];
let cur: (typeof runs)[number] | null = null;
let t = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = (prof.timeDeltas[i] ?? 0) / 1000;
  t += dt;
  const id = prof.samples[i];
  if (t < Number(values.from) * 1000 || t > Number(values.to) * 1000) {
    cur = null;
    continue;
  }
  if (isIdle(id)) {
    cur = null;
    continue;
  }
  total += dt;
  const n = name(byId.get(id)!.callFrame);
  self.set(n, (self.get(n) ?? 0) + dt);
  if (!cur) runs.push((cur = { start: t, ms: 0, self: new Map(), entries: new Map(), stacks: new Map() }));
  cur.ms += dt;
  cur.self.set(n, (cur.self.get(n) ?? 0) + dt);
  const e = entry(id);
  cur.entries.set(e, (cur.entries.get(e) ?? 0) + dt);
  if (Number(values.stacks) > 0) {
    const st = stack(id);
    cur.stacks.set(st, (cur.stacks.get(st) ?? 0) + dt);
  }
}

const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
console.log(`profile ${(t / 1000).toFixed(1)} s, busy ${(total / 1000).toFixed(2)} s (${((total / t) * 100).toFixed(0)}%)`);
console.log('self time:');
for (const [n, ms] of top(self, Number(values.top))) console.log(`  ${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${n}`);
const sorted = [...runs].sort((a, b) => b.ms - a.ms);
const lens = runs.map((r) => r.ms).sort((a, b) => a - b);
const q = (p: number) => lens[Math.min(lens.length - 1, Math.floor((p / 100) * lens.length))] ?? 0;
console.log(`busy stretches: ${runs.length}, p50 ${q(50).toFixed(2)} ms, p99 ${q(99).toFixed(2)} ms, p99.9 ${q(99.9).toFixed(2)} ms, max ${q(100).toFixed(2)} ms`);
for (const r of sorted.slice(0, Number(values.runs))) {
  console.log(`  ${r.ms.toFixed(1)} ms at ${(r.start / 1000).toFixed(2)} s`);
  for (const [n, ms] of top(r.entries, 3)) console.log(`      entry ${ms.toFixed(1).padStart(6)} ms  ${n}`);
  for (const [n, ms] of top(r.self, 4)) console.log(`      self  ${ms.toFixed(1).padStart(6)} ms  ${n}`);
  for (const [n, ms] of top(r.stacks, Number(values.stacks))) console.log(`      stack ${ms.toFixed(1).padStart(6)} ms  ${n}`);
}
