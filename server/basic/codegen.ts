// The code generator: a checked Program to machine words. Numbers live in f registers while an
// expression is evaluated (depth d uses f(2+d)); strings are addresses in r6-r12 (depth d uses
// r(6+d)) of 256-word slots: a length word and up to 255 characters. Exceptions branch to cold
// stubs placed after the program, each marked with its BASIC line so the monitor can name it.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { Expr, FnDef, LValue, Program, Stmt } from './ast.ts';
import { Emitter } from './emitter.ts';
import { emitRuntime, type Runtime } from './runtime.ts';

const {
  LD, ST, LI, MOV, ADD, SUB, MUL, SHL, LA, LDF, STF, FMOV, FADD, FSUB, FMUL, FDIV, FPOW, FNEG, FABS,
  FSGN, FFLOOR, FSQRT, FSIN, FCOS, FTAN, FATN, FEXP, FLOG, ITOF, FTOI, JMP, BEQ, BNE, BLT, BLE, BGT, BGE,
  FBEQ, FBNE, FBLT, FBLE, FBGT, FBGE, CALL, RET, SVC, NOT, AND, OR, HALT,
} = Op;

/** Fixed f registers (set by the prologue): */
const FZERO = 0; const FONE = 12; const FHALF = 13; const FTMP = 14; const FMAX = 15;
const FREG0 = 2; const FREG_LAST = 11;
const SREG0 = 6; const SREG_LAST = 12;
export const SLOT_WORDS = 256;
export const STACK_WORDS = 1024;

class GenError extends Error {}

const NUM_BRANCH: Record<string, number> = { '=': FBEQ, '<>': FBNE, '<': FBLT, '<=': FBLE, '>': FBGT, '>=': FBGE };
const INT_BRANCH: Record<string, number> = { '=': BEQ, '<>': BNE, '<': BLT, '<=': BLE, '>': BGT, '>=': BGE };
const INVERSE: Record<string, string> = { '=': '<>', '<>': '=', '<': '>=', '>=': '<', '>': '<=', '<=': '>' };
const RELOPS = new Set(Object.keys(NUM_BRANCH));

interface ArrayPlace { label: number; lo: number; hi: number[]; cols: number; esize: number }
interface ForInfo {
  v: string; line: number; body: number; exit: number; closed: boolean;
  limit: { c?: number; slot?: number }; step: { c?: number; slot?: number };
}
interface Stub { line: number; label: number; emit: () => void }

export interface GenResult {
  words: Int32Array; entry: number; codeEnd: number; bssWords: number;
  lineStarts: number[]; lineNums: number[]; errors: string[]; retPcs: Set<number>;
}

export function generate(prog: Program, suppressLoopErrors: boolean): GenResult {
  return new Gen(prog, suppressLoopErrors).run();
}

class Gen {
  private readonly e = new Emitter();
  private rt!: Runtime;
  private readonly errors: string[] = [];
  private line = 0;
  private fd = 0;
  private sd = 0;
  private readonly vars = new Map<string, number>();
  private readonly arrays = new Map<string, ArrayPlace>();
  private readonly params = new Map<string, number>();
  private readonly lineLabels = new Map<number, number>();
  private readonly temps: number[] = [];
  private readonly stubs: Stub[] = [];
  private readonly errStubs = new Map<string, number>();
  private readonly forStack: ForInfo[] = [];
  private readonly lastFor = new Map<string, ForInfo>();
  private readonly allFors: ForInfo[] = [];
  private readonly retPcs = new Set<number>();
  private dptr = 0;
  private dtab = 0;

  constructor(private readonly prog: Program, private readonly suppressLoopErrors: boolean) {}

