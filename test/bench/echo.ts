// `npm run bench -- echo [--terminals N] [--busy N] [--seconds S] [--procs P] [--scenarios LIST]`:
// echo round-trip times for 1,000 logged-in terminals each typing 10 characters a second, measured
// against their floor in the same run: a bare `ws` echo server in a child process, typed at by the
// same client processes at the same rate, before and after the Timeshare runs.
//
// Scenarios (default all): `idle` (no jobs), `busy` (N CPU-bound jobs, the server's default
// configuration), `unthrottled` (N CPU-bound jobs, the mainframe flat out: `--unthrottled`).
// The typists are spread over P client processes (default 2) so the client side adds no pauses of
// its own; `--procs 1` shows the floor does not depend on that choice.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { login } from '../frontend/client.ts';
import { removeDir, spawnServer } from '../e2e/spawn.ts';
import { loginMany } from '../e2e/many.ts';
import { type EchoFigures, TypistsPool, measureFloor, show } from './_typists-pool.ts';
import { cpuSample } from './_util.ts';

const WARMUP_MS = 2000;

type RunFigures = EchoFigures & { frontend_cpu_pct: number; mainframe_cpu_pct: number };

async function timeshareRun(terminals: number, procs: number, busyJobs: number, seconds: number, serverArgs: string[], cpuProf?: string, nodeArgs: string[] = []): Promise<RunFigures> {
  // the server's default configuration is paced; `unthrottled` passes --unthrottled
  const server = await spawnServer(['--max-lines', String(terminals + busyJobs + 10), '--log-level', 'warn', ...serverArgs], undefined,
    { built: true, paced: !serverArgs.includes('--unthrottled'), nodeArgs: [...nodeArgs, ...(cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [])] });
  try {
    const busy = await loginMany(server.url, busyJobs, 'busy');
    for (const t of busy) t.send('NEW LOOP.S\r10 start: ADD r1, r1, 1\r20 JMP start\rRUN\r');
    await Promise.all(busy.map((t) => t.expect('RUN\r\n', 30_000)));
    if (busyJobs) {
      const probe = await login(server.url, 'probe', 'benchpw');
      const st = await probe.command('SYSTAT');
      const running = (st.match(/LOOP\.S\s+\d+\s+(RUNNING|READY)/g) ?? []).length;
      console.log(`  ${running} of ${busyJobs} CPU-bound jobs running or ready`);
      probe.close();
    }
    const pool = await TypistsPool.start(server.url, terminals, procs, 'login');
    try {
      // each thread's share of a core over the measured window: steadier than a tail, so an A/B of
      // work taken off the lines' thread shows here first
      const pid = server.child.pid!;
      let cpu0 = { main: 0, other: 0 };
      let cpu1 = cpu0;
      const f = await pool.measure(WARMUP_MS, seconds, { start: () => (cpu0 = cpuSample(pid)), end: () => (cpu1 = cpuSample(pid)) });
      const pct = (a: number, b: number) => Math.round(((b - a) / seconds) * 100);
      return { ...f, frontend_cpu_pct: pct(cpu0.main, cpu1.main), mainframe_cpu_pct: pct(cpu0.other, cpu1.other) };
    } finally {
      await pool.stop();
      for (const t of busy) t.close();
    }
  } finally {
    await server.stop();
    removeDir(server.dir);
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      terminals: { type: 'string', default: '1000' },
      busy: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      procs: { type: 'string', default: '2' },
      scenarios: { type: 'string', default: 'idle,busy,unthrottled' },
      // --cpu-prof DIR: each Timeshare server writes V8 CPU profiles there (one per thread);
      // summarise with `node --import tsx test/bench/_profile-top.ts FILE`
      'cpu-prof': { type: 'string' },
      // --floor-procs 1,2: only the floor, once per client-process count, alternating, three
      // rounds: shows whether spreading the typists over processes changes the floor itself
      'floor-procs': { type: 'string' },
      // --ab="NODE FLAGS": an A/B of the server's node or V8 flags (e.g. "--max-semi-space-size=32"):
      // each scenario runs without them, then with them, alternating, --rounds times (default 3),
      // between the two floors; medians are printed
      ab: { type: 'string' },
      // --ab-args="SERVER ARGS": the same with server arguments (e.g. --mainframe-priority=low)
      'ab-args': { type: 'string' },
      rounds: { type: 'string', default: '3' },
      // --repeat N: the whole run (floor, scenarios, floor) N times, then each ratio's median: one
      // run's ratio is mostly how that run's floor went on a shared host
      repeat: { type: 'string', default: '1' },
      // --hog-floor: the floor once more beside a process spinning at the idle policy, as the
      // unthrottled scenario's mainframe thread does, and that scenario's ratio to it too
      'hog-floor': { type: 'boolean', default: false },
    },
  });
  const terminals = Number(values.terminals);
  const busyJobs = Number(values.busy);
  const seconds = Number(values.seconds);
  const procs = Number(values.procs);
  const scenarios = values.scenarios.split(',');
  if (values['floor-procs']) return floorsOnly(terminals, values['floor-procs'].split(',').map(Number), seconds);
  const known: Record<string, { jobs: number; args: string[] }> = {
    idle: { jobs: 0, args: [] },
    busy: { jobs: busyJobs, args: [] },
    unthrottled: { jobs: busyJobs, args: ['--unthrottled'] },
  };
  for (const s of scenarios) if (!known[s]) throw new Error(`unknown scenario ${s} (idle, busy, unthrottled)`);
  console.log(`${terminals} typists at 10 characters a second each, in ${procs} client process(es); ${seconds} s measured per run after ${WARMUP_MS / 1000} s of warm-up`);

  if (values.ab !== undefined || values['ab-args'] !== undefined) {
    const words = (x: string | undefined) => (x ?? '').split(' ').filter(Boolean);
    return abRuns(terminals, procs, seconds, scenarios.map((x) => ({ name: x, ...known[x]! })), words(values.ab), words(values['ab-args']), Number(values.rounds));
  }
  const repeat = Math.max(1, Number(values.repeat));
  const outs: Record<string, unknown>[] = [];
  for (let i = 0; i < repeat; i++) {
    if (repeat > 1) console.log(`--- run ${i + 1} of ${repeat} ---`);
    outs.push(await sequence(terminals, procs, busyJobs, seconds, scenarios.map((x) => ({ name: x, ...known[x]! })), values['cpu-prof'], values['hog-floor']));
  }
  console.log(`host: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other processes compete with the server and the clients)`);
  if (repeat === 1) {
    console.log(JSON.stringify(outs[0]));
    return;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary: Record<string, unknown> = { bench: 'echo', terminals, procs, busy_jobs: busyJobs, repeat };
  for (const sc of scenarios) {
    const got = outs.map((o) => o[sc] as { p99_ratio?: number; p999_ratio?: number; p99_ms?: number }).filter((x) => typeof x?.p99_ratio === 'number');
    if (got.length === 0) continue;
    const m = {
      p99_ratio: median(got.map((x) => x.p99_ratio!)), p999_ratio: median(got.map((x) => x.p999_ratio!)), p99_ms: median(got.map((x) => x.p99_ms!)),
      p99_ratios: got.map((x) => x.p99_ratio), p999_ratios: got.map((x) => x.p999_ratio),
    };
    summary[sc] = m;
    const target = sc === 'unthrottled' ? 3 : 2;
    console.log(`${sc}, medians of ${got.length} runs: p99 ${m.p99_ratio}x the floor (target <= ${target}; runs ${m.p99_ratios.join(', ')}), p99.9 ${m.p999_ratio}x (target <= 3; runs ${m.p999_ratios.join(', ')})`);
  }
  const hogs = outs.map((o) => (o.unthrottled as { p99_hog_floor_ratio?: number } | undefined)?.p99_hog_floor_ratio).filter((x): x is number => typeof x === 'number');
  if (hogs.length) {
    summary.p99_hog_floor_ratio = median(hogs);
    console.log(`unthrottled against the floor beside an idle spinner, median of ${hogs.length} runs: p99 ${median(hogs)}x (runs ${hogs.join(', ')})`);
  }
  summary.runs = outs;
  console.log(JSON.stringify(summary));
}

