// `npm run bench -- basic`: how fast the BASIC compiler is, and what its generated code costs on
// six programs (loops over arrays, floating-point functions, GOSUB in the extended dialect; a sieve,
// a matrix multiplication and math functions in ECMA-55 Minimal BASIC): guest instructions (counted
// exactly, in a separate run), cycles, CPU seconds and host milliseconds (timed runs in this process,
// JIT on), and each program's whole-process time as `npm run -s job` runs it, minus a process that
// runs a one-line program (start-up), as an outside harness would measure it (the three Minimal
// BASIC programs also in the default, extended dialect: `npm run -s job -- FILE`). If a C BASIC
// interpreter is on the PATH (`bwbasic`, Debian's bwbasic package; TIMESHARE_C_BASIC=/path/to/it
// names another that runs `it FILE` and exits at the end of its standard input), the three Minimal
// BASIC programs run there too, measured the same way, and the ratios are printed.
import { compileBasic } from '../../server/basic/compiler.ts';
import { runStandalone } from '../../server/monitor/standalone.ts';
import { CPU } from '../../server/machine/cpu.ts';
import { Context } from '../../server/machine/context.ts';
import { Stop } from '../../server/machine/isa.ts';
import { median } from './_util.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '../../server/basic/options.ts';

/** A C BASIC interpreter to compare with, if the host has one. */
function cBasic(): string | null {
  const named = process.env.TIMESHARE_C_BASIC;
  if (named) return named;
  const r = spawnSync('sh', ['-c', 'command -v bwbasic'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/**
 * Runs `text` once with every CPU slice cut into one-cycle runs. A run with a budget of 1 executes
 * exactly one instruction (every instruction costs at least a cycle), and slicing never changes the
 * result (the machine's slice-exactness guarantee), so the number of one-cycle runs is the exact
 * count of guest instructions. The CPU keeps no counter itself: its hot loop stays lean.
 */
async function countInstructions(text: string, dialect: Dialect): Promise<{ instructions: number; cycles: number }> {
  const proto = CPU.prototype as { run(ctx: Context, budget: number): Stop };
  const run = proto.run;
  let instructions = 0;
  proto.run = function (this: CPU, ctx: Context, budget: number): Stop {
    let used = 0;
    let stop: Stop;
    do {
      stop = run.call(this, ctx, 1);
      used += this.cycles;
      instructions++;
    } while (stop === Stop.BUDGET && used < budget);
    this.cycles = used;
    return stop;
  };
  try {
    const r = await runStandalone(text, 'basic', { cpuLimit: 2_000_000_000, basic: { dialect } });
    if (r.exitCode !== 0) throw new Error(`counting run failed: ${r.stderr}`);
    return { instructions, cycles: r.cycles };
  } finally {
    proto.run = run;
  }
}

/** A 2,000-line program using every kind of statement. */
export function generatedProgram(lines = 2000): string {
  const out: string[] = ['1 DIM A(100), B(10,10), S$(10)', '2 DEF FNA(X) = X * X + 1'];
  let n = 10;
  const bodies = [
    (i: number) => `LET X${i % 10} = A(${i % 100}) * 2 + SIN(${i}) / (1 + Y)`,
    (i: number) => `PRINT "LINE"; ${i}, X${i % 10}; TAB(20); FNA(${i % 7})`,
    (i: number) => `IF X${i % 10} > ${i} AND Y < 3 THEN LET Y = Y + 1 ELSE LET Y = Y - 1`,
    (i: number) => `FOR I = 1 TO 3: LET B(I, ${i % 10}) = I * ${i}: NEXT I`,
    (i: number) => `LET S$(${i % 10}) = LEFT$("ABCDEFGH", ${i % 8}) + STR$(${i})`,
  ];
  while (out.length < lines - 1) {
    out.push(`${n} ${bodies[out.length % bodies.length](out.length)}`);
    n += 1;
  }
  out.push(`${n} END`);
  return out.join('\n');
}

/** Minimal BASIC programs, run in the ecma55 dialect (as a standard implementation runs them). */
const STANDARD: Record<string, string> = {
  SIEVE: `10 REM SIEVE OF ERATOSTHENES: PRIMES BELOW 20000, FIVE TIMES
20 DIM F(20000)
30 FOR R = 1 TO 5
40 LET C = 0
50 FOR I = 2 TO 20000
60 LET F(I) = 0
70 NEXT I
80 FOR I = 2 TO 20000
90 IF F(I) <> 0 THEN 140
100 LET C = C + 1
105 IF I > 10000 THEN 140
110 FOR J = I + I TO 20000 STEP I
120 LET F(J) = 1
130 NEXT J
140 NEXT I
150 NEXT R
160 PRINT C
170 END`,
  MATMUL: `10 REM MATRIX MULTIPLICATION: TWO 80 BY 80 MATRICES
20 LET N = 80
30 DIM A(80,80), B(80,80), C(80,80)
40 FOR I = 1 TO N
50 FOR J = 1 TO N
60 LET A(I,J) = I + J
70 LET B(I,J) = I - J
80 NEXT J
90 NEXT I
100 FOR I = 1 TO N
110 FOR J = 1 TO N
120 LET S = 0
130 FOR K = 1 TO N
140 LET S = S + A(I,K) * B(K,J)
150 NEXT K
160 LET C(I,J) = S
170 NEXT J
180 NEXT I
190 PRINT C(1,1); C(N,N)
200 END`,
  // (ECMA-55 lines have at most 72 characters: line 50 is written without spaces)
  MATH: `10 REM MATH FUNCTIONS: 40,000 ROUNDS OF SQR SIN COS ATN EXP LOG INT ABS
20 LET S = 0
30 FOR I = 1 TO 40000
40 LET X = I / 4000
50 LET S=S+SQR(X)+SIN(X)*COS(X)+ATN(X)+EXP(-X)+LOG(X)+INT(X)-ABS(X-5)
60 NEXT I
70 PRINT S
80 END`,
};

const PROGRAMS: Record<string, string> = {
  ARRAYS: `10 REM BUBBLE SORT OF 400 NUMBERS, THEN A 30 BY 30 MATRIX PRODUCT
20 DIM A(400), P(30,30), Q(30,30), R(30,30)
30 LET X = 1
40 FOR I = 1 TO 400: LET X = X * 75 - INT(X * 75 / 65537) * 65537: LET A(I) = X: NEXT I
50 FOR I = 1 TO 399
60 FOR J = 1 TO 400 - I
70 IF A(J) <= A(J + 1) THEN 90
80 LET T = A(J): LET A(J) = A(J + 1): LET A(J + 1) = T
90 NEXT J
100 NEXT I
110 FOR I = 1 TO 30: FOR J = 1 TO 30: LET P(I,J) = I + J: LET Q(I,J) = I - J: NEXT J: NEXT I
120 FOR I = 1 TO 30: FOR J = 1 TO 30
130 LET S = 0
140 FOR K = 1 TO 30: LET S = S + P(I,K) * Q(K,J): NEXT K
150 LET R(I,J) = S
160 NEXT J: NEXT I
170 PRINT A(1); A(400); R(30,30)
180 END`,
  FLOAT: `10 REM TRANSCENDENTAL FUNCTIONS IN A LOOP
20 LET S = 0
30 FOR I = 1 TO 20000
40 LET X = I / 1000
50 LET S = S + SIN(X) * COS(X) + SQR(X) + LOG(X) - EXP(-X) + ATN(X) / (1 + X ^ 2)
60 NEXT I
70 PRINT S
80 END`,
  GOSUB: `10 REM 60,000 SUBROUTINE CALLS, TWO LEVELS DEEP, WITH ON GOSUB
20 LET C = 0
30 FOR I = 1 TO 20000
40 GOSUB 100
50 ON I - 3 * INT((I - 1) / 3) GOSUB 200, 200, 300
60 NEXT I
70 PRINT C
80 GOTO 9999
100 LET C = C + 1: GOSUB 200: RETURN
200 LET C = C + 2: RETURN
300 LET C = C - 1: RETURN
9999 END`,
};


export async function main(): Promise<void> {
  const src = generatedProgram();
  const check = compileBasic(src);
  if (check.errors.length) throw new Error(`generated program did not compile: ${check.errors[0]}`);
  for (let i = 0; i < 3; i++) compileBasic(src); // warm up the JIT
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 9; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    compileBasic(src);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const compileMs = Math.round(median(times) * 100) / 100;
  console.log(`compile 2,000 lines: median ${compileMs} ms wall, ${Math.round(median(cpu) * 100) / 100} ms CPU, of 9 (${check.image?.words.length} words of image)`);
  const programs: Record<string, { dialect: Dialect; guest_instructions: number; guest_cycles: number; cpu_seconds: number; host_ms: number; host_cpu_ms: number; process_ms: number; process_cpu_ms: number | null; start_ms: number; start_cpu_ms: number | null; extended_process_ms?: number; extended_process_cpu_ms?: number | null }> = {};
  const all: [string, string, Dialect][] = [
    ...Object.entries(PROGRAMS).map(([n, t]) => [n, t, 'extended'] as [string, string, Dialect]),
    ...Object.entries(STANDARD).map(([n, t]) => [n, t, 'ecma55'] as [string, string, Dialect]),
  ];
  const round = (x: number): number => Math.round(x * 10) / 10;
  const q = (x: number | null): string => (x === null ? '?' : String(round(x)));
  console.log(`whole processes: ${ROUNDS} rounds of each program, each round after a one-line program's (start-up); CPU from ${cpuTool === 'perf' ? 'perf stat task-clock, all threads' : cpuTool === 'time' ? 'GNU time, user + system, 10 ms steps' : 'nothing (no perf or GNU time here)'}`);
  for (const [name, text, dialect] of all) {
    const runs: { ms: number; cpu: number; cycles: number; secs: number; out: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await runStandalone(text, 'basic', { cpuLimit: 2_000_000_000, basic: { dialect } });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (r.exitCode !== 0) throw new Error(`${name} failed: ${r.stderr}`);
      runs.push({ ms, cpu: (c.user + c.system) / 1000, cycles: r.cycles, secs: r.cpuSeconds, out: r.stdout.trim() });
    }
    const ms = round(median(runs.map((r) => r.ms)));
    const cpuMs = round(median(runs.map((r) => r.cpu)));
    const counted = await countInstructions(text, dialect);
    if (counted.cycles !== runs[0].cycles) throw new Error(`${name}: the counting run used ${counted.cycles} cycles, the timed runs ${runs[0].cycles}`);
    const p = processVsStart(text, dialect);
    const proc = round(p.wall - p.startWall);
    const procCpu = p.cpu === null || p.startCpu === null ? null : round(p.cpu - p.startCpu);
    programs[name] = { dialect, guest_instructions: counted.instructions, guest_cycles: runs[0].cycles, cpu_seconds: runs[0].secs, host_ms: ms, host_cpu_ms: cpuMs, process_ms: proc, process_cpu_ms: procCpu, start_ms: round(p.startWall), start_cpu_ms: p.startCpu === null ? null : round(p.startCpu) };
    console.log(`${name} (${dialect}): ${counted.instructions} instructions, ${runs[0].cycles} cycles, ${runs[0].secs} CPU seconds; host time median ${ms} ms wall (${cpuMs} ms CPU) of 5 in this process; as a whole process minus start-up ${proc} ms wall, ${q(procCpu)} ms CPU (medians: ${round(p.wall)} ms, start-up ${round(p.startWall)} ms; CPU ${q(p.cpu)} ms, start-up ${q(p.startCpu)} ms) (prints ${runs[0].out})`);
    if (dialect === 'ecma55') {
      // The same Minimal BASIC program as `npm run -s job -- FILE` runs it with no option: in the
      // extended dialect (its FOR and NEXT keep a run-time stack of loops; other code is the same)
      const x = processVsStart(text, 'extended');
      const xw = round(x.wall - x.startWall);
      const xc = x.cpu === null || x.startCpu === null ? null : round(x.cpu - x.startCpu);
      programs[name].extended_process_ms = xw;
      programs[name].extended_process_cpu_ms = xc;
      console.log(`${name} in the default (extended) dialect: as a whole process minus start-up ${xw} ms wall, ${q(xc)} ms CPU (medians: ${round(x.wall)} ms, start-up ${round(x.startWall)} ms)`);
    }
  }
  // The same Minimal BASIC programs in a C interpreter on this host, whole process minus its own
  // start-up (the same one-line program), measured as ours are, again beside ours.
  const cPath = cBasic();
  const c_basic: Record<string, { process_ms: number; process_cpu_ms: number | null; ours_process_ms: number; ours_process_cpu_ms: number | null; ratio_wall: number | null; ratio_cpu: number | null }> = {};
  if (cPath === null) console.log('no C BASIC on this host (apt-get install bwbasic, or TIMESHARE_C_BASIC=path): no comparison');
  else {
    for (const [name, text] of Object.entries(STANDARD)) {
      const theirs = processVsStart(text, 'ecma55', cPath);
      const ours = processVsStart(text, 'ecma55');
      const tw = round(theirs.wall - theirs.startWall), ow = round(ours.wall - ours.startWall);
      const tc = theirs.cpu === null || theirs.startCpu === null ? null : round(theirs.cpu - theirs.startCpu);
      const oc = ours.cpu === null || ours.startCpu === null ? null : round(ours.cpu - ours.startCpu);
      // a difference at or below zero is a start-up median above the program's: noise, no ratio
      const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || a <= 0 || b <= 0 ? null : Math.round((a / b) * 100) / 100);
      c_basic[name] = { process_ms: tw, process_cpu_ms: tc, ours_process_ms: ow, ours_process_cpu_ms: oc, ratio_wall: ratio(ow, tw), ratio_cpu: ratio(oc, tc) };
      console.log(`${name}: whole process minus start-up, ours ${ow} ms wall (${oc ?? '?'} ms CPU), ${cPath} ${tw} ms wall (${tc ?? '?'} ms CPU): ours / theirs ${c_basic[name].ratio_wall ?? '?'} wall, ${c_basic[name].ratio_cpu ?? '?'} CPU`);
    }
  }
  console.log(JSON.stringify({ bench: 'basic', compile_2000_lines_ms: compileMs, programs, ...(cPath ? { c_basic_path: cPath, c_basic } : {}) }));
}

/** Rounds of whole processes behind each whole-process figure. */
const ROUNDS = 9;
const HELLO = '10 PRINT "HELLO"\n20 END\n';

/** How CPU time of a child process is measured: `perf stat` task-clock (all threads, to the
 *  microsecond) when the host has perf, else GNU time (user + system, in 10 ms steps), else none. */
const cpuTool: 'perf' | 'time' | null = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', 'true'], { encoding: 'utf8' }).status === 0
  ? 'perf' : spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? 'time' : null;

/** One whole process of `cmd`: wall ms and CPU ms (null without a tool). */
function oneProcess(cmd: string[]): { wall: number; cpu: number | null } {
  const wrap = cpuTool === 'perf' ? ['perf', 'stat', '-x,', '-e', 'task-clock', ...cmd] : cpuTool === 'time' ? ['/usr/bin/time', '-f', 'TIMES %U %S', ...cmd] : cmd;
  const t0 = performance.now();
  const r = spawnSync(wrap[0], wrap.slice(1), { encoding: 'utf8', input: '' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`job process failed: ${r.stderr}`);
  const perf = /^([\d.]+),msec,task-clock/m.exec(r.stderr);
  const time = /TIMES ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: perf ? Number(perf[1]) : time ? (Number(time[1]) + Number(time[2])) * 1000 : null };
}

/**
 * A program as whole `npm run -s job` processes (the built command, as npm runs it; or `interpreter
 * FILE`), each round also running the one-line program (start-up) just before it, so that a host
 * whose load changes disturbs both alike: medians of ROUNDS of each, wall and CPU ms, which a busy
 * shared machine disturbs less.
 */
function processVsStart(text: string, dialect: Dialect, interpreter?: string): { wall: number; cpu: number | null; startWall: number; startCpu: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-bench-basic-'));
  const file = join(dir, 'p.bas'), hello = join(dir, 'hello.bas');
  writeFileSync(file, text);
  writeFileSync(hello, HELLO);
  const cmd = (f: string) => (interpreter ? [interpreter, f] : [process.execPath, 'server/launch.mjs', 'job', '--dialect', dialect, f]);
  const prog: { wall: number; cpu: number | null }[] = [], start: { wall: number; cpu: number | null }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    start.push(oneProcess(cmd(hello)));
    prog.push(oneProcess(cmd(file)));
  }
  const cpuOf = (xs: { cpu: number | null }[]) => (xs.every((x) => x.cpu !== null) ? median(xs.map((x) => x.cpu!)) : null);
  return { wall: median(prog.map((x) => x.wall)), cpu: cpuOf(prog), startWall: median(start.map((x) => x.wall)), startCpu: cpuOf(start) };
}