  run(): GenResult {
    const e = this.e;
    e.markLine(-1);
    e.opL(LDF, FMAX, 0, 0, e.num(Number.MAX_VALUE));
    e.opL(LDF, FHALF, 0, 0, e.num(0.5));
    e.opL(LDF, FONE, 0, 0, e.num(1));
    e.opL(LDF, FZERO, 0, 0, e.num(0));
    const first = this.prog.lines.length ? this.lineLabel(this.prog.lines[0].num) : e.label();
    e.opL(JMP, 0, 0, 0, first);
    this.rt = emitRuntime(e);
    this.layoutData();
    for (const a of this.prog.arrays.values()) {
      const lo = this.prog.base;
      const cols = a.bounds.length === 2 ? a.bounds[1] - lo + 1 : 1;
      const count = a.bounds.reduce((n, b) => n * (b - lo + 1), 1);
      const esize = a.str ? SLOT_WORDS : 2;
      this.arrays.set(a.name, { label: e.bss(count * esize), lo, hi: a.bounds, cols, esize });
    }
    for (const ln of this.prog.lines) {
      this.line = ln.num;
      e.bind(this.lineLabel(ln.num));
      e.markLine(ln.num);
      try {
        for (const s of ln.stmts) this.stmt(s);
      } catch (err) {
        if (!(err instanceof GenError)) throw err;
        this.errors.push(`LINE ${ln.num}: ${err.message}`);
      }
    }
    // Falling off the end (only after an error-free END line) stops the job.
    e.op(LI, 1, 0, 0, 0);
    e.op(SVC, 0, 0, 0, Svc.EXIT);
    const exists = new Set(this.prog.lines.map((l) => l.num));
    for (const [src, tgt] of this.prog.refs) {
      if (!exists.has(tgt)) this.errors.push(`LINE ${src}: LINE ${tgt} DOES NOT EXIST`);
    }
    if (!this.suppressLoopErrors) {
      for (const f of this.allFors) if (!f.closed) this.errors.push(`LINE ${f.line}: FOR ${f.v} HAS NO MATCHING NEXT ${f.v}`);
    }
    for (const s of this.stubs) { // (stubs may add stubs: the loop sees them)
      this.line = s.line;
      e.markLine(s.line);
      e.bind(s.label);
      s.emit();
    }
    const fin = e.finish();
    if (fin.unbound.length && this.errors.length === 0 && !this.suppressLoopErrors) this.errors.push('LINE ?: INTERNAL ERROR: AN UNRESOLVED JUMP');
    return {
      words: fin.words, entry: 0, codeEnd: fin.codeEnd, bssWords: fin.bssWords,
      lineStarts: e.lineStarts, lineNums: e.lineNums, errors: this.errors, retPcs: this.retPcs,
    };
  }

  private fail(msg: string): never { throw new GenError(msg); }

  private lineLabel(n: number): number {
    let l = this.lineLabels.get(n);
    if (l === undefined) { l = this.e.label(); this.lineLabels.set(n, l); }
    return l;
  }
  private varLabel(name: string): number {
    let l = this.vars.get(name);
    if (l === undefined) { l = this.e.bss(name.endsWith('$') ? SLOT_WORDS : 2); this.vars.set(name, l); }
    return l;
  }
  private paramLabel(fn: string, name: string): number {
    const key = `${fn}:${name}`;
    let l = this.params.get(key);
    if (l === undefined) { l = this.e.bss(2); this.params.set(key, l); }
    return l;
  }
  private temp(d: number): number {
    while (this.temps.length <= d) this.temps.push(this.e.bss(SLOT_WORDS));
    return this.temps[d];
  }
  private fr(d: number): number {
    const r = FREG0 + d;
    if (r > FREG_LAST) this.fail('THIS EXPRESSION IS NESTED TOO DEEPLY; SPLIT IT INTO SEVERAL LET STATEMENTS');
    return r;
  }
  private sr(d: number): number {
    const r = SREG0 + d;
    if (r > SREG_LAST) this.fail('THIS STRING EXPRESSION IS NESTED TOO DEEPLY; SPLIT IT');
    return r;
  }

  // ---- stubs: cold code after the program
  private stub(emit: () => void): number {
    const label = this.e.label();
    this.stubs.push({ line: this.line, label, emit });
    return label;
  }
  /** A fatal run-time error in the current line (shared by all sites of the line). */
  private errStub(msg: string): number {
    const key = `${this.line}:${msg}`;
    let l = this.errStubs.get(key);
    if (l === undefined) {
      l = this.stub(() => { this.svcMessage(Svc.ERROR, msg); this.e.op(HALT); });
      this.errStubs.set(key, l);
    }
    return l;
  }
  private svcMessage(svc: number, msg: string): void {
    this.e.opL(LA, 1, 0, 0, this.e.str(msg), 1);
    this.e.op(LI, 2, 0, 0, msg.length);
    this.e.op(SVC, 0, 0, 0, svc);
  }
  /** Branches to a stub that warns and replaces f[r] by machine infinity of its sign when |f[r]| is beyond it. */
  private overflowCheck(r: number, msg = 'OVERFLOW'): void {
    const back = this.e.label();
    const s = this.stub(() => {
      this.svcMessage(Svc.WARN, msg);
      this.e.op(FSGN, FTMP, r);
      this.e.op(FMUL, r, FTMP, FMAX);
      this.e.opL(JMP, 0, 0, 0, back);
    });
    this.e.op(FABS, FTMP, r);
    this.e.opL(FBGT, FTMP, FMAX, 0, s);
    this.e.bind(back);
  }

  // ---- DATA
  private layoutData(): void {
    const words: number[] = [];
    const fix: { at: number; label: number }[] = [];
    for (const d of this.prog.data) {
      const at = words.length;
      words.push(d.kind === 'num' ? 0 : 1, 0, 0, 0);
      fix.push({ at: at + 1, label: this.e.str(d.str) });
      if (d.kind === 'num') {
        const f = new Float64Array([d.num]);
        const w = new Int32Array(f.buffer);
        words[at + 2] = w[0];
        words[at + 3] = w[1];
      }
    }
    this.dtab = this.e.dataWords(words, fix);
    this.dptr = this.e.bss(1);
  }

