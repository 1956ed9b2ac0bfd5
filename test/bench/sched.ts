// `npm run bench -- sched [--seconds S] [--rounds R] [--quantum Q] [--sweep]`: the round-robin
// scheduler under 1, 10 and 100 CPU-bound jobs on the real mainframe thread. Each job is a tight
// loop of 1-cycle instructions, so guest instructions = cycles. Throughput and fairness are
// measured between two SYSTAT snapshots (after a warm-up), so compiling and starting the jobs are
// not counted. The window lasts at least S seconds and, so that fairness is not swamped by the
// one-quantum granularity of a snapshot, until the average job has had MIN_QUANTA quanta (at most
// 5 S seconds).
// Throughput is reported per wall second and per CPU second of this process (the main thread
// only waits here, so that is the mainframe thread's CPU time): the machine is shared with other
// work, and CPU time is what a noisy neighbour cannot steal. The ratio in the JSON line uses CPU
// seconds; both are printed. --sweep also measures 100 jobs at other quanta (README's table).
import { Mainframe } from '../../server/monitor/mainframe.ts';
import type { FromMainframe, JobInfo } from '../../server/monitor/protocol.ts';
import { DEFAULT_CONFIG } from '../../server/monitor/config.ts';

const LOOP = 'start: ADD r1, r1, 1\n        JMP start\n';
const WARMUP_MS = 500;
const MIN_QUANTA = 30;
const POLL_MS = 200;

interface Run {
  jobs: number;
  quantum: number;
  mips: number;
  /** guest MIPS per CPU second of this process */
  cpuMips: number;
  jain: number;
  /** quanta of CPU the average job got in the window */
  quantaPerJob: number;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

export function jain(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}

async function measure(jobs: number, quantum: number, seconds: number): Promise<Run> {
  const mf = await Mainframe.start({ quantum });
  let waiting: ((jobs: JobInfo[]) => void) | null = null;
  let closing = false;
  mf.onMessage((m: FromMainframe) => {
    if (m.t === 'systat' && waiting) waiting(m.jobs);
    if (m.t === 'end' && !closing) console.error(`job ${m.job} ended early: ${m.reason} ${m.message}`);
  });
  const systat = (): Promise<{ at: number; cpu: number; cycles: Map<number, number> }> =>
    new Promise((resolve) => {
      waiting = (js) => {
        const u = process.cpuUsage();
        resolve({ at: performance.now(), cpu: (u.user + u.system) / 1e6, cycles: new Map(js.map((j) => [j.job, j.meters.cycles])) });
      };
      mf.post({ t: 'systat', req: 0 });
    });
  for (let j = 1; j <= jobs; j++) {
    mf.post({ t: 'run', job: j, owner: 'bench', line: null, name: 'loop', lang: 'asm', source: LOOP, cpuLimit: 2 ** 52 });
  }
  await sleep(WARMUP_MS);
  const a = await systat();
  const sum = (m: Map<number, number>): number => [...m.values()].reduce((x, y) => x + y, 0);
  let b = a;
  for (;;) {
    await sleep(POLL_MS);
    b = await systat();
    const elapsed = (b.at - a.at) / 1000;
    const quanta = (sum(b.cycles) - sum(a.cycles)) / jobs / quantum;
    if (elapsed >= seconds && (quanta >= MIN_QUANTA || elapsed >= 5 * seconds)) break;
  }
  closing = true;
  await mf.close();
  const deltas = [...b.cycles].map(([job, c]) => c - (a.cycles.get(job) ?? 0));
  const total = deltas.reduce((x, y) => x + y, 0);
  const mips = total / ((b.at - a.at) / 1000) / 1e6;
  const cpuMips = total / (b.cpu - a.cpu) / 1e6;
  return { jobs, quantum, mips, cpuMips, jain: jain(deltas), quantaPerJob: total / jobs / quantum };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function show(r: Run): void {
  console.log(`${String(r.jobs).padStart(4)} jobs  quantum ${String(r.quantum).padStart(9)}  ` +
    `${r.mips.toFixed(1).padStart(6)} guest MIPS (${r.cpuMips.toFixed(1).padStart(6)} per CPU s)  jain ${r.jain.toFixed(6)}  ${r.quantaPerJob.toFixed(1)} quanta/job`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function main(args: string[]): Promise<void> {
  const seconds = option(args, '--seconds', 2);
  const rounds = option(args, '--rounds', 3);
  const quantum = option(args, '--quantum', DEFAULT_CONFIG.quantum);
  console.log(`sched: a tight loop per job, ${seconds} s per measurement after ${WARMUP_MS} ms warm-up, ` +
    `${rounds} interleaved rounds (medians), quantum ${quantum} cycles`);
  const sizes = [1, 10, 100];
  const runs = new Map<number, Run[]>(sizes.map((n) => [n, []]));
  // Interleaved rounds, so that a noisy neighbour on the host hurts every size alike.
  for (let round = 0; round < rounds; round++) {
    for (const n of sizes) {
      const r = await measure(n, quantum, seconds);
      show(r);
      runs.get(n)!.push(r);
    }
  }
  if (args.includes('--sweep')) {
    for (const q of [1_000, 10_000, 1_000_000]) show(await measure(100, q, seconds));
  }
  const med = (n: number, k: 'mips' | 'cpuMips'): number => median(runs.get(n)!.map((r) => r[k]));
  const ratioOf = (k: 'mips' | 'cpuMips'): number => median(runs.get(1)!.map((one, i) => runs.get(100)![i][k] / one[k]));
  const ratio = ratioOf('cpuMips');
  const j = median(runs.get(100)!.map((r) => r.jain));
  for (const k of ['mips', 'cpuMips'] as const) {
    console.log(`medians ${k === 'mips' ? 'per wall second' : 'per CPU second '}: 1 job ${med(1, k).toFixed(1)}, ` +
      `10 jobs ${med(10, k).toFixed(1)}, 100 jobs ${med(100, k).toFixed(1)} guest MIPS; ratio 100/1 ${ratioOf(k).toFixed(4)}`);
  }
  console.log(`throughput ratio (100 jobs / 1 job, per CPU second, median of rounds): ${ratio.toFixed(4)}; Jain over 100 jobs: ${j.toFixed(6)}`);
  console.log(JSON.stringify({
    bench: 'sched', jobs: 100, throughput_ratio: Number(ratio.toFixed(4)), jain: Number(j.toFixed(6)),
    quantum_cycles: quantum,
  }));
}
