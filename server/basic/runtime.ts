// The run-time library every compiled program carries: machine-code subroutines for strings,
// PRINT's margin, zones and TAB, INPUT's reply parsing and the extended dialect's FOR stack. They
// are emitted once per program (a few hundred instructions) and called with CALL.
//
// Register conventions shared with the code generator: r0 is zero, r15 the stack pointer; f0 holds
// 0, f12 1, f13 0.5 and f15 machine infinity (the largest double) for the whole run; f14 is scratch.
// These routines may change r1-r5, r13, r14, f1 and f14 and keep everything else, so expression
// temporaries (f2-f11, r6-r12) survive a call. INPUT also uses r6-r12: it runs only between statements.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { Emitter } from './emitter.ts';
import type { Settings } from './options.ts';
import { FMT_EXPLICIT_POINT, FMT_MICROSOFT } from './numbers.ts';

/** ECMA-55's print zones are 15 columns wide; Microsoft's, 14. */
export const ZONE_WIDTH_ECMA = 15;
export const ZONE_WIDTH_EXTENDED = 14;
/** INPUT reads a reply of up to this many characters (the continuation lines `??` asks for included). */
export const INPUT_CAPACITY = 1024;
export const MAX_STRING = 255;
/** ECMA-55 7.4: a string variable holds 0 to 18 characters (6.6: longer constants belong in PRINT
 * lists only). The ecma55 dialect keeps to it: a longer INPUT datum is asked for again (15.5), a
 * longer READ datum or assigned constant is a fatal STRING OVERFLOW (16.5). */
export const ECMA_STRING = 18;

export interface Runtime {
  strcopy: number; strset: number; concat: number; strcmp: number; substr: number;
  comma: number; tab: number; spaces: number; input: number;
  /** out(r1 = first character, r2 = length): types text, folding it at the margin */
  out: number;
  /** outnum(f1 = number): types a number as PRINT does, on a new line if it does not fit */
  outnum: number;
  /** printItem(r1, r2): a string PRINT item; in ecma55 on a new line first if it does not fit */
  printItem: number;
  /** newline(): a line end */
  newline: number;
  /** bss: INPUT's results, two words per item (a double, or a string's address and length) */
  inres: number;
  /** the margin's cell (data), when the program sets it (WIDTH); null when it is a constant */
  marginCell: number | null;
}

const { LD, ST, LI, MOV, ADD, SUB, MUL, DIV, MOD, SHL, LA, BEQ, BNE, BLT, BLE, BGT, BGE, JMP, RET, SVC, FABS, FSGN, FMUL, FBGT, FBGE, STF } = Op;

/** What a program needs of the library beyond the usual. */
export interface RuntimeNeeds {
  /** the margin can change (WIDTH): it is read from a cell */
  settableMargin?: boolean;
  /** most items one INPUT reply may hold (64 for INPUT's variables; MAT INPUT takes more) */
  inputItems?: number;
}

