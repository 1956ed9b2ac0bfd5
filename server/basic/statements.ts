// Statements: each BASIC statement to machine code, using Expressions for the values it needs.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { DimSpec, Expr, LValue, PrintItem, Stmt } from './ast.ts';
import { CodeContext, FREG0, FTMP } from './context.ts';
import { Expressions } from './expressions.ts';
import { Loops } from './loops.ts';
import { Matrices } from './matrices.ts';
import { DESC_WORDS, HEAP_WORDS } from './storage.ts';
import { MAX_MARGIN, MIN_MARGIN } from './options.ts';
import { ECMA_STRING } from './runtime.ts';

const { LD, ST, LI, MOV, ADD, SUB, MUL, SHL, LA, LDF, STF, FMOV, FTOI, FFLOOR, FBLT, FBGT, JMP, BEQ, BNE, BLT, BGT, BGE, CALL, RET, SVC, HALT } = Op;

export class Statements {
  private readonly x: Expressions;
  private readonly loops: Loops;
  private readonly mats: Matrices;

  constructor(private readonly c: CodeContext) {
    this.x = new Expressions(c);
    this.loops = new Loops(c, this.x);
    this.mats = new Matrices(c, this.x);
  }

  stmt(s: Stmt): void {
    const c = this.c;
    const e = c.e;
    c.numDepth = 0;
    c.strDepth = 0;
    this.x.hoistEnd(s); // a statement outside the loop whose subscripts are hoisted (hoist.ts)
    switch (s.k) {
      case 'nop': case 'option': return;
      case 'clear': return this.clearStmt();
      case 'width': return this.widthStmt(s.e);
      case 'let': return this.letStmt(s.target, s.e);
      case 'print': return this.printStmt(s.items);
      case 'input': return this.inputStmt(s);
      case 'read': return this.readStmt(s.targets);
      case 'restore': {
        const idx = s.line === null ? 0 : this.dataIndexAt(s.line);
        if (idx === 0) e.opL(ST, 0, 0, 0, c.store.dataPointer);
        else { e.op(LI, 1, 0, 0, idx); e.opL(ST, 1, 0, 0, c.store.dataPointer); }
        return;
      }
      case 'goto': e.opL(JMP, 0, 0, 0, c.lineLabel(s.line)); return;
      case 'gosub':
        if (c.strict) e.opL(CALL, 0, 0, 0, c.lineLabel(s.line)); else this.loops.gosub(c.lineLabel(s.line));
        return;
      case 'return': c.retPcs.add(e.pc); e.op(RET); return;
      case 'on': return this.onStmt(s.e, s.lines, s.gosub);
      case 'if': return this.ifStmt(s);
      case 'for': return this.loops.forStmt(s);
      case 'next': return this.loops.nextStmt(s);
      case 'stop': return this.stop(!c.strict);
      case 'end': return this.stop(false);
      case 'randomize': e.op(SVC, 0, 0, 0, Svc.RANDOMIZE); return;
      case 'dim': if (!c.strict) this.dimStmt(s.arrays); return;
      case 'def':
        // the extended dialect: the function takes this definition when the DEF runs
        if (!c.strict) { e.op(LI, 1, 0, 0, s.fn.index + 1); e.opL(ST, 1, 0, 0, c.store.fnFlag(s.fn.name)); }
        return;
      case 'error': e.opL(JMP, 0, 0, 0, c.errStub(s.msg)); return;
      case 'mat-read': return this.mats.read(s.mats, false);
      case 'mat-input': return this.mats.read(s.mats, true);
      case 'mat-print': return this.mats.print(s.mats);
      case 'mat': return this.mats.assign(s.target, s.value);
    }
  }