  // ---- statements
  private stmt(s: Stmt): void {
    const e = this.e;
    this.fd = 0;
    this.sd = 0;
    switch (s.k) {
      case 'nop': return;
      case 'let': return this.letStmt(s.target, s.e);
      case 'print': return this.printStmt(s.items);
      case 'input': return this.inputStmt(s);
      case 'read': return this.readStmt(s.targets);
      case 'restore': {
        const idx = s.line === null ? 0 : this.dataIndexAt(s.line);
        if (idx === 0) e.opL(ST, 0, 0, 0, this.dptr);
        else { e.op(LI, 1, 0, 0, idx); e.opL(ST, 1, 0, 0, this.dptr); }
        return;
      }
      case 'goto': e.opL(JMP, 0, 0, 0, this.lineLabel(s.line)); return;
      case 'gosub': e.opL(CALL, 0, 0, 0, this.lineLabel(s.line)); return;
      case 'return': this.retPcs.add(e.pc); e.op(RET); return;
      case 'on': return this.onStmt(s.e, s.lines, s.gosub);
      case 'if': return this.ifStmt(s);
      case 'for': return this.forStmt(s);
      case 'next': return this.nextStmt(s.vars);
      case 'stop': case 'end': e.op(LI, 1, 0, 0, 0); e.op(SVC, 0, 0, 0, Svc.EXIT); return;
      case 'randomize': e.op(SVC, 0, 0, 0, Svc.RANDOMIZE); return;
    }
  }

  private dataIndexAt(line: number): number {
    let best = this.prog.data.length;
    for (const [ln, idx] of this.prog.dataAt) if (ln >= line && idx < best) best = idx;
    return best;
  }

  private letStmt(target: LValue, value: Expr): void {
    const e = this.e;
    if (target.t === 'n') {
      this.num(value, 0);
      this.storeNum(target, FREG0, 1);
      return;
    }
    this.str(value, 0);
    this.strTargetAddr(target, 1, 2);
    e.op(MOV, 1, this.sr(0));
    e.opL(CALL, 0, 0, 0, this.rt.strcopy);
  }

  /** Stores f[reg] into a numeric variable or element; subscripts use f depth d and up. */
  private storeNum(t: LValue, reg: number, d: number): void {
    if (t.k === 'var') { this.e.opL(STF, reg, 0, 0, this.varLabel(t.name)); return; }
    const a = this.elemAddr(t, d);
    this.e.opL(STF, reg, a.reg, 0, a.label, a.addend);
  }
  /** Puts the address of a string variable or element into r[reg]; subscripts use s depth sd. */
  private strTargetAddr(t: LValue, sd: number, reg: number): void {
    if (t.k === 'var') { this.e.opL(LA, reg, 0, 0, this.varLabel(t.name)); return; }
    const saved = this.sd;
    this.sd = sd;
    const a = this.elemAddr(t, this.fd);
    this.sd = saved;
    this.e.opL(LA, reg, a.reg, 0, a.label, a.addend);
  }

  /** Element address: returns base label + addend + r[reg] (reg 0 for constant subscripts). Uses r1-r3. */
  private elemAddr(t: Extract<Expr, { k: 'arr' }>, d: number): { reg: number; label: number; addend: number } {
    const e = this.e;
    const a = this.arrays.get(t.name);
    if (!a) this.fail(`INTERNAL: NO ARRAY ${t.name}`);
    const bad = (): number => this.errStub('SUBSCRIPT OUT OF RANGE');
    if (t.subs.every((s) => s.k === 'num')) {
      const idx = t.subs.map((s) => Math.floor((s as { v: number }).v + 0.5));
      if (idx.some((v, i) => v < a.lo || v > a.hi[i])) {
        e.opL(JMP, 0, 0, 0, bad());
        return { reg: 0, label: a.label, addend: 0 };
      }
      const flat = idx.length === 2 ? (idx[0] - a.lo) * a.cols + (idx[1] - a.lo) : idx[0] - a.lo;
      return { reg: 0, label: a.label, addend: flat * a.esize };
    }
    t.subs.forEach((s, i) => this.num(s, d + i));
    const ireg = [1, 3];
    t.subs.forEach((_, i) => {
      const r = ireg[i];
      e.op(FADD, FTMP, this.fr(d + i), FHALF);
      e.op(FFLOOR, FTMP, FTMP);
      e.op(FTOI, r, FTMP);
      if (a.lo === 0) e.opL(BLT, r, 0, 0, bad());
      else { e.op(LI, 2, 0, 0, a.lo); e.opL(BLT, r, 2, 0, bad()); }
      e.op(LI, 2, 0, 0, a.hi[i]);
      e.opL(BGT, r, 2, 0, bad());
    });
    let addend: number;
    if (t.subs.length === 2) {
      e.op(MUL, 1, 1, 0, a.cols);
      e.op(ADD, 1, 1, 3, 0);
      addend = -(a.lo * a.cols + a.lo) * a.esize;
    } else addend = -a.lo * a.esize;
    e.op(SHL, 1, 1, 0, a.esize === 2 ? 1 : 8);
    return { reg: 1, label: a.label, addend };
  }