export function emitRuntime(e: Emitter, settings: Settings, needs: RuntimeNeeds = {}): Runtime {
  const settableMargin = needs.settableMargin ?? false;
  e.markLine(-1);
  const margin = settings.margin;
  // A program with WIDTH reads the margin from a cell (one cycle more where it is needed); others
  // have it as a constant.
  const marginCell = settableMargin ? e.dataWords([margin]) : null;
  const marginTo = (r: number): void => {
    if (marginCell === null) e.op(LI, r, 0, 0, margin); else e.opL(LD, r, 0, 0, marginCell);
  };
  const spacesData = e.dataWords(new Array(MAX_STRING).fill(32));
  const inbuf = e.bss(INPUT_CAPACITY + 2);
  const numbuf = e.bss(32);
  const inres = e.bss(2 * Math.max(64, needs.inputItems ?? 64));
  const L = () => e.label();

  // strcopy(r1 = source string, r2 = destination slot)
  const strcopy = L();
  {
    e.bind(strcopy);
    const done = L(); const loop = L();
    e.opL(BEQ, 1, 2, 0, done);
    e.op(LD, 3, 1, 0, 0);
    e.op(ST, 3, 2, 0, 0);
    e.op(LI, 4, 0, 0, 0);
    e.opL(BGE, 4, 3, 0, done);
    e.bind(loop);
    e.op(LD, 5, 1, 4, 1);
    e.op(ST, 5, 2, 4, 1);
    e.op(ADD, 4, 4, 0, 1);
    e.opL(BLT, 4, 3, 0, loop);
    e.bind(done);
    e.op(RET);
  }
  // strset(r1 = first character, r2 = length, r3 = destination slot)
  const strset = L();
  {
    e.bind(strset);
    const done = L(); const loop = L();
    e.op(ST, 2, 3, 0, 0);
    e.op(LI, 4, 0, 0, 0);
    e.opL(BGE, 4, 2, 0, done);
    e.bind(loop);
    e.op(LD, 5, 1, 4, 0);
    e.op(ST, 5, 3, 4, 1);
    e.op(ADD, 4, 4, 0, 1);
    e.opL(BLT, 4, 2, 0, loop);
    e.bind(done);
    e.op(RET);
  }
  // concat(r1 = a, r2 = b, r3 = destination, which may be a itself) -> r4 = 0, or 1 if too long
  const concat = L();
  {
    e.bind(concat);
    const app = L(); const cpa = L(); const cpb = L(); const ok = L(); const long = L();
    e.op(LD, 4, 1, 0, 0);
    e.op(LD, 5, 2, 0, 0);
    e.op(ADD, 13, 4, 5, 0);
    e.op(LI, 14, 0, 0, 255);
    e.opL(BGT, 13, 14, 0, long);
    e.op(ST, 13, 3, 0, 0);
    e.opL(BEQ, 1, 3, 0, app);
    e.op(LI, 14, 0, 0, 0);
    e.opL(BGE, 14, 4, 0, app);
    e.bind(cpa);
    e.op(LD, 13, 1, 14, 1);
    e.op(ST, 13, 3, 14, 1);
    e.op(ADD, 14, 14, 0, 1);
    e.opL(BLT, 14, 4, 0, cpa);
    e.bind(app);
    e.op(ADD, 3, 3, 4, 0);
    e.op(LI, 14, 0, 0, 0);
    e.opL(BGE, 14, 5, 0, ok);
    e.bind(cpb);
    e.op(LD, 13, 2, 14, 1);
    e.op(ST, 13, 3, 14, 1);
    e.op(ADD, 14, 14, 0, 1);
    e.opL(BLT, 14, 5, 0, cpb);
    e.bind(ok);
    e.op(LI, 4, 0, 0, 0);
    e.op(RET);
    e.bind(long);
    e.op(LI, 4, 0, 0, 1);
    e.op(RET);
  }
  // strcmp(r1 = a, r2 = b) -> r1 = -1, 0 or 1 (character codes, then length)
  const strcmp = L();
  {
    e.bind(strcmp);
    const m = L(); const loop = L(); const lens = L(); const less = L(); const more = L();
    e.op(LD, 3, 1, 0, 0);
    e.op(LD, 4, 2, 0, 0);
    e.op(MOV, 5, 3);
    e.opL(BLE, 3, 4, 0, m);
    e.op(MOV, 5, 4);
    e.bind(m);
    e.op(SUB, 3, 3, 4, 0);
    e.op(LI, 13, 0, 0, 0);
    e.opL(BGE, 13, 5, 0, lens);
    e.bind(loop);
    e.op(LD, 14, 1, 13, 1);
    e.op(LD, 4, 2, 13, 1);
    e.opL(BLT, 14, 4, 0, less);
    e.opL(BGT, 14, 4, 0, more);
    e.op(ADD, 13, 13, 0, 1);
    e.opL(BLT, 13, 5, 0, loop);
    e.bind(lens);
    e.opL(BLT, 3, 0, 0, less);
    e.opL(BGT, 3, 0, 0, more);
    e.op(LI, 1, 0, 0, 0);
    e.op(RET);
    e.bind(less);
    e.op(LI, 1, 0, 0, -1);
    e.op(RET);
    e.bind(more);
    e.op(LI, 1, 0, 0, 1);
    e.op(RET);
  }
  // substr(r1 = source, r2 = first index from 0, r3 = count, r4 = destination, may equal the source);
  // the index and count are clamped to the string
  const substr = L();
  {
    e.bind(substr);
    const s1 = L(); const s2 = L(); const s3 = L(); const s4 = L(); const loop = L(); const done = L();
    e.op(LD, 5, 1, 0, 0);
    e.opL(BGE, 2, 0, 0, s1);
    e.op(LI, 2, 0, 0, 0);
    e.bind(s1);
    e.opL(BLE, 2, 5, 0, s2);
    e.op(MOV, 2, 5);
    e.bind(s2);
    e.opL(BGE, 3, 0, 0, s3);
    e.op(LI, 3, 0, 0, 0);
    e.bind(s3);
    e.op(SUB, 13, 5, 2, 0);
    e.opL(BLE, 3, 13, 0, s4);
    e.op(MOV, 3, 13);
    e.bind(s4);
    e.op(ST, 3, 4, 0, 0);
    e.op(ADD, 1, 1, 2, 0);
    e.op(LI, 13, 0, 0, 0);
    e.opL(BGE, 13, 3, 0, done);
    e.bind(loop);
    e.op(LD, 14, 1, 13, 1);
    e.op(ST, 14, 4, 13, 1);
    e.op(ADD, 13, 13, 0, 1);
    e.opL(BLT, 13, 3, 0, loop);
    e.bind(done);
    e.op(RET);
  }
  // out(r1 = first character, r2 = length): types the text, starting a new line whenever the
  // carriage reaches the margin (ECMA-55 14.4; Microsoft BASIC folds at its terminal width too)
  const out = L();
  const newline = L();
  {
    e.bind(out);
    const loop = L(); const fits = L(); const ok = L(); const done = L();
    e.op(MOV, 13, 1);
    e.op(MOV, 14, 2);
    e.bind(loop);
    e.opL(BLE, 14, 0, 0, done);
    e.op(SVC, 0, 0, 0, Svc.COLUMN);
    marginTo(3);
    e.op(SUB, 3, 3, 1, 0);
    e.opL(BGT, 3, 0, 0, fits);
    e.op(LI, 1, 0, 0, 10);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    marginTo(3);
    e.bind(fits);
    e.op(MOV, 2, 14);
    e.opL(BLE, 2, 3, 0, ok);
    e.op(MOV, 2, 3);
    e.bind(ok);
    e.op(MOV, 1, 13);
    e.op(SVC, 0, 0, 0, Svc.PUTS);
    e.op(ADD, 13, 13, 2, 0);
    e.op(SUB, 14, 14, 2, 0);
    e.opL(JMP, 0, 0, 0, loop);
    e.bind(done);
    e.op(RET);
    e.bind(newline);
    e.op(LI, 1, 0, 0, 10);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    e.op(RET);
  }
  // In line: a new line first unless the carriage is at the start of one or what remains of it
  // holds `len` (a register) characters (ECMA-55 14.4). Uses r1 and r3.
  const newLineUnlessFits = (len: number): void => {
    const fits = L();
    e.op(SVC, 0, 0, 0, Svc.COLUMN);
    e.opL(BEQ, 1, 0, 0, fits);
    marginTo(3);
    e.op(SUB, 3, 3, 1, 0);
    e.opL(BLE, len, 3, 0, fits);
    e.op(LI, 1, 0, 0, 10);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    e.bind(fits);
  };
  // printItem(r1, r2): a string print item. ECMA-55 14.4: an item that would take a nonempty line
  // past the margin starts a new line first (then a longer one is cut every margin characters, as
  // out does). Microsoft BASIC, and so the extended dialect, just folds the text at the margin.
  const printItem = settings.strict ? L() : out;
  if (settings.strict) {
    e.bind(printItem);
    e.op(MOV, 13, 1);
    e.op(MOV, 14, 2);
    newLineUnlessFits(14);
    e.op(MOV, 1, 13);
    e.op(MOV, 2, 14);
    e.opL(JMP, 0, 0, 0, out);
  }
  // outnum(f1 = number): a sign or space, the digits, a trailing space; on a new line first when
  // the digits (in extended, the digits and the space) do not fit in what is left of this one
  // (ECMA-55 14.4)
  const outnum = L();
  {
    e.bind(outnum);
    const pos = L(); const fmt = L(); const nospace = L();
    e.opL(LA, 1, 0, 0, numbuf, 1);
    e.op(LI, 4, 0, 0, 32);
    e.opL(FBGE, 1, 0, 0, pos);
    e.op(LI, 4, 0, 0, 45);
    e.op(Op.FNEG, 1, 1);
    e.bind(pos);
    e.opL(ST, 4, 0, 0, numbuf);
    e.op(LI, 2, 0, 0, 30);
    e.op(LI, 3, 0, 0, settings.strict ? FMT_EXPLICIT_POINT : FMT_MICROSOFT);
    e.bind(fmt);
    e.op(SVC, 0, 0, 0, Svc.FMTNUM);
    e.op(ADD, 5, 1, 0, 1); // with the sign
    // Microsoft BASIC starts a new line unless the number and its trailing space fit
    // (column + length < width): a number is never split from its space at the margin
    if (settings.strict) newLineUnlessFits(5);
    else {
      e.op(ADD, 4, 5, 0, 1);
      newLineUnlessFits(4);
    }
    e.opL(LA, 1, 0, 0, numbuf);
    e.op(MOV, 2, 5);
    e.op(Op.PUSH, 5, 0, 0, 0);
    e.opL(Op.CALL, 0, 0, 0, out);
    e.op(Op.POP, 5, 0, 0, 0);
    // the trailing space, unless the number ended exactly at the margin
    e.op(SVC, 0, 0, 0, Svc.COLUMN);
    marginTo(3);
    e.opL(BGE, 1, 3, 0, nospace);
    e.op(LI, 1, 0, 0, 32);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    e.bind(nospace);
    e.op(RET);
  }
  // spaces(r2 = how many): types that many spaces (folded at the margin like any text)
  const spaces = L();
  {
    e.bind(spaces);
    const loop = L(); const ok = L(); const done = L();
    e.bind(loop);
    e.opL(BLE, 2, 0, 0, done);
    e.op(MOV, 4, 2);
    e.op(LI, 5, 0, 0, MAX_STRING);
    e.opL(BLE, 4, 5, 0, ok);
    e.op(MOV, 4, 5);
    e.bind(ok);
    e.op(SUB, 5, 2, 4, 0);
    e.op(Op.PUSH, 5, 0, 0, 0);
    e.op(MOV, 2, 4);
    e.opL(LA, 1, 0, 0, spacesData);
    e.opL(Op.CALL, 0, 0, 0, out);
    e.op(Op.POP, 2, 0, 0, 0);
    e.opL(JMP, 0, 0, 0, loop);
    e.bind(done);
    e.op(RET);
  }
  // comma: to the start of the next print zone, or a new line. ECMA-55: a new line from the last
  // zone (the one holding the margin's column). Microsoft: a new line when the next zone would not
  // be whole (72 columns: zones at 0, 14, 28, 42 and 56).
  const comma = L();
  {
    const width = settings.strict ? ZONE_WIDTH_ECMA : ZONE_WIDTH_EXTENDED;
    e.bind(comma);
    const nl = L();
    e.op(SVC, 0, 0, 0, Svc.COLUMN);
    e.op(DIV, 3, 1, 0, width);
    e.op(ADD, 3, 3, 0, 1);
    e.op(MUL, 3, 3, 0, width);
    if (settings.strict) {
      e.op(LI, 4, 0, 0, Math.floor((margin - 1) / width) * width);
      e.opL(BGT, 3, 4, 0, nl);
    } else {
      marginTo(4);
      e.op(SUB, 4, 4, 0, width);
      e.opL(BGT, 3, 4, 0, nl);
    }
    e.op(SUB, 2, 3, 1, 0);
    e.opL(JMP, 0, 0, 0, spaces);
    e.bind(nl);
    e.op(LI, 1, 0, 0, 10);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    e.op(RET);
  }
  // tab(r1 = column). ECMA-55: columns count from 1, the column is reduced into the margin, and a
  // carriage already past it goes to a new line first. Microsoft: columns count from 0, and TAB to a
  // column the carriage has passed does nothing.
  const tab = L();
  {
    e.bind(tab);
    const go = L(); const pos = L();
    if (settings.strict) {
      e.op(SUB, 4, 1, 0, 1);
      e.op(MOD, 4, 4, 0, margin); // ECMA-55 14.4: n - margin * INT((n - 1) / margin), from 0
      e.op(SVC, 0, 0, 0, Svc.COLUMN);
      e.opL(BGE, 4, 1, 0, go);
      e.op(LI, 1, 0, 0, 10);
      e.op(SVC, 0, 0, 0, Svc.PUTC);
      e.op(LI, 1, 0, 0, 0);
      e.bind(go);
      e.op(SUB, 2, 4, 1, 0);
      e.opL(JMP, 0, 0, 0, spaces);
    } else {
      // Microsoft BASIC types TAB(n) - POS spaces, which fold at the margin like any text, so a
      // column past the margin lands on the next line (n up to 255 there; a larger n, an error
      // there, is taken modulo the margin here, so TAB(9^(9^9)) cannot type forever)
      const near = L();
      e.opL(BGE, 1, 0, 0, pos);
      e.op(LI, 1, 0, 0, 0);
      e.bind(pos);
      e.op(MOV, 4, 1);
      e.op(LI, 5, 0, 0, 255);
      e.opL(BLE, 1, 5, 0, near);
      if (marginCell === null) e.op(MOD, 4, 1, 0, margin);
      else { e.opL(LD, 5, 0, 0, marginCell); e.op(MOD, 4, 1, 5, 0); }
      e.bind(near);
      e.op(SVC, 0, 0, 0, Svc.COLUMN);
      e.op(SUB, 2, 4, 1, 0);
      e.opL(JMP, 0, 0, 0, spaces); // (spaces does nothing for a count below 1)
    }
  }
  const input = emitInput(e, inbuf, inres, settings);
  return { strcopy, strset, concat, strcmp, substr, comma, tab, spaces, input, inres, out, printItem, outnum, newline, marginCell };
}

