// `npm run bench -- sched [--seconds S] [--rounds R] [--quantum Q] [--sweep]`: the round-robin
// scheduler under 1, 10 and 100 CPU-bound jobs on the real mainframe thread (Mainframe.start()).
// Each job is a tight loop of 1-cycle instructions, so guest instructions = cycles.
//
// Method. The host is shared (other work runs beside the benchmark), so its speed drifts from
// second to second. One mainframe runs throughout; in each of R rounds it runs 1, 10 and 100 loop
// jobs (extra jobs are started for a window and killed after it; the order alternates between
// rounds), each for a window of S seconds measured between two SYSTAT snapshots. The throughput
// ratio is the median over rounds of (100-job rate / 1-job rate) within the same round, so slow
// drift cancels. Rates are printed per
// wall second and per CPU second of this process (the main thread only waits here, so that is the
// mainframe thread's CPU time, which a neighbour cannot steal); the JSON ratio is per CPU second.
// Jain's index is measured in one further window with 100 jobs that lasts until the average job
// has had MIN_QUANTA quanta, so that the one-quantum granularity of a snapshot does not swamp it.
// Response time: a job that types back each line it reads (the probe) runs beside the loops; we
// time PROBES lines from posting to echo, with 1, 10 and 100 loops running.
// --sweep repeats the measurement at other quanta (README's table of the quantum's effect).
import { Mainframe } from '../../server/monitor/mainframe.ts';
import type { FromMainframe, JobInfo } from '../../server/monitor/protocol.ts';
import { DEFAULT_CONFIG } from '../../server/monitor/config.ts';
import { CPU } from '../../server/machine/cpu.ts';
import { median, option, sleep } from './_util.ts';

const LOOP = 'start: ADD r1, r1, 1\n        JMP start\n';
const ECHO = 'start: LA r1, buf\n LI r2, 80\n SVC GETS\n MOV r2, r1\n LA r1, buf\n SVC PUTS\n JMP start\nbuf: .space 80\n';
const PROBE = 1_000_000;
const PROBES = 25;
/** After starting jobs, before measuring, every job must be past the CPU's warm-up: its JIT tier
 *  watches a job only after CPU.defaults.jitAfter cycles and then translates its hot code. We wait
 *  until each job has run WARM_FACTOR times that (and 3 quanta), then WARMUP_MS more. */
const WARMUP_MS = 300;
const WARM_FACTOR = 4;
const MIN_QUANTA = 30;
const SIZES = [1, 10, 100] as const;

interface Snapshot { at: number; cpu: number; cycles: Map<number, number> }
interface Rate { wall: number; cpu: number }
interface Result {
  quantum: number;
  /** per size: a rate per round */
  rates: Map<number, Rate[]>;
  jain: number;
  jainQuanta: number;
  /** per size: median and max echo ms */
  echo: Map<number, [number, number]>;
}

export function jain(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}