  private printStmt(items: { k: string; e?: Expr }[]): void {
    const e = this.e;
    for (const it of items) {
      this.fd = 0;
      this.sd = 0;
      if (it.k === ',') { e.opL(CALL, 0, 0, 0, this.rt.comma); continue; }
      if (it.k === ';') continue;
      const x = it.e as Expr;
      if (it.k === 'tab') {
        this.num(x, 0);
        e.op(FADD, FTMP, FREG0, FHALF);
        e.op(FFLOOR, FTMP, FTMP);
        e.op(FTOI, 1, FTMP);
        e.op(LI, 2, 0, 0, 1);
        const back = e.label();
        const s = this.stub(() => {
          this.svcMessage(Svc.WARN, 'TAB ARGUMENT LESS THAN 1');
          e.op(LI, 1, 0, 0, 1);
          e.opL(JMP, 0, 0, 0, back);
        });
        e.opL(BLT, 1, 2, 0, s);
        e.bind(back);
        e.opL(CALL, 0, 0, 0, this.rt.tab);
        continue;
      }
      if (it.k === 'spc') {
        this.num(x, 0);
        e.op(FTOI, 2, FREG0);
        e.opL(CALL, 0, 0, 0, this.rt.spaces);
        continue;
      }
      if (x.t === 'n') {
        this.num(x, 0);
        e.op(FMOV, 1, FREG0);
        e.op(SVC, 0, 0, 0, Svc.PUTNUM);
      } else if (x.k === 'str') {
        if (x.v.length === 0) continue;
        e.opL(LA, 1, 0, 0, e.str(x.v), 1);
        e.op(LI, 2, 0, 0, x.v.length);
        e.op(SVC, 0, 0, 0, Svc.PUTS);
      } else {
        this.str(x, 0);
        e.op(LD, 2, this.sr(0), 0, 0);
        e.op(ADD, 1, this.sr(0), 0, 1);
        e.op(SVC, 0, 0, 0, Svc.PUTS);
      }
    }
    const last = items[items.length - 1];
    if (!last || (last.k !== ',' && last.k !== ';')) {
      e.op(LI, 1, 0, 0, 10);
      e.op(SVC, 0, 0, 0, Svc.PUTC);
    }
  }

  private inputStmt(s: Extract<Stmt, { k: 'input' }>): void {
    const e = this.e;
    const prompt = (s.prompt ?? '') + (s.question ? '? ' : '');
    const desc = e.dataWords([s.targets.length, ...s.targets.map((t) => (t.t === 's' ? 1 : 0))]);
    e.opL(LA, 1, 0, 0, desc);
    e.opL(LA, 2, 0, 0, e.str(prompt));
    e.opL(CALL, 0, 0, 0, this.rt.input);
    e.opL(BNE, 4, 0, 0, this.errStub('END OF INPUT'));
    s.targets.forEach((t, k) => {
      this.fd = 0;
      this.sd = 0;
      if (t.t === 'n') {
        e.opL(LDF, FREG0, 0, 0, this.rt.inres, 2 * k);
        this.storeNum(t, FREG0, 1);
      } else {
        this.strTargetAddr(t, 1, this.sr(0));
        e.opL(LD, 1, 0, 0, this.rt.inres, 2 * k);
        e.opL(LD, 2, 0, 0, this.rt.inres, 2 * k + 1);
        e.op(MOV, 3, this.sr(0));
        e.opL(CALL, 0, 0, 0, this.rt.strset);
      }
    });
  }

  private readStmt(targets: LValue[]): void {
    const e = this.e;
    const n = this.prog.data.length;
    for (const t of targets) {
      this.fd = 0;
      this.sd = 0;
      if (t.t === 's') this.strTargetAddr(t, 1, this.sr(0));
      e.opL(LD, 1, 0, 0, this.dptr);
      e.op(LI, 2, 0, 0, n);
      e.opL(BGE, 1, 2, 0, this.errStub('OUT OF DATA'));
      e.op(SHL, 3, 1, 0, 2);
      e.op(ADD, 1, 1, 0, 1);
      e.opL(ST, 1, 0, 0, this.dptr);
      if (t.t === 'n') {
        e.opL(LD, 4, 3, 0, this.dtab);
        e.opL(BNE, 4, 0, 0, this.errStub('A STRING DATUM CANNOT BE READ INTO A NUMERIC VARIABLE'));
        e.opL(LDF, FREG0, 3, 0, this.dtab, 2);
        this.storeNum(t, FREG0, 1);
      } else {
        e.opL(LD, 1, 3, 0, this.dtab, 1);
        e.op(MOV, 2, this.sr(0));
        e.opL(CALL, 0, 0, 0, this.rt.strcopy);
      }
    }
  }