  /**
   * CLEAR, as in Microsoft BASIC: every variable 0 or empty, every array erased (a DIM may run
   * again), the DATA pointer back to the first datum, no active FOR loops or GOSUBs (the stack as
   * at the start). DEF FN definitions stay.
   */
  private clearStmt(): void {
    const c = this.c;
    const e = c.e;
    // all of bss: variables, arrays, string slots, the DATA pointer, the FOR stack, the heap
    const loop = e.label();
    e.opL(LA, 1, 0, 0, e.bssStartLabel());
    e.opL(LA, 2, 0, 0, e.bssEndLabel());
    e.bind(loop);
    e.op(ST, 0, 1, 0, 0);
    e.op(ADD, 1, 1, 0, 1);
    e.opL(BLT, 1, 2, 0, loop);
    // arrays DIM places on the heap (or MAT redimensions) get their declared shape back, not dimensioned
    for (const a of c.store.arrays.values()) {
      if (a.desc === null) continue;
      const words = [a.hi[0], a.hi[1] ?? 0, a.cols, a.capacity, 0];
      e.opL(LA, 1, 0, 0, a.label);
      e.opL(ST, 1, 0, 0, a.desc, 0);
      words.forEach((w, i) => {
        if (w === 0) { e.opL(ST, 0, 0, 0, a.desc as number, 1 + i); return; }
        e.op(LI, 1, 0, 0, w);
        e.opL(ST, 1, 0, 0, a.desc as number, 1 + i);
      });
    }
    e.opL(LD, 15, 0, 0, c.initialSp as number);
  }

  /** WIDTH n: the margin from now on (Microsoft BASIC's terminal width). */
  private widthStmt(x: Expr): void {
    const c = this.c;
    const e = c.e;
    this.x.num(x, 0);
    e.op(FTOI, 1, FREG0);
    const bad = c.errStub(`WIDTH MUST BE FROM ${MIN_MARGIN} TO ${MAX_MARGIN}`);
    e.op(LI, 2, 0, 0, MIN_MARGIN);
    e.opL(BLT, 1, 2, 0, bad);
    e.op(LI, 2, 0, 0, MAX_MARGIN);
    e.opL(BGT, 1, 2, 0, bad);
    e.opL(ST, 1, 0, 0, c.rt.marginCell as number);
  }

  /**
   * A value for a % variable, as Microsoft BASIC converts it: the greatest integer not above it
   * (A% = -10.5 gives -11), which must lie in -32768..32767 (`INTEGER OVERFLOW` otherwise).
   */
  private toInteger(reg: number): void {
    const c = this.c;
    const e = c.e;
    const bad = c.errStub('INTEGER OVERFLOW');
    e.op(FFLOOR, reg, reg);
    e.opL(LDF, FTMP, 0, 0, e.num(-32768));
    e.opL(FBLT, reg, FTMP, 0, bad);
    e.opL(LDF, FTMP, 0, 0, e.num(32767));
    e.opL(FBGT, reg, FTMP, 0, bad);
  }

  /** STOP and END; Microsoft's STOP says where it stopped (`BREAK IN 30`). */
  private stop(breakMessage: boolean): void {
    const c = this.c;
    const e = c.e;
    if (breakMessage) {
      const fresh = e.label();
      e.op(SVC, 0, 0, 0, Svc.COLUMN);
      e.opL(BEQ, 1, 0, 0, fresh);
      e.opL(CALL, 0, 0, 0, c.rt.newline);
      e.bind(fresh);
      const msg = `BREAK IN ${c.line}\n`;
      e.opL(LA, 1, 0, 0, e.str(msg), 1);
      e.op(LI, 2, 0, 0, msg.length);
      e.op(SVC, 0, 0, 0, Svc.PUTS);
    }
    e.op(LI, 1, 0, 0, 0);
    e.op(SVC, 0, 0, 0, Svc.EXIT);
  }

  private dataIndexAt(line: number): number {
    let best = this.c.prog.data.length;
    for (const [ln, idx] of this.c.prog.dataAt) if (ln >= line && idx < best) best = idx;
    return best;
  }

  private letStmt(target: LValue, value: Expr): void {
    const c = this.c;
    if (target.t === 'n') {
      if (!this.x.numTestedOnce(value, 0)) this.x.num(value, 0);
      this.storeNum(target, FREG0, 1);
      return;
    }
    if (c.strict && value.k === 'str' && value.v.length > ECMA_STRING) {
      // ECMA-55 7.4 / 6.6: a string variable holds at most 18 characters; a longer constant may be
      // printed but not assigned (fatal, as for READ, 16.5)
      c.e.opL(JMP, 0, 0, 0, c.errStub(`STRING LONGER THAN ${ECMA_STRING} CHARACTERS`));
      return;
    }
    this.x.str(value, 0);
    this.strTargetAddr(target, 1, 2);
    c.e.op(MOV, 1, c.sr(0));
    c.e.opL(CALL, 0, 0, 0, c.rt.strcopy);
  }