async function measure(quantum: number, rounds: number, seconds: number): Promise<Result> {
  const mf = await Mainframe.start({ quantum, cpuLimit: 2 ** 52, paced: false }); // flat out; the jobs must outlast the measurement
  let onSystat: ((jobs: JobInfo[]) => void) | null = null;
  let onEcho: (() => void) | null = null;
  let killing = new Set<number>();
  let closing = false;
  mf.onMessage((m: FromMainframe) => {
    if (m.t === 'systat') onSystat?.(m.jobs);
    if (m.t === 'out' && m.job === PROBE) {
      mf.post({ t: 'drained', job: PROBE, chars: m.text.length });
      onEcho?.();
    }
    if (m.t === 'end' && !closing && !killing.has(m.job)) console.error(`job ${m.job} ended early: ${m.reason} ${m.message}`);
  });
  const snapshot = (): Promise<Snapshot> => new Promise((resolve) => {
    onSystat = (js) => {
      const u = process.cpuUsage();
      const cycles = new Map(js.filter((j) => j.job !== PROBE).map((j) => [j.job, j.meters.cycles]));
      resolve({ at: performance.now(), cpu: (u.user + u.system) / 1e6, cycles });
    };
    mf.post({ t: 'systat', req: 0 });
  });
  const deltas = (a: Snapshot, b: Snapshot): number[] => [...b.cycles].map(([j, c]) => c - (a.cycles.get(j) ?? 0));
  const total = (xs: number[]): number => xs.reduce((x, y) => x + y, 0);
  let next = 2;
  const start = (n: number): number[] => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const job = next++;
      ids.push(job);
      mf.post({ t: 'run', job, owner: 'bench', line: null, name: 'loop', lang: 'asm', source: LOOP, cpuLimit: 2 ** 52 });
    }
    return ids;
  };
  const kill = (ids: number[]): void => {
    killing = new Set([...killing, ...ids]);
    for (const job of ids) mf.post({ t: 'kill', job });
  };
  const warm = async (): Promise<void> => {
    const need = Math.max(3 * quantum, WARM_FACTOR * (CPU.defaults.jitAfter ?? 0));
    const t0 = performance.now();
    for (;;) {
      const s = await snapshot();
      if (Math.min(...s.cycles.values()) >= need || performance.now() - t0 > 30_000) break;
      await sleep(100);
    }
    await sleep(WARMUP_MS);
  };
  const echo = async (): Promise<[number, number]> => {
    const lat: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      await sleep(5 + ((i * 7) % 23)); // arrive at varied points of the round
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        onEcho = resolve;
        mf.post({ t: 'input', job: PROBE, line: 'X' });
      });
      lat.push(performance.now() - t0);
    }
    return [median(lat), Math.max(...lat)];
  };

  mf.post({ t: 'run', job: PROBE, owner: 'bench', line: 1, name: 'echo', lang: 'asm', source: ECHO });
  mf.post({ t: 'run', job: 1, owner: 'bench', line: null, name: 'loop', lang: 'asm', source: LOOP, cpuLimit: 2 ** 52 });
  await warm();
  const rates = new Map<number, Rate[]>(SIZES.map((n) => [n, []]));
  const echoes = new Map<number, [number, number]>();
  for (let round = 0; round < rounds; round++) {
    // Alternate the order (1, 10, 100, then 100, 10, 1) so that a drift in the host's speed during
    // a round does not favour one size.
    for (const n of round % 2 ? [...SIZES].reverse() : SIZES) {
      const extra = start(n - 1);
      await warm();
      const a = await snapshot();
      await sleep(seconds * 1000);
      const b = await snapshot();
      const sum = total(deltas(a, b));
      rates.get(n)!.push({ wall: sum / ((b.at - a.at) / 1000) / 1e6, cpu: sum / (b.cpu - a.cpu) / 1e6 });
      if (round === rounds - 1) echoes.set(n, await echo());
      kill(extra);
    }
  }
  // Fairness: 100 jobs until the average one has had MIN_QUANTA quanta (at most 10 S seconds).
  const extra = start(99);
  await warm();
  const a = await snapshot();
  let b = a;
  do {
    await sleep(200);
    b = await snapshot();
  } while (total(deltas(a, b)) / 100 / quantum < MIN_QUANTA && b.at - a.at < 10_000 * seconds);
  const d = deltas(a, b);
  kill(extra);
  closing = true;
  await mf.close();
  return { quantum, rates, jain: jain(d), jainQuanta: total(d) / 100 / quantum, echo: echoes };
}

function show(r: Result): void {
  for (const n of SIZES) {
    const rs = r.rates.get(n)!;
    const [em, ex] = r.echo.get(n)!;
    console.log(`quantum ${String(r.quantum).padStart(9)}  ${String(n).padStart(3)} jobs  ` +
      `${median(rs.map((x) => x.wall)).toFixed(1).padStart(6)} guest MIPS (${median(rs.map((x) => x.cpu)).toFixed(1).padStart(6)} per CPU s)  ` +
      `echo ${em.toFixed(1)} ms median, ${ex.toFixed(1)} max`);
  }
  console.log(`quantum ${String(r.quantum).padStart(9)}  ratio 100/1: ${ratio(r, 'wall').toFixed(4)} per wall s, ` +
    `${ratio(r, 'cpu').toFixed(4)} per CPU s; Jain over 100 jobs ${r.jain.toFixed(6)} (${r.jainQuanta.toFixed(1)} quanta each)`);
}

function ratio(r: Result, k: keyof Rate): number {
  const ones = r.rates.get(1)!;
  return median(r.rates.get(100)!.map((x, i) => x[k] / ones[i][k]));
}

export async function main(args: string[]): Promise<void> {
  const seconds = option(args, '--seconds', 0.5);
  const rounds = option(args, '--rounds', 10);
  const quantum = option(args, '--quantum', DEFAULT_CONFIG.quantum);
  console.log(`sched: tight-loop jobs; ${rounds} rounds of 1, 10 and 100 jobs, ${seconds} s windows (medians); ` +
    `response time of an echo job beside them`);
  const main = await measure(quantum, rounds, seconds);
  show(main);
  if (args.includes('--sweep')) {
    for (const q of [1_000, 10_000, 20_000, 100_000, 1_000_000]) {
      if (q !== quantum) show(await measure(q, Math.max(3, Math.floor(rounds / 2)), seconds));
    }
  }
  console.log(JSON.stringify({
    bench: 'sched', jobs: 100, throughput_ratio: Number(ratio(main, 'cpu').toFixed(4)), jain: Number(main.jain.toFixed(6)),
    quantum_cycles: quantum,
  }));
}