  private onStmt(x: Expr, lines: number[], gosub: boolean): void {
    const e = this.e;
    this.num(x, 0);
    e.op(FADD, FTMP, FREG0, FHALF);
    e.op(FFLOOR, FTMP, FTMP);
    e.op(FTOI, 1, FTMP);
    const bad = this.errStub(`ON ${gosub ? 'GOSUB' : 'GOTO'} VALUE OUT OF RANGE`);
    // ECMA-55 makes a value out of range fatal; Microsoft-style programs (Super Star Trek's
    // computer menu, Roulette's bets) rely on 0 or a value past the list going on to the next
    // statement, so those get that (a negative value stays fatal, as there).
    const past = this.prog.msStyle ? e.label() : bad;
    e.op(LI, 2, 0, 0, this.prog.msStyle ? 0 : 1);
    e.opL(BLT, 1, 2, 0, bad);
    if (this.prog.msStyle) e.opL(BEQ, 1, 2, 0, past);
    e.op(LI, 2, 0, 0, lines.length);
    e.opL(BGT, 1, 2, 0, past);
    const table = e.dataWords(lines.map(() => 0), lines.map((n, i) => ({ at: i, label: this.lineLabel(n) })));
    e.opL(LD, 2, 1, 0, table, -1);
    e.op(gosub ? CALL : JMP, 0, 2, 0, 0);
    if (past !== bad) e.bind(past);
  }

  private ifStmt(s: Extract<Stmt, { k: 'if' }>): void {
    const e = this.e;
    const gotoOnly = s.then.length === 1 && s.then[0].k === 'goto';
    if (gotoOnly) {
      this.cond(s.cond, this.lineLabel((s.then[0] as { line: number }).line), true, 0);
      if (s.els) for (const x of s.els) this.stmt(x);
      return;
    }
    const lelse = e.label();
    this.cond(s.cond, lelse, false, 0);
    for (const x of s.then) this.stmt(x);
    if (s.els) {
      const lend = e.label();
      e.opL(JMP, 0, 0, 0, lend);
      e.bind(lelse);
      for (const x of s.els) this.stmt(x);
      e.bind(lend);
    } else e.bind(lelse);
  }

  private forStmt(s: Extract<Stmt, { k: 'for' }>): void {
    const e = this.e;
    const info: ForInfo = { v: s.v, line: this.line, body: e.label(), exit: e.label(), closed: false, limit: {}, step: {} };
    if (s.to.k === 'num') info.limit.c = s.to.v;
    else { this.num(s.to, 0); info.limit.slot = e.bss(2); e.opL(STF, FREG0, 0, 0, info.limit.slot); }
    if (s.step === null) info.step.c = 1;
    else if (s.step.k === 'num') info.step.c = s.step.v;
    else { this.num(s.step, 0); info.step.slot = e.bss(2); e.opL(STF, FREG0, 0, 0, info.step.slot); }
    this.num(s.from, 0);
    e.opL(STF, FREG0, 0, 0, this.varLabel(s.v));
    const lim = this.loadPart(info.limit, 3);
    this.loopTest(info, lim, info.exit, false);
    e.bind(info.body);
    this.forStack.push(info);
    this.allFors.push(info);
    this.lastFor.set(s.v, info);
  }

  /** A limit or step: its register (a fixed one for 0 and 1), loading it into f[r] if needed. */
  private loadPart(p: { c?: number; slot?: number }, r: number): number {
    if (p.c !== undefined) {
      if (p.c === 0) return FZERO;
      if (p.c === 1) return FONE;
      this.e.opL(LDF, r, 0, 0, this.e.num(p.c));
      return r;
    }
    this.e.opL(LDF, r, 0, 0, p.slot as number);
    return r;
  }

  /** With the control variable in f2: branch to `target` when the loop should go on (cont) or end. */
  private loopTest(info: ForInfo, lim: number, target: number, cont: boolean): void {
    const e = this.e;
    const c = info.step.c;
    if (c !== undefined && c !== 0) {
      const op = c > 0 ? (cont ? FBLE : FBGT) : (cont ? FBGE : FBLT);
      e.opL(op, FREG0, lim, 0, target);
      return;
    }
    // ECMA-55 13: the loop ends when (v - limit) * SGN(step) > 0
    e.op(FSUB, 5, FREG0, lim);
    const st = this.loadPart(info.step, 6);
    e.op(FSGN, 6, st);
    e.op(FMUL, 5, 5, 6);
    e.opL(cont ? FBLE : FBGT, 5, FZERO, 0, target);
  }

  private nextStmt(vars: string[]): void {
    const e = this.e;
    const names = vars.length ? vars : [null];
    for (const v of names) {
      let info: ForInfo | undefined;
      let closing = false;
      if (v === null) {
        info = this.forStack.pop();
        closing = info !== undefined;
        if (!info) this.fail('NEXT WITHOUT FOR');
      } else {
        const at = this.forStack.map((f) => f.v).lastIndexOf(v);
        if (at >= 0) {
          info = this.forStack[at];
          this.forStack.length = at;
          closing = true;
        } else {
          info = this.lastFor.get(v);
          if (!info) {
            if (this.suppressLoopErrors) return;
            this.fail(`NEXT ${v} WITHOUT FOR ${v}`);
          }
        }
      }
      const vl = this.varLabel(info.v);
      e.opL(LDF, FREG0, 0, 0, vl);
      const st = this.loadPart(info.step, 3);
      e.op(FADD, FREG0, FREG0, st);
      e.opL(STF, FREG0, 0, 0, vl);
      const lim = this.loadPart(info.limit, 4);
      this.loopTest(info, lim, info.body, true);
      if (closing && !info.closed) { info.closed = true; e.bind(info.exit); }
    }
  }