  /** Stores f[reg] into a numeric variable or element; subscripts use f depth d and up. */
  private storeNum(t: LValue, reg: number, d: number): void {
    if (t.name.endsWith('%')) this.toInteger(reg);
    if (t.k === 'var') { this.c.e.opL(STF, reg, 0, 0, this.c.store.variable(t.name)); return; }
    this.x.load(STF, reg, this.x.elementAddress(t, d));
  }
  /** Puts the address of a string variable or element into r[reg]; subscripts use string depth sd. */
  private strTargetAddr(t: LValue, sd: number, reg: number): void {
    const c = this.c;
    if (t.k === 'var') { c.e.opL(LA, reg, 0, 0, c.store.variable(t.name)); return; }
    const saved = c.strDepth;
    c.strDepth = sd;
    const a = this.x.elementAddress(t, c.numDepth);
    c.strDepth = saved;
    this.x.load(LA, reg, a);
  }

  private printStmt(items: PrintItem[]): void {
    const c = this.c;
    const e = c.e;
    for (const it of items) {
      c.numDepth = 0;
      c.strDepth = 0;
      if (it.k === ',') { e.opL(CALL, 0, 0, 0, c.rt.comma); continue; }
      if (it.k === ';') continue;
      const x = it.e;
      if (it.k === 'tab') {
        this.x.num(x, 0);
        if (c.strict) {
          this.x.toIndex(FREG0, 1);
          e.op(LI, 2, 0, 0, 1);
          const back = e.label();
          const s = c.stub(() => {
            c.svcMessage(Svc.WARN, 'TAB ARGUMENT LESS THAN 1');
            e.op(LI, 1, 0, 0, 1);
            e.opL(JMP, 0, 0, 0, back);
          });
          e.opL(BLT, 1, 2, 0, s);
          e.bind(back);
        } else e.op(FTOI, 1, FREG0);
        e.opL(CALL, 0, 0, 0, c.rt.tab);
        continue;
      }
      if (it.k === 'spc') {
        this.x.num(x, 0);
        e.op(FTOI, 2, FREG0);
        e.opL(CALL, 0, 0, 0, c.rt.spaces);
        continue;
      }
      if (x.t === 'n') {
        this.x.num(x, 0);
        e.op(FMOV, 1, FREG0);
        e.opL(CALL, 0, 0, 0, c.rt.outnum);
      } else if (x.k === 'str') {
        if (x.v.length === 0) continue;
        e.opL(LA, 1, 0, 0, e.str(x.v), 1);
        e.op(LI, 2, 0, 0, x.v.length);
        e.opL(CALL, 0, 0, 0, c.rt.printItem);
      } else {
        this.x.str(x, 0);
        e.op(LD, 2, c.sr(0), 0, 0);
        e.op(ADD, 1, c.sr(0), 0, 1);
        e.opL(CALL, 0, 0, 0, c.rt.printItem);
      }
    }
    // ECMA-55 ends a line unless the list ends with a comma or semicolon. Microsoft's BASICs treat
    // TAB( and SPC( like separators, so `PRINT TAB(4)` leaves the carriage at column 4 for the next
    // PRINT (Calendar's day columns rely on it).
    const last = items[items.length - 1];
    const open = last && (last.k === ',' || last.k === ';' || (!c.strict && (last.k === 'tab' || last.k === 'spc')));
    if (!open) e.opL(CALL, 0, 0, 0, c.rt.newline);
  }