/** One run: the floor, each scenario, the floor again; the figures and each ratio to the floor. */
async function sequence(terminals: number, procs: number, busyJobs: number, seconds: number, scenarios: { name: string; jobs: number; args: string[] }[], cpuProf?: string, hogFloor = false): Promise<Record<string, unknown>> {
  const floorBefore = await measureFloor(terminals, procs, WARMUP_MS, seconds);
  console.log(show('floor (bare ws echo), before', floorBefore));
  const results: Record<string, EchoFigures | string> = {};
  for (const { name: s, jobs, args } of scenarios) {
    try {
      const r = await timeshareRun(terminals, procs, jobs, seconds, args, cpuProf);
      results[s] = r;
      console.log(show(`timeshare, ${s} (${jobs} jobs)`, r));
      console.log(`  lines' thread ${r.frontend_cpu_pct}% of a core, mainframe thread ${r.mainframe_cpu_pct}%`);
    } catch (e) {
      results[s] = (e as Error).message.split('\n')[0]!;
      console.log(`timeshare, ${s}: could not run: ${results[s]}`);
    }
  }
  const floorAfter = await measureFloor(terminals, procs, WARMUP_MS, seconds);
  console.log(show('floor (bare ws echo), after', floorAfter));

  // The floor is the mean of the two floor runs; each ratio is Timeshare's figure over it.
  const floorP99 = (floorBefore.p99_ms + floorAfter.p99_ms) / 2;
  const floorP999 = (floorBefore.p999_ms + floorAfter.p999_ms) / 2;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const out: Record<string, unknown> = {
    bench: 'echo', terminals, procs, busy_jobs: busyJobs,
    floor_p99_ms: r2(floorP99), floor_p999_ms: r2(floorP999),
    floor_before: floorBefore, floor_after: floorAfter,
  };
  for (const [s, f] of Object.entries(results)) {
    if (typeof f === 'string') {
      out[s] = { error: f };
      continue;
    }
    const ratio99 = r2(f.p99_ms / floorP99);
    const ratio999 = r2(f.p999_ms / floorP999);
    out[s] = { ...f, p99_ratio: ratio99, p999_ratio: ratio999 };
    const target = s === 'unthrottled' ? 3 : 2;
    console.log(`${s}: p99 ${ratio99}x the floor (target <= ${target}), p99.9 ${ratio999}x (target <= 3)`);
  }
  const flat = out.unthrottled as (EchoFigures & Record<string, unknown>) | undefined;
  if (hogFloor && flat && typeof flat.p99_ms === 'number') {
    const hog = await measureFloor(terminals, procs, WARMUP_MS, seconds, true);
    console.log(show('floor beside an idle spinner', hog));
    out.hog_floor = hog;
    flat.p99_hog_floor_ratio = r2(flat.p99_ms / hog.p99_ms);
    console.log(`unthrottled: p99 ${flat.p99_hog_floor_ratio}x the floor beside an idle spinner`);
  }
  return out;
}

