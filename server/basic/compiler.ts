// compileBasic: BASIC source to a program image for the monitor. Never throws and never hangs:
// every problem comes back as a message "LINE n: ..." (all of them at once).
import type { CompileResult, Image } from '../machine/image.ts';
import { Trap } from '../machine/isa.ts';
import { checkProgram } from './checks.ts';
import { generate } from './codegen.ts';
import { type BasicOptions, settings } from './options.ts';
import { parseProgram } from './parser.ts';

export type { BasicOptions, Dialect } from './options.ts';

export function compileBasic(source: string, options: BasicOptions = {}): CompileResult {
  try {
    return compile(source, options);
  } catch (err) {
    // A compiler bug must not reach the user as a stack trace.
    return { errors: [`LINE ?: THE COMPILER FAILED ON THIS PROGRAM (${(err as Error).message})`], warnings: [] };
  }
}

function compile(source: string, options: BasicOptions): CompileResult {
  const { program, errors } = parseProgram(source, settings(options));
  const { checked, errors: checkErrors } = checkProgram(program);
  if (errors.length || checkErrors.length) return { errors: sortByLine([...errors, ...checkErrors]), warnings: [] };
  const gen = generate(program, checked);
  if (gen.errors.length) return { errors: sortByLine(gen.errors), warnings: [] };
  const { lineStarts, lineNums, retPcs } = gen;
  const lineAt = (pc: number): number | undefined => {
    if (pc < 0 || pc > gen.codeEnd) return undefined;
    let lo = 0;
    let hi = lineStarts.length - 1;
    if (hi < 0 || pc < lineStarts[0]) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pc) lo = mid; else hi = mid - 1;
    }
    const n = lineNums[lo];
    return n >= 0 ? n : undefined;
  };
  const image: Image = {
    words: gen.words,
    entry: gen.entry,
    bssWords: gen.bssWords,
    stackWords: gen.stackWords,
    codeEnd: gen.codeEnd,
    lineAt,
    describeTrap(kind: Trap, pc: number): string | undefined {
      switch (kind) {
        case Trap.STACK_OVERFLOW: return 'OUT OF MEMORY: TOO MANY NESTED GOSUBS';
        case Trap.STACK_UNDERFLOW: return retPcs.has(pc) ? 'RETURN WITHOUT GOSUB' : undefined;
        default: return undefined;
      }
    },
  };
  return { image, errors: [], warnings: program.warnings };
}

function sortByLine(msgs: string[]): string[] {
  const key = (m: string): number => {
    const n = /^LINE (\d+):/.exec(m);
    return n ? Number(n[1]) : Number.MAX_SAFE_INTEGER;
  };
  return msgs.map((m, i) => ({ m, i })).sort((a, b) => key(a.m) - key(b.m) || a.i - b.i).map((x) => x.m);
}