  private inputStmt(s: Extract<Stmt, { k: 'input' }>): void {
    const c = this.c;
    const e = c.e;
    const prompt = (s.prompt ?? '') + (s.question ? '? ' : '');
    const desc = e.dataWords([s.targets.length, ...s.targets.map((t) => (t.t === 's' ? 1 : 0))]);
    e.opL(LA, 1, 0, 0, desc);
    e.opL(LA, 2, 0, 0, e.str(prompt));
    e.opL(CALL, 0, 0, 0, c.rt.input);
    e.opL(BNE, 4, 0, 0, c.errStub('END OF INPUT'));
    s.targets.forEach((t, k) => {
      c.numDepth = 0;
      c.strDepth = 0;
      if (t.t === 'n') {
        e.opL(LDF, FREG0, 0, 0, c.rt.inres, 2 * k);
        this.storeNum(t, FREG0, 1);
      } else {
        this.strTargetAddr(t, 1, c.sr(0));
        e.opL(LD, 1, 0, 0, c.rt.inres, 2 * k);
        e.opL(LD, 2, 0, 0, c.rt.inres, 2 * k + 1);
        e.op(MOV, 3, c.sr(0));
        e.opL(CALL, 0, 0, 0, c.rt.strset);
      }
    });
  }

  private readStmt(targets: LValue[]): void {
    const c = this.c;
    const e = c.e;
    const n = c.prog.data.length;
    const { dataPointer, dataTable } = c.store;
    for (const t of targets) {
      c.numDepth = 0;
      c.strDepth = 0;
      if (t.t === 's') this.strTargetAddr(t, 1, c.sr(0));
      e.opL(LD, 1, 0, 0, dataPointer);
      e.op(LI, 2, 0, 0, n);
      e.opL(BGE, 1, 2, 0, c.errStub('OUT OF DATA'));
      e.op(SHL, 3, 1, 0, 2);
      e.op(ADD, 1, 1, 0, 1);
      e.opL(ST, 1, 0, 0, dataPointer);
      if (t.t === 'n') {
        e.opL(LD, 4, 3, 0, dataTable);
        const back = e.label();
        const odd = c.stub(() => {
          // 2: a numeric datum beyond machine infinity (ECMA-55 16: an overflow exception; machine
          // infinity is read); 1: a string datum, which cannot be read into a number
          e.op(LI, 5, 0, 0, 2);
          e.opL(BNE, 4, 5, 0, c.errStub('A STRING DATUM CANNOT BE READ INTO A NUMERIC VARIABLE'));
          c.svcMessage(Svc.WARN, 'OVERFLOW IN READ');
          e.opL(JMP, 0, 0, 0, back);
        });
        e.opL(BNE, 4, 0, 0, odd);
        e.bind(back);
        e.opL(LDF, FREG0, 3, 0, dataTable, 2);
        this.storeNum(t, FREG0, 1);
      } else {
        e.opL(LD, 1, 3, 0, dataTable, 1);
        if (c.strict && c.prog.data.some((d) => d.str.length > ECMA_STRING)) {
          // ECMA-55 16.5: a string datum with too many characters (more than 18, 7.4) is fatal
          e.op(LD, 4, 1, 0, 0);
          e.op(LI, 5, 0, 0, ECMA_STRING);
          e.opL(BGT, 4, 5, 0, c.errStub(`STRING LONGER THAN ${ECMA_STRING} CHARACTERS IN READ`));
        }
        e.op(MOV, 2, c.sr(0));
        e.opL(CALL, 0, 0, 0, c.rt.strcopy);
      }
    }
  }

  private onStmt(x: Expr, lines: number[], gosub: boolean): void {
    const c = this.c;
    const e = c.e;
    this.x.num(x, 0);
    this.x.toIndex(FREG0, 1);
    const bad = c.errStub(`ON ${gosub ? 'GOSUB' : 'GOTO'} VALUE OUT OF RANGE`);
    // ECMA-55 makes a value out of range fatal; in Microsoft BASIC 0 or a value past the list goes
    // on to the next statement (Super Star Trek's computer menu and Roulette's bets rely on it), and
    // a negative value is fatal.
    const lenient = !c.strict;
    const past = lenient ? e.label() : bad;
    e.op(LI, 2, 0, 0, lenient ? 0 : 1);
    e.opL(BLT, 1, 2, 0, bad);
    if (lenient) e.opL(BEQ, 1, 2, 0, past);
    e.op(LI, 2, 0, 0, lines.length);
    e.opL(BGT, 1, 2, 0, past);
    const table = e.dataWords(lines.map(() => 0), lines.map((n, i) => ({ at: i, label: c.lineLabel(n) })));
    e.opL(LD, 2, 1, 0, table, -1);
    if (gosub && !c.strict) this.loops.gosub(null);
    else e.op(gosub ? CALL : JMP, 0, 2, 0, 0);
    if (past !== bad) e.bind(past);
  }

