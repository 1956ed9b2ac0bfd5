// The code generator's driver: a checked Program to machine words. The prologue loads the fixed
// registers, the run-time library follows, then each line's statements (statements.ts), then the
// cold stubs and the routines some statements asked for.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { Checked, Program } from './ast.ts';
import { eachStmt } from './checks.ts';
import { CodeContext, FHALF, FMAX, FONE, FZERO, GenError } from './context.ts';
import { Emitter } from './emitter.ts';
import { emitRuntime } from './runtime.ts';
import { MAT_INPUT_ITEMS } from './matrices.ts';
import { Statements } from './statements.ts';
import { Storage } from './storage.ts';

/** The stack of a program without GOSUB: the run-time library's few words, with room to spare. */
export const STACK_WORDS = 1024;
/**
 * The stack of a program with GOSUB: a return address per level (and, in the extended dialect, the
 * caller's FOR-stack floor beside it), so at least GOSUB_DEPTH_ECMA55 / GOSUB_DEPTH_EXTENDED levels
 * of nesting, then `OUT OF MEMORY: TOO MANY NESTED GOSUBS IN LINE n`. Classic BASICs allowed as many
 * as free memory held; 4,096 words (16 KB of a partition) is that bound here, and only programs
 * that can nest pay for it.
 */
export const GOSUB_STACK_WORDS = 4096;
export const GOSUB_DEPTH_ECMA55 = 4000;
export const GOSUB_DEPTH_EXTENDED = 2000;

export interface GenResult {
  words: Int32Array; entry: number; codeEnd: number; bssWords: number; stackWords: number;
  lineStarts: number[]; lineNums: number[]; errors: string[]; retPcs: Set<number>;
}

export function generate(prog: Program, checked: Checked): GenResult {
  const e = new Emitter();
  e.markLine(-1);
  e.opL(Op.LDF, FMAX, 0, 0, e.num(Number.MAX_VALUE));
  e.opL(Op.LDF, FHALF, 0, 0, e.num(0.5));
  e.opL(Op.LDF, FONE, 0, 0, e.num(1));
  e.opL(Op.LDF, FZERO, 0, 0, e.num(0));
  // CLEAR empties the stack: where it starts is kept (a data word: CLEAR zeroes bss)
  const initialSp = uses(prog, 'clear') ? e.dataWords([0]) : null;
  if (initialSp !== null) e.opL(Op.ST, 15, 0, 0, initialSp);
  const first = e.label();
  e.opL(Op.JMP, 0, 0, 0, first);
  const rt = emitRuntime(e, prog.settings, { settableMargin: uses(prog, 'width'), inputItems: uses(prog, 'mat-input') ? MAT_INPUT_ITEMS : 64 });
  const store = new Storage(e, prog.data, checked);
  const c = new CodeContext(e, prog, checked, prog.settings, rt, store);
  c.initialSp = initialSp;
  const statements = new Statements(c);
  e.bind(first);
  for (const ln of prog.lines) {
    c.line = ln.num;
    e.bind(c.lineLabel(ln.num));
    e.markLine(ln.num);
    try {
      for (const s of ln.stmts) statements.stmt(s);
    } catch (err) {
      if (!(err instanceof GenError)) throw err;
      c.errors.push(`LINE ${ln.num}: ${err.message}`);
    }
  }
  // Running off the last line stops the program (ECMA-55 programs end with END anyway).
  e.op(Op.LI, 1, 0, 0, 0);
  e.op(Op.SVC, 0, 0, 0, Svc.EXIT);
  c.emitStubs();
  const fin = e.finish();
  if (fin.unbound.length && c.errors.length === 0) c.errors.push('LINE ?: INTERNAL ERROR: AN UNRESOLVED JUMP');
  return {
    words: fin.words, entry: 0, codeEnd: fin.codeEnd, bssWords: fin.bssWords, stackWords: hasGosub(prog) ? GOSUB_STACK_WORDS : STACK_WORDS,
    lineStarts: e.lineStarts, lineNums: e.lineNums, errors: c.errors, retPcs: c.retPcs,
  };
}

function hasGosub(prog: Program): boolean {
  let found = false;
  for (const ln of prog.lines) eachStmt(ln.stmts, (s) => { if (s.k === 'gosub' || (s.k === 'on' && s.gosub)) found = true; });
  return found;
}

function uses(prog: Program, k: 'clear' | 'width' | 'mat-input'): boolean {
  let found = false;
  for (const ln of prog.lines) eachStmt(ln.stmts, (s) => { if (s.k === k) found = true; });
  return found;
}