  // ---- conditions: branch to target when the condition's truth equals jumpIf
  private isBool(x: Expr): boolean {
    if (x.k === 'bin') return RELOPS.has(x.op) || ((x.op === 'AND' || x.op === 'OR') && this.isBool(x.l) && this.isBool(x.r));
    if (x.k === 'not') return this.isBool(x.e);
    return false;
  }

  private cond(x: Expr, target: number, jumpIf: boolean, d: number): void {
    const e = this.e;
    if (x.k === 'bin' && RELOPS.has(x.op)) {
      const op = jumpIf ? x.op : INVERSE[x.op];
      if (x.l.t === 'n') {
        this.num(x.l, d);
        const r = this.operand(x.r, d + 1);
        e.opL(NUM_BRANCH[op], this.fr(d), r, 0, target);
      } else {
        const sd = this.sd;
        const fd = this.fd;
        this.fd = d;
        this.str(x.l, sd);
        this.str(x.r, sd + 1);
        this.fd = fd;
        e.op(MOV, 1, this.sr(sd));
        e.op(MOV, 2, this.sr(sd + 1));
        e.opL(CALL, 0, 0, 0, this.rt.strcmp);
        e.opL(INT_BRANCH[op], 1, 0, 0, target);
      }
      return;
    }
    if (x.k === 'bin' && (x.op === 'AND' || x.op === 'OR') && this.isBool(x)) {
      const and = x.op === 'AND';
      if (and !== jumpIf) {
        // AND, jump when false / OR, jump when true: either operand decides
        this.cond(x.l, target, jumpIf, d);
        this.cond(x.r, target, jumpIf, d);
      } else {
        const skip = e.label();
        this.cond(x.l, skip, !jumpIf, d);
        this.cond(x.r, target, jumpIf, d);
        e.bind(skip);
      }
      return;
    }
    if (x.k === 'not' && this.isBool(x.e)) { this.cond(x.e, target, !jumpIf, d); return; }
    this.num(x, d);
    e.opL(jumpIf ? FBNE : FBEQ, this.fr(d), FZERO, 0, target);
  }

  // ---- numeric expressions: the value into f(2 + d)
  /** The register holding x: a fixed one for the constants 0 and 1, else f(2 + d) after evaluating. */
  private operand(x: Expr, d: number): number {
    if (x.k === 'num' && x.v === 0 && !Object.is(x.v, -0)) return FZERO;
    if (x.k === 'num' && x.v === 1) return FONE;
    this.num(x, d);
    return this.fr(d);
  }

  private num(x: Expr, d: number): void {
    const e = this.e;
    const r = this.fr(d);
    switch (x.k) {
      case 'num':
        if (x.v === 0 && !Object.is(x.v, -0)) e.op(FMOV, r, FZERO);
        else if (x.v === 1) e.op(FMOV, r, FONE);
        else e.opL(LDF, r, 0, 0, e.num(x.v));
        return;
      case 'var': e.opL(LDF, r, 0, 0, this.varLabel(x.name)); return;
      case 'param': e.opL(LDF, r, 0, 0, this.paramLabel(x.fn, x.name)); return;
      case 'arr': {
        const a = this.elemAddr(x, d);
        e.opL(LDF, r, a.reg, 0, a.label, a.addend);
        return;
      }
      case 'neg': this.num(x.e, d); e.op(FNEG, r, r); return;
      case 'not':
        if (this.isBool(x.e)) return this.boolValue(x, d);
        this.num(x.e, d);
        e.op(FTOI, 1, r);
        e.op(NOT, 1, 1);
        e.op(ITOF, r, 1);
        return;
      case 'bin': return this.binary(x, d);
      case 'call': return this.builtin(x, d);
      case 'fn': return this.fnCall(x, d);
      default: this.fail('A NUMBER EXPECTED');
    }
  }

  /** A condition as a number: -1 when true, 0 when false (as in Microsoft BASIC). */
  private boolValue(x: Expr, d: number): void {
    const e = this.e;
    const r = this.fr(d);
    const lf = e.label(); const lend = e.label();
    this.cond(x, lf, false, d);
    e.op(FNEG, r, FONE);
    e.opL(JMP, 0, 0, 0, lend);
    e.bind(lf);
    e.op(FMOV, r, FZERO);
    e.bind(lend);
  }