  private ifStmt(s: Extract<Stmt, { k: 'if' }>): void {
    const c = this.c;
    const e = c.e;
    const gotoOnly = s.then.length === 1 && s.then[0].k === 'goto';
    if (gotoOnly) {
      this.x.cond(s.cond, c.lineLabel((s.then[0] as { line: number }).line), true, 0);
      if (s.els) for (const st of s.els) this.stmt(st);
      return;
    }
    const lelse = e.label();
    this.x.cond(s.cond, lelse, false, 0);
    for (const st of s.then) this.stmt(st);
    if (s.els) {
      const lend = e.label();
      e.opL(JMP, 0, 0, 0, lend);
      e.bind(lelse);
      for (const st of s.els) this.stmt(st);
      e.bind(lend);
    } else e.bind(lelse);
  }

  /**
   * The extended dialect's DIM, run when reached: arrays with constant bounds were laid out when the
   * program was compiled; one with expressions gets its storage now, from the static area when it
   * fits and else from the heap (HEAP_WORDS in all).
   */
  private dimStmt(arrays: DimSpec[]): void {
    const c = this.c;
    const e = c.e;
    for (const d of arrays) {
      const a = c.store.array(d.name);
      if (a.desc === null) continue;
      if (d.bounds.every((b) => b.k === 'num') && !a.info.dynamic) continue;
      c.numDepth = 0;
      d.bounds.forEach((b, i) => this.x.num(b, i));
      d.bounds.forEach((_, i) => this.x.toIndex(c.fr(i), i === 0 ? 1 : 3));
      const bad = c.errStub('A DIM BOUND BELOW THE OPTION BASE');
      e.op(LI, 2, 0, 0, a.lo);
      e.opL(BLT, 1, 2, 0, bad);
      if (d.bounds.length === 2) e.opL(BLT, 3, 2, 0, bad); else e.op(LI, 3, 0, 0, 0);
      const desc = a.desc;
      e.opL(LD, 4, 0, 0, desc, 5);
      e.opL(BNE, 4, 0, 0, c.errStub(`${d.name} IS DIMENSIONED TWICE`));
      // elements per row and in all (a bound beyond 65535 is refused before the product can wrap)
      e.op(LI, 2, 0, 0, 65535);
      e.opL(BGT, 1, 2, 0, c.errStub('DIM TOO LARGE'));
      e.opL(BGT, 3, 2, 0, c.errStub('DIM TOO LARGE'));
      e.opL(ST, 1, 0, 0, desc, 1);
      e.opL(ST, 3, 0, 0, desc, 2);
      e.op(ADD, 4, 1, 0, 1 - a.lo);
      if (d.bounds.length === 2) e.op(ADD, 5, 3, 0, 1 - a.lo); else e.op(LI, 5, 0, 0, 1);
      e.opL(ST, 5, 0, 0, desc, 3);
      e.op(MUL, 4, 4, 5, 0);
      e.op(LI, 5, 0, 0, 1);
      e.opL(ST, 5, 0, 0, desc, 5);
      const done = e.label();
      e.opL(LD, 5, 0, 0, desc, 4);
      e.opL(Op.BLE, 4, 5, 0, done);
      // from the heap
      const heap = c.store.heapArea();
      e.opL(ST, 4, 0, 0, desc, 4);
      e.op(SHL, 4, 4, 0, a.esize === 2 ? 1 : 8);
      e.opL(LD, 5, 0, 0, heap.next);
      e.op(ADD, 2, 5, 4, 0);
      e.op(LI, 3, 0, 0, HEAP_WORDS);
      e.opL(BGT, 2, 3, 0, c.errStub('NOT ENOUGH CORE FOR THIS DIM'));
      e.opL(ST, 2, 0, 0, heap.next);
      e.opL(LA, 5, 5, 0, heap.base);
      e.opL(ST, 5, 0, 0, desc, 0);
      e.bind(done);
    }
    void DESC_WORDS;
  }
}
