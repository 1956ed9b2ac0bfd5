// `npm run bench -- basic`: how fast the BASIC compiler is, and what its generated code costs on
// three programs (loops over arrays, floating-point functions, GOSUB): guest instructions (counted
// exactly, in a separate run), cycles, CPU seconds and host milliseconds (timed runs, JIT on).
import { compileBasic } from '../../server/basic/compiler.ts';
import { runStandalone } from '../../server/monitor/standalone.ts';
import { CPU } from '../../server/machine/cpu.ts';
import { Context } from '../../server/machine/context.ts';
import { Stop } from '../../server/machine/isa.ts';
import { median } from './_util.ts';

/**
 * Runs `text` once with every CPU slice cut into one-cycle runs. A run with a budget of 1 executes
 * exactly one instruction (every instruction costs at least a cycle), and slicing never changes the
 * result (the machine's slice-exactness guarantee), so the number of one-cycle runs is the exact
 * count of guest instructions. The CPU keeps no counter itself: its hot loop stays lean.
 */
async function countInstructions(text: string): Promise<{ instructions: number; cycles: number }> {
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
    const r = await runStandalone(text, 'basic', { cpuLimit: 2_000_000_000 });
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
80 STOP
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
  const programs: Record<string, { guest_instructions: number; guest_cycles: number; cpu_seconds: number; host_ms: number }> = {};
  for (const [name, text] of Object.entries(PROGRAMS)) {
    const runs: { ms: number; cycles: number; secs: number; out: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await runStandalone(text, 'basic', { cpuLimit: 2_000_000_000 });
      const ms = performance.now() - t0;
      if (r.exitCode !== 0) throw new Error(`${name} failed: ${r.stderr}`);
      runs.push({ ms, cycles: r.cycles, secs: r.cpuSeconds, out: r.stdout.trim() });
    }
    const ms = Math.round(median(runs.map((r) => r.ms)) * 10) / 10;
    const counted = await countInstructions(text);
    if (counted.cycles !== runs[0].cycles) throw new Error(`${name}: the counting run used ${counted.cycles} cycles, the timed runs ${runs[0].cycles}`);
    programs[name] = { guest_instructions: counted.instructions, guest_cycles: runs[0].cycles, cpu_seconds: runs[0].secs, host_ms: ms };
    console.log(`${name}: ${counted.instructions} instructions, ${runs[0].cycles} cycles, ${runs[0].secs} CPU seconds, median ${ms} host ms of 5 (${Math.round(counted.instructions / ms / 1000)} guest MIPS; prints ${runs[0].out})`);
  }
  console.log(JSON.stringify({ bench: 'basic', compile_2000_lines_ms: compileMs, programs }));
}