  private binary(x: Extract<Expr, { k: 'bin' }>, d: number): void {
    const e = this.e;
    const r = this.fr(d);
    if (RELOPS.has(x.op)) return this.boolValue(x, d);
    if (x.op === 'AND' || x.op === 'OR') {
      if (this.isBool(x)) return this.boolValue(x, d);
      this.num(x.l, d);
      this.num(x.r, d + 1);
      e.op(FTOI, 1, r);
      e.op(FTOI, 2, this.fr(d + 1));
      e.op(x.op === 'AND' ? AND : OR, 1, 1, 2, 0);
      e.op(ITOF, r, 1);
      return;
    }
    const small = (y: Expr, lim: number): boolean => y.k === 'num' && Math.abs(y.v) < lim;
    if (x.op === '^') return this.power(x.l, x.r, d);
    this.num(x.l, d);
    const rr = this.operand(x.r, d + 1);
    switch (x.op) {
      case '+': case '-':
        e.op(x.op === '+' ? FADD : FSUB, r, r, rr);
        if (!small(x.l, 1e290) && !small(x.r, 1e290)) this.overflowCheck(r);
        return;
      case '*':
        e.op(FMUL, r, r, rr);
        if (!small(x.l, 1.0000001) && !small(x.r, 1.0000001)) this.overflowCheck(r);
        return;
      case '/': {
        const back = e.label();
        if (!(x.r.k === 'num' && x.r.v !== 0)) {
          const s = this.stub(() => {
            this.svcMessage(Svc.WARN, 'DIVISION BY ZERO');
            const neg = e.label();
            e.opL(FBLT, r, FZERO, 0, neg);
            e.op(FMOV, r, FMAX);
            e.opL(JMP, 0, 0, 0, back);
            e.bind(neg);
            e.op(FNEG, r, FMAX);
            e.opL(JMP, 0, 0, 0, back);
          });
          e.opL(FBEQ, rr, FZERO, 0, s);
        }
        e.op(FDIV, r, r, rr);
        if (!(x.r.k === 'num' && Math.abs(x.r.v) >= 1)) this.overflowCheck(r);
        e.bind(back);
        return;
      }
    }
    this.fail(`INTERNAL: OPERATOR ${x.op}`);
  }

  private power(base: Expr, ex: Expr, d: number): void {
    const e = this.e;
    const r = this.fr(d);
    if (ex.k === 'num' && (ex.v === 1 || ex.v === 2 || ex.v === 3)) {
      this.num(base, d);
      if (ex.v === 2) e.op(FMUL, r, r, r);
      else if (ex.v === 3) { const t = this.fr(d + 1); e.op(FMUL, t, r, r); e.op(FMUL, r, t, r); }
      if (ex.v !== 1) this.overflowCheck(r);
      return;
    }
    this.num(base, d);
    const rr = this.operand(ex, d + 1);
    const back = e.label(); const done = e.label();
    const negStub = this.stub(() => {
      e.op(FFLOOR, FTMP, rr);
      e.opL(FBNE, FTMP, rr, 0, this.errStub('NEGATIVE NUMBER TO A NON-INTEGRAL POWER'));
      e.opL(JMP, 0, 0, 0, back);
    });
    const zeroStub = this.stub(() => {
      e.opL(FBGE, rr, FZERO, 0, back);
      this.svcMessage(Svc.WARN, 'ZERO TO A NEGATIVE POWER');
      e.op(FMOV, r, FMAX);
      e.opL(JMP, 0, 0, 0, done);
    });
    e.opL(FBLT, r, FZERO, 0, negStub);
    e.opL(FBEQ, r, FZERO, 0, zeroStub);
    e.bind(back);
    e.op(FPOW, r, r, rr);
    this.overflowCheck(r);
    e.bind(done);
  }

  private builtin(x: Extract<Expr, { k: 'call' }>, d: number): void {
    const e = this.e;
    const r = this.fr(d);
    const arg0 = (): void => this.num(x.args[0], d);
    switch (x.f) {
      case 'ABS': arg0(); e.op(FABS, r, r); return;
      case 'ATN': arg0(); e.op(FATN, r, r); return;
      case 'COS': arg0(); e.op(FCOS, r, r); return;
      case 'SIN': arg0(); e.op(FSIN, r, r); return;
      case 'TAN': arg0(); e.op(FTAN, r, r); this.overflowCheck(r); return;
      case 'EXP': arg0(); e.op(FEXP, r, r); this.overflowCheck(r); return;
      case 'INT': arg0(); e.op(FFLOOR, r, r); return;
      case 'SGN': arg0(); e.op(FSGN, r, r); return;
      case 'SQR': arg0(); e.opL(FBLT, r, FZERO, 0, this.errStub('SQUARE ROOT OF A NEGATIVE NUMBER')); e.op(FSQRT, r, r); return;
      case 'LOG': arg0(); e.opL(FBLE, r, FZERO, 0, this.errStub('LOG OF ZERO OR OF A NEGATIVE NUMBER')); e.op(FLOG, r, r); return;
      case 'RND': e.op(SVC, 0, 0, 0, Svc.RANDOM); e.op(FMOV, r, 1); return;
      case 'LEN': case 'ASC': case 'VAL': {
        const sd = this.sd;
        const fd = this.fd;
        this.fd = d;
        this.str(x.args[0], sd);
        this.fd = fd;
        const p = this.sr(sd);
        if (x.f === 'VAL') {
          e.op(LD, 2, p, 0, 0);
          e.op(ADD, 1, p, 0, 1);
          e.op(SVC, 0, 0, 0, Svc.PARSENUM);
          e.op(FMOV, r, 1);
          this.overflowCheck(r);
          return;
        }
        e.op(LD, 1, p, 0, 0);
        if (x.f === 'ASC') {
          e.opL(BEQ, 1, 0, 0, this.errStub('ASC OF AN EMPTY STRING'));
          e.op(LD, 1, p, 0, 1);
        }
        e.op(ITOF, r, 1);
        return;
      }
    }
    this.fail(`${x.f} DOES NOT GIVE A NUMBER`);
  }

