// The run-time library every compiled program carries: machine-code subroutines for strings,
// PRINT's zones and TAB, and INPUT's reply parsing. They are emitted once per program (about 200
// instructions) and called with CALL.
//
// Register conventions shared with the code generator: r0 is zero, r15 the stack pointer; f0 holds
// 0, f12 1, f13 0.5 and f15 machine infinity (the largest double) for the whole run; f14 is scratch.
// These routines may change r1-r5, r13, r14, f1 and f14 and keep everything else, so expression
// temporaries (f2-f11, r6-r12) survive a call. INPUT also uses r6-r12: it runs only between statements.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { Emitter } from './emitter.ts';

export const ZONE_WIDTH = 15;
export const ZONES = 5;
export const INPUT_CAPACITY = 255;

export interface Runtime {
  strcopy: number; strset: number; concat: number; strcmp: number; substr: number;
  comma: number; tab: number; spaces: number; input: number;
  /** bss: INPUT's results, two words per item (a double, or a string's address and length) */
  inres: number;
}

const { LD, ST, LI, MOV, ADD, SUB, MUL, DIV, SHL, LA, BEQ, BNE, BLT, BLE, BGT, BGE, JMP, RET, SVC, FABS, FBGT, STF } = Op;

export function emitRuntime(e: Emitter): Runtime {
  e.markLine(-1);
  const spacesData = e.dataWords(new Array(255).fill(32));
  const inbuf = e.bss(INPUT_CAPACITY + 1);
  const inres = e.bss(2 * 64);
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
  // spaces(r2 = how many): types that many spaces
  const spaces = L();
  {
    e.bind(spaces);
    const loop = L(); const ok = L(); const done = L();
    e.bind(loop);
    e.opL(BLE, 2, 0, 0, done);
    e.op(MOV, 4, 2);
    e.op(LI, 5, 0, 0, 255);
    e.opL(BLE, 4, 5, 0, ok);
    e.op(MOV, 4, 5);
    e.bind(ok);
    e.op(SUB, 13, 2, 4, 0);
    e.op(MOV, 2, 4);
    e.opL(LA, 1, 0, 0, spacesData);
    e.op(SVC, 0, 0, 0, Svc.PUTS);
    e.op(MOV, 2, 13);
    e.opL(JMP, 0, 0, 0, loop);
    e.bind(done);
    e.op(RET);
  }
  // comma: to the start of the next print zone, or a new line from the last zone
  const comma = L();
  {
    e.bind(comma);
    const nl = L();
    e.op(SVC, 0, 0, 0, Svc.COLUMN);
    e.op(DIV, 3, 1, 0, ZONE_WIDTH);
    e.op(ADD, 3, 3, 0, 1);
    e.op(MUL, 3, 3, 0, ZONE_WIDTH);
    e.op(LI, 4, 0, 0, ZONE_WIDTH * ZONES);
    e.opL(BGE, 3, 4, 0, nl);
    e.op(SUB, 2, 3, 1, 0);
    e.opL(JMP, 0, 0, 0, spaces);
    e.bind(nl);
    e.op(LI, 1, 0, 0, 10);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    e.op(RET);
  }
  // tab(r1 = column, counting from 1): a new line first if the carriage is already past it
  const tab = L();
  {
    e.bind(tab);
    const go = L();
    e.op(SUB, 4, 1, 0, 1);
    e.op(SVC, 0, 0, 0, Svc.COLUMN);
    e.opL(BGE, 4, 1, 0, go);
    e.op(LI, 1, 0, 0, 10);
    e.op(SVC, 0, 0, 0, Svc.PUTC);
    e.op(LI, 1, 0, 0, 0);
    e.bind(go);
    e.op(SUB, 2, 4, 1, 0);
    e.opL(JMP, 0, 0, 0, spaces);
  }
  const input = emitInput(e, inbuf, inres);
  return { strcopy, strset, concat, strcmp, substr, comma, tab, spaces, input, inres };
}

// input(r1 = descriptor [count, type per item: 0 number, 1 string], r2 = prompt string)
// -> r4 = 0 with the items in inres, or 1 at the end of input. A bad reply is answered with a
// message and the prompt again (ECMA-55 15.5: the whole reply is re-requested, nothing assigned).
function emitInput(e: Emitter, inbuf: number, inres: number): number {
  const L = () => e.label();
  const input = L();
  const retry = L(); const item = L(); const sk = L(); const nsp = L(); const qf = L(); const qend = L();
  const qs = L(); const qc = L(); const unq = L(); const uf = L(); const uend = L(); const ut = L();
  const utd = L(); const storestr = L(); const after = L(); const done = L(); const eof = L();
  const notnum = L(); const badq = L(); const toomany = L(); const toofew = L(); const toolarge = L();
  const numEmpty = L();
  e.bind(input);
  e.op(MOV, 6, 1);
  e.op(MOV, 7, 2);
  e.bind(retry);
  e.op(LD, 2, 7, 0, 0);
  e.op(ADD, 1, 7, 0, 1);
  e.op(SVC, 0, 0, 0, Svc.PUTS);
  e.opL(LA, 1, 0, 0, inbuf);
  e.op(LI, 2, 0, 0, INPUT_CAPACITY);
  e.op(SVC, 0, 0, 0, Svc.GETS);
  e.opL(BLT, 1, 0, 0, eof);
  e.op(MOV, 8, 1);
  e.op(LI, 9, 0, 0, 0);
  e.op(LI, 10, 0, 0, 0);
  e.op(LD, 11, 6, 0, 0);
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
  // an unquoted datum: up to the next comma, without its surrounding spaces
  e.bind(unq);
  e.op(MOV, 12, 9);
  e.bind(uf);
  e.opL(BGE, 9, 8, 0, uend);
  e.opL(LD, 1, 9, 0, inbuf);
  e.op(LI, 2, 0, 0, 44);
  e.opL(BEQ, 1, 2, 0, uend);
  e.op(LI, 2, 0, 0, 34);
  e.opL(BEQ, 1, 2, 0, badq);
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
  e.opL(BNE, 1, 0, 0, storestr);
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
  e.opL(BLT, 10, 11, 0, toofew);
  e.op(LI, 4, 0, 0, 0);
  e.op(RET);
  e.bind(eof);
  e.op(LI, 4, 0, 0, 1);
  e.op(RET);
  e.bind(numEmpty);
  e.opL(BGE, 9, 8, 0, toofew);
  const complain = (l: number, msg: string): void => {
    e.bind(l);
    const s = e.str(`${msg} - TYPE THE WHOLE REPLY AGAIN\n`);
    e.opL(LA, 1, 0, 0, s, 1);
    e.op(LI, 2, 0, 0, msg.length + 30);
    e.op(SVC, 0, 0, 0, Svc.PUTS);
    e.opL(JMP, 0, 0, 0, retry);
  };
  complain(notnum, 'NOT A NUMBER');
  complain(badq, 'MISPLACED QUOTE');
  complain(toomany, 'TOO MANY ITEMS');
  complain(toofew, 'TOO FEW ITEMS');
  complain(toolarge, 'NUMBER TOO LARGE');
  return input;
}