// input(r1 = descriptor [count, type per item: 0 number, 1 string], r2 = prompt string)
// -> r4 = 0 with the items in inres, or 1 at the end of input. A bad reply is answered with a
// message and the prompt again (ECMA-55 15.5: the whole reply is re-requested, nothing assigned).
// The extended dialect answers as Microsoft BASIC does: `?? ` asks for the items still missing on a
// new line, `?EXTRA IGNORED` drops items past the last, and `?REDO FROM START` asks again.
function emitInput(e: Emitter, inbuf: number, inres: number, settings: Settings): number {
  const L = () => e.label();
  const strict = settings.strict;
  const input = L();
  const retry = L(); const item = L(); const sk = L(); const nsp = L(); const qf = L(); const qend = L();
  const qs = L(); const qc = L(); const unq = L(); const uf = L(); const uend = L(); const ut = L();
  const utd = L(); const storestr = L(); const after = L(); const done = L(); const eof = L();
  const notnum = L(); const badq = L(); const toomany = L(); const toofew = L(); const toolarge = L();
  const numEmpty = L(); const toolong = L(); const badchar = L(); const strlong = L(); const more = L();
  const uok = L(); const readLine = L(); const missing = L();
  e.bind(input);
  e.op(MOV, 6, 1);
  e.op(MOV, 7, 2);
  e.bind(retry);
  e.op(LD, 2, 7, 0, 0);
  e.op(ADD, 1, 7, 0, 1);
  e.op(SVC, 0, 0, 0, Svc.PUTS);
  e.op(LI, 8, 0, 0, 0);
  e.op(LI, 10, 0, 0, 0);
  e.op(LD, 11, 6, 0, 0);
  // readLine: a line into inbuf from r8 on; r9 = where it starts, r8 = where it ends
  e.bind(readLine);
  e.opL(LA, 1, 8, 0, inbuf);
  e.op(LI, 2, 0, 0, INPUT_CAPACITY);
  e.op(SUB, 2, 2, 8, 0);
  e.op(SVC, 0, 0, 0, Svc.GETS);
  e.opL(BLT, 1, 0, 0, eof);
  e.op(MOV, 9, 8);
  e.op(ADD, 8, 8, 1, 0);
  e.op(LI, 2, 0, 0, INPUT_CAPACITY);
  e.opL(BGE, 8, 2, 0, toolong);
  e.bind(item);
  e.bind(sk);
  e.opL(BGE, 9, 8, 0, unq);
  e.opL(LD, 1, 9, 0, inbuf);
  e.op(LI, 2, 0, 0, 32);
  e.opL(BNE, 1, 2, 0, nsp);
  e.op(ADD, 9, 9, 0, 1);
  e.opL(JMP, 0, 0, 0, sk);
  e.bind(nsp);
  e.op(LI, 2, 0, 0, 34);
  e.opL(BNE, 1, 2, 0, unq);
  // a quoted string
  e.op(ADD, 9, 9, 0, 1);
  e.op(MOV, 12, 9);
  e.bind(qf);
  e.opL(BGE, 9, 8, 0, badq);
  e.opL(LD, 1, 9, 0, inbuf);
  e.opL(BEQ, 1, 2, 0, qend);
  e.op(ADD, 9, 9, 0, 1);
  e.opL(JMP, 0, 0, 0, qf);
  e.bind(qend);
  e.op(SUB, 13, 9, 12, 0);
  e.op(ADD, 9, 9, 0, 1);
  e.bind(qs);
  const qok = L();
  e.opL(BGE, 9, 8, 0, qok);
  e.opL(LD, 1, 9, 0, inbuf);
  e.op(LI, 2, 0, 0, 32);
  e.opL(BNE, 1, 2, 0, qc);
  e.op(ADD, 9, 9, 0, 1);
  e.opL(JMP, 0, 0, 0, qs);
  e.bind(qc);
  e.op(LI, 2, 0, 0, 44);
  e.opL(BNE, 1, 2, 0, badq);
  e.bind(qok);
  e.opL(BGE, 10, 11, 0, toomany);
  e.op(LD, 1, 6, 10, 1);
  e.opL(BEQ, 1, 0, 0, notnum);
  e.opL(JMP, 0, 0, 0, storestr);
  // an unquoted datum: up to the next comma, without its surrounding spaces. ECMA-55 allows
  // letters, digits, spaces, + - and . in it. Microsoft BASIC takes any character but the comma
  // and the colon (its other terminator, which is then not followed by a comma: ?REDO FROM START),
  // so the extended dialect does too: Life's patterns are typed with `*`.
  e.bind(unq);
  e.op(MOV, 12, 9);
  e.bind(uf);
  e.opL(BGE, 9, 8, 0, uend);
  e.opL(LD, 1, 9, 0, inbuf);
  e.op(LI, 2, 0, 0, 44);
  e.opL(BEQ, 1, 2, 0, uend);
  if (!strict) {
    e.op(LI, 2, 0, 0, 58);
    e.opL(BEQ, 1, 2, 0, badchar);
    e.opL(JMP, 0, 0, 0, uok);
  }
  e.op(LI, 2, 0, 0, 34);
  e.opL(BEQ, 1, 2, 0, badq);
  {
    const ranges: [number, number][] = [[65, 90], [48, 57], [32, 32], [43, 43], [45, 46]];
    for (const [lo, hi] of ranges) {
      const next = L();
      e.op(LI, 2, 0, 0, lo);
      e.opL(BLT, 1, 2, 0, next);
      e.op(LI, 2, 0, 0, hi);
      e.opL(BLE, 1, 2, 0, uok);
      e.bind(next);
    }
    e.opL(JMP, 0, 0, 0, badchar);
  }
  e.bind(uok);
  e.op(ADD, 9, 9, 0, 1);
  e.opL(JMP, 0, 0, 0, uf);
  e.bind(uend);
  e.op(MOV, 13, 9);
  e.bind(ut);
  e.opL(BLE, 13, 12, 0, utd);
  e.opL(LD, 1, 13, 0, inbuf, -1);
  e.op(LI, 2, 0, 0, 32);
  e.opL(BNE, 1, 2, 0, utd);
  e.op(SUB, 13, 13, 0, 1);
  e.opL(JMP, 0, 0, 0, ut);
  e.bind(utd);
  e.op(SUB, 13, 13, 12, 0);
  e.opL(BGE, 10, 11, 0, toomany);
  e.op(LD, 1, 6, 10, 1);
  // ECMA-55 3: an unquoted string has at least one character, so an empty item for a string
  // variable (`A,,B`, a blank reply) is an exception in ecma55; Microsoft BASIC reads it as ""
  if (strict) { const nonEmpty = L(); e.opL(BEQ, 1, 0, 0, nonEmpty); e.opL(BEQ, 13, 0, 0, missing); e.opL(JMP, 0, 0, 0, storestr); e.bind(nonEmpty); }
  else e.opL(BNE, 1, 0, 0, storestr);
  e.opL(BEQ, 13, 0, 0, numEmpty);
  e.opL(LA, 1, 12, 0, inbuf);
  e.op(MOV, 2, 13);
  e.op(SVC, 0, 0, 0, Svc.PARSENUM);
  e.opL(BNE, 1, 13, 0, notnum);
  e.op(FABS, 14, 1);
  e.opL(FBGT, 14, 15, 0, toolarge);
  e.op(SHL, 1, 10, 0, 1);
  e.opL(STF, 1, 1, 0, inres);
  e.opL(JMP, 0, 0, 0, after);
  e.bind(storestr);
  e.op(LI, 2, 0, 0, strict ? ECMA_STRING : MAX_STRING);
  e.opL(BGT, 13, 2, 0, strlong);
  e.op(SHL, 1, 10, 0, 1);
  e.opL(LA, 2, 12, 0, inbuf);
  e.opL(ST, 2, 1, 0, inres);
  e.opL(ST, 13, 1, 0, inres, 1);
  e.bind(after);
  e.op(ADD, 10, 10, 0, 1);
  e.opL(BGE, 9, 8, 0, done);
  e.op(ADD, 9, 9, 0, 1);
  e.opL(JMP, 0, 0, 0, item);
  e.bind(done);
  e.opL(BLT, 10, 11, 0, strict ? toofew : more);
  e.op(LI, 4, 0, 0, 0);
  e.op(RET);
  e.bind(eof);
  e.op(LI, 4, 0, 0, 1);
  e.op(RET);
  e.bind(numEmpty);
  e.opL(BGE, 9, 8, 0, strict ? toofew : more);
  const say = (msg: string): void => {
    const s = e.str(msg);
    e.opL(LA, 1, 0, 0, s, 1);
    e.op(LI, 2, 0, 0, msg.length);
    e.op(SVC, 0, 0, 0, Svc.PUTS);
  };
  if (!strict) {
    // too few items: `?? ` and the rest on another line, appended to the reply so far
    e.bind(more);
    say('?? ');
    e.opL(JMP, 0, 0, 0, readLine);
    // too many: the extra items are ignored
    e.bind(toomany);
    say('?EXTRA IGNORED\n');
    e.op(LI, 4, 0, 0, 0);
    e.op(RET);
  }
  const complain = (l: number, msg: string): void => {
    e.bind(l);
    say(strict ? `${msg} - TYPE THE WHOLE REPLY AGAIN\n` : '?REDO FROM START\n');
    e.opL(JMP, 0, 0, 0, retry);
  };
  complain(notnum, 'NOT A NUMBER');
  complain(badq, 'MISPLACED QUOTE');
  if (strict) complain(toomany, 'TOO MANY ITEMS');
  if (strict) complain(missing, 'AN ITEM IS EMPTY');
  if (strict) complain(toofew, 'TOO FEW ITEMS');
  else e.bind(toofew);
  // ECMA-55 15.5: a numeric datum that overflows is a nonfatal exception whose recovery is to ask for
  // the whole reply again (unlike READ, which supplies machine infinity): nothing is assigned
  complain(toolarge, strict ? 'NUMERIC OVERFLOW' : 'NUMBER TOO LARGE');
  complain(toolong, 'REPLY TOO LONG');
  complain(strlong, `STRING LONGER THAN ${strict ? ECMA_STRING : MAX_STRING} CHARACTERS`);
  complain(badchar, 'A STRING WITH THAT CHARACTER NEEDS QUOTES');
  return input;
}