  /** DEF FN functions are expanded in place: arguments go to the function's parameter cells. */
  private fnCall(x: Extract<Expr, { k: 'fn' }>, d: number): void {
    const def = this.prog.fns.get(x.name) as FnDef;
    x.args.forEach((a, i) => this.num(a, d + i));
    x.args.forEach((_, i) => this.e.opL(STF, this.fr(d + i), 0, 0, this.paramLabel(def.name, def.params[i])));
    this.num(def.body, d);
  }

  // ---- string expressions: the address of the value into r(6 + d)
  private str(x: Expr, d: number): void {
    const e = this.e;
    const p = this.sr(d);
    const saved = this.sd;
    this.sd = d + 1;
    try {
      switch (x.k) {
        case 'str': e.opL(LA, p, 0, 0, e.str(x.v)); return;
        case 'var': e.opL(LA, p, 0, 0, this.varLabel(x.name)); return;
        case 'arr': {
          const a = this.elemAddr(x, this.fd);
          e.opL(LA, p, a.reg, 0, a.label, a.addend);
          return;
        }
        case 'bin': {
          this.str(x.l, d);
          this.str(x.r, d + 1);
          e.op(MOV, 1, p);
          e.op(MOV, 2, this.sr(d + 1));
          e.opL(LA, 3, 0, 0, this.temp(d));
          e.opL(CALL, 0, 0, 0, this.rt.concat);
          e.opL(BNE, 4, 0, 0, this.errStub('STRING LONGER THAN 255 CHARACTERS'));
          e.opL(LA, p, 0, 0, this.temp(d));
          return;
        }
        case 'call': return this.strBuiltin(x, d);
        default: this.fail('A STRING EXPECTED');
      }
    } finally {
      this.sd = saved;
    }
  }

  private strBuiltin(x: Extract<Expr, { k: 'call' }>, d: number): void {
    const e = this.e;
    const p = this.sr(d);
    const fd = this.fd;
    const tmp = this.temp(d);
    switch (x.f) {
      case 'CHR$':
        this.num(x.args[0], fd);
        e.op(FTOI, 1, this.fr(fd));
        e.opL(LA, p, 0, 0, tmp);
        e.op(ST, 1, p, 0, 1);
        e.op(LI, 1, 0, 0, 1);
        e.op(ST, 1, p, 0, 0);
        return;
      case 'STR$':
        this.num(x.args[0], fd);
        e.op(FMOV, 1, this.fr(fd));
        e.opL(LA, p, 0, 0, tmp);
        e.op(ADD, 1, p, 0, 1);
        e.op(LI, 2, 0, 0, 255);
        e.op(SVC, 0, 0, 0, Svc.FMTNUM);
        e.op(ST, 1, p, 0, 0);
        return;
      case 'LEFT$': case 'RIGHT$': case 'MID$': {
        this.str(x.args[0], d);
        this.fd = fd;
        this.num(x.args[1], fd);
        if (x.args[2]) this.num(x.args[2], fd + 1);
        if (x.f === 'LEFT$') { e.op(LI, 2, 0, 0, 0); e.op(FTOI, 3, this.fr(fd)); }
        else if (x.f === 'RIGHT$') { e.op(FTOI, 3, this.fr(fd)); e.op(LD, 5, p, 0, 0); e.op(SUB, 2, 5, 3, 0); }
        else {
          e.op(FTOI, 2, this.fr(fd));
          e.op(SUB, 2, 2, 0, 1);
          if (x.args[2]) e.op(FTOI, 3, this.fr(fd + 1));
          else e.op(LI, 3, 0, 0, 255);
        }
        e.op(MOV, 1, p);
        e.opL(LA, 4, 0, 0, tmp);
        e.opL(CALL, 0, 0, 0, this.rt.substr);
        e.opL(LA, p, 0, 0, tmp);
        return;
      }
    }
    this.fail(`${x.f} DOES NOT GIVE A STRING`);
  }
}
