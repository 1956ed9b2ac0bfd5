// `npm run job -- FILE [--bill]`: runs one program (.bas BASIC, .s assembly) on a private machine.
// stdin feeds its input, stdout gets exactly what it types, stderr what the system says.
// Exit status: 0 normal end, 1 run-time error, 2 rejected by the compiler or assembler (or bad usage).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import type { Lang } from './monitor/protocol.ts';
import { type BasicOptions, isDialect, MAX_MARGIN, MIN_MARGIN } from './basic/options.ts';
import { JOB_V8_FLAGS } from './job-v8.ts';
import { train } from './job-train.ts';
import { TRAIN_ENV } from './code-cache.ts';

/** Cycles a private machine's only job runs between looks by the monitor (unpaced). */
const PRIVATE_QUANTUM = 4_000_000;

const USAGE = 'usage: npm run job -- [--dialect ecma55|extended] [--margin N] FILE [--bill] [--paced]   (FILE.bas is BASIC, FILE.s is assembly; --paced keeps the rated clock)';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

// A reader that stops early (`| head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(1);
  process.stderr.write(`job: cannot write the output: ${e.code ?? e.message}\n`);
  process.exit(1);
});

// Input is read as it comes, so a person can type at the program. The reader starts only when the
// monitor begins to consume it, so that no line (or the end of input) goes by unheard.
async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  try {
    yield* rl;
  } finally {
    rl.close();
  }
}

// (set again by the launcher, job-start.ts, before this bundle is compiled: see job-v8.ts)
for (const flag of JOB_V8_FLAGS) setFlagsFromString(flag);

/** Runs the program named on the command line. */
async function main(): Promise<void> {
  let args = process.argv.slice(2).filter((a) => a !== '--');
  // BASIC's options: --dialect ecma55|extended (default extended), --margin N (default 72)
  const basic: BasicOptions = {};
  for (const opt of ['--dialect', '--margin']) {
    const at = args.findIndex((a) => a === opt || a.startsWith(`${opt}=`));
    if (at < 0) continue;
    const inline = args[at].includes('=') ? args[at].slice(opt.length + 1) : null;
    const value = inline ?? args[at + 1];
    args = args.filter((_, i) => i !== at && (inline !== null || i !== at + 1));
    if (value === undefined) fail(`job: ${opt} needs a value\n${USAGE}`);
    if (opt === '--dialect') {
      if (!isDialect(value)) fail(`job: --dialect must be ecma55 or extended, not ${value}`);
      basic.dialect = value;
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < MIN_MARGIN || n > MAX_MARGIN) fail(`job: --margin must be a whole number from ${MIN_MARGIN} to ${MAX_MARGIN}`);
      basic.margin = n;
    }
  }
  const bill = args.includes('--bill');
  const paced = args.includes('--paced');
  const files = args.filter((a) => a !== '--bill' && a !== '--paced');
  const unknown = files.filter((a) => a.startsWith('-'));
  if (unknown.length > 0) fail(`job: unknown option ${unknown[0]}\n${USAGE}`);
  if (files.length !== 1) fail(USAGE);
  const file = files[0];
  const langs: Record<string, Lang> = { '.bas': 'basic', '.s': 'asm' };
  const lang = langs[extname(file).toLowerCase()];
  if (!lang) fail(`job: ${file}: the name must end in .bas (BASIC) or .s (assembly)`);

  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`job: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }

  // The user sees plain messages on stderr; the internal log (with stack traces) only on request.
  process.env.LOG_LEVEL ??= 'silent';
  const { runStandalone } = await import('./monitor/standalone.ts');
  const result = await runStandalone(source, lang, {
    inputLines: stdinLines(),
    onOutput: (s) => process.stdout.write(s),
    onSystem: (s) => process.stderr.write(s),
    basic,
    // A private machine runs one job, so its time slice only decides how often the monitor looks up:
    // unpaced, a long one (400 ms of rated CPU) spares a compute-bound program thousands of returns
    // from translated code (results and cycle counts do not depend on slicing). Why not 100 ms: every
    // slice ends in the interpreter (the last block that does not fit is run instruction by
    // instruction, for exact slicing), and at 1,000,000 cycles MATMUL's 48 slice ends made V8 start
    // optimising the interpreter just before the program ended; a Node process waits for background
    // compiles before it exits, so that cost 10-15 ms at exit (measured with --trace-opt and
    // timestamps, 2026-12-02). 4,000,000 still returns to the dispatcher often enough for V8 to put
    // optimised WebAssembly in place of its baseline code, which it can only do between calls.
    config: paced ? { paced } : { paced, quantum: PRIVATE_QUANTUM },
  });
  process.stdin.destroy(); // the program may end before its input does
  if (bill) {
    process.stderr.write(`${result.cycles} CYCLES, ${result.cpuSeconds.toFixed(6)} CPU SECONDS\n`);
  }
  process.exitCode = result.exitCode;
}

// (no top-level await: the build makes this bundle CommonJS, for V8's code cache: job-start.ts)
void (process.env[TRAIN_ENV] === '1' ? train() : main());
