// `npm run job -- FILE [--bill]`: runs one program (.bas BASIC, .s assembly) on a private machine.
// stdin feeds its input, stdout gets exactly what it types, stderr what the system says.
// Exit status: 0 normal end, 1 run-time error, 2 rejected by the compiler or assembler (or bad usage).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import type { Lang } from './monitor/protocol.ts';

const USAGE = 'usage: npm run job -- FILE [--bill]   (FILE.bas is BASIC, FILE.s is assembly)';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2).filter((a) => a !== '--');
const bill = args.includes('--bill');
const files = args.filter((a) => a !== '--bill');
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
// The user sees plain messages on stderr; the internal log (with stack traces) only on request.
process.env.LOG_LEVEL ??= 'silent';
const { runStandalone } = await import('./monitor/standalone.ts');
const result = await runStandalone(source, lang, {
  inputLines: stdinLines(),
  onOutput: (s) => process.stdout.write(s),
  onSystem: (s) => process.stderr.write(s),
});
process.stdin.destroy(); // the program may end before its input does
if (bill) {
  process.stderr.write(`${result.cycles} CYCLES, ${result.cpuSeconds.toFixed(6)} CPU SECONDS\n`);
}
process.exitCode = result.exitCode;