/** Each scenario without and with `flags` on the server's node, alternating, with medians. */
async function abRuns(terminals: number, procs: number, seconds: number, scenarios: { name: string; jobs: number; args: string[] }[], flags: string[], serverArgs: string[], rounds: number): Promise<void> {
  const floorBefore = await measureFloor(terminals, procs, WARMUP_MS, seconds);
  console.log(show('floor (bare ws echo), before', floorBefore));
  const runs = new Map<string, RunFigures[]>();
  for (let round = 0; round < rounds; round++) {
    for (const sc of scenarios) {
      for (const [label, nodeArgs, args] of [['A (as is)', [], []], [`B (${[...flags, ...serverArgs].join(' ')})`, flags, serverArgs]] as [string, string[], string[]][]) {
        const key = `${sc.name} ${label}`;
        const f = await timeshareRun(terminals, procs, sc.jobs, seconds, [...sc.args, ...args], undefined, nodeArgs);
        console.log(`${show(`${key}, round ${round + 1}`, f)}; lines' thread ${f.frontend_cpu_pct}% of a core`);
        runs.set(key, [...(runs.get(key) ?? []), f]);
      }
    }
  }
  const floorAfter = await measureFloor(terminals, procs, WARMUP_MS, seconds);
  console.log(show('floor (bare ws echo), after', floorAfter));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out: Record<string, unknown> = { bench: 'echo-ab', flags: flags.join(' '), server_args: serverArgs.join(' '), rounds, floor_before: floorBefore, floor_after: floorAfter };
  for (const [key, fs] of runs) {
    const m = { p50_ms: median(fs.map((f) => f.p50_ms)), p99_ms: median(fs.map((f) => f.p99_ms)), p999_ms: median(fs.map((f) => f.p999_ms)), frontend_cpu_pct: median(fs.map((f) => f.frontend_cpu_pct)) };
    console.log(`${key}, medians of ${fs.length}: p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, p99.9 ${m.p999_ms} ms, lines' thread ${m.frontend_cpu_pct}% of a core`);
    out[key] = m;
  }
  console.log(`host: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(JSON.stringify(out));
}

/** The floor alone for each client-process count, alternating over three rounds, with medians. */
async function floorsOnly(terminals: number, procsList: number[], seconds: number): Promise<void> {
  const runs = new Map<number, EchoFigures[]>(procsList.map((p) => [p, []]));
  for (let round = 0; round < 3; round++) {
    for (const p of procsList) {
      const f = await measureFloor(terminals, p, WARMUP_MS, seconds);
      runs.get(p)!.push(f);
      console.log(show(`floor, ${p} client process(es), round ${round + 1}`, f));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out: Record<string, unknown> = { bench: 'echo-floors', terminals };
  for (const [p, fs] of runs) {
    const m = { p50_ms: median(fs.map((f) => f.p50_ms)), p99_ms: median(fs.map((f) => f.p99_ms)), p999_ms: median(fs.map((f) => f.p999_ms)) };
    console.log(`floor with ${p} client process(es), medians of 3: p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, p99.9 ${m.p999_ms} ms`);
    out[`procs_${p}`] = m;
  }
  const [l1, l2] = loadavg();
  console.log(`host: ${cpus().length} cores, load average ${l1.toFixed(1)} ${l2.toFixed(1)}`);
  console.log(JSON.stringify(out));
}
