// Expressions: numbers into f registers, strings into r registers (addresses of slots), conditions
// into branches, and the addresses of array elements.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { ArrayRef, Expr, Stmt } from './ast.ts';
import { CodeContext, FHALF, FMAX, FONE, FREG0, FTMP, FZERO } from './context.ts';
import { hoistKey, type Hoisted, type HoistPlan } from './hoist.ts';
import { FMT_MICROSOFT } from './numbers.ts';

const {
  LD, ST, LI, MOV, ADD, SUB, MUL, SHL, LA, LDF, STF, FMOV, FADD, FSUB, FMUL, FDIV, FPOW, FNEG, FABS,
  FSGN, FFLOOR, FSQRT, FSIN, FCOS, FTAN, FATN, FEXP, FLOG, ITOF, FTOI, JMP, BEQ, BNE, BLT, BGT,
  FBEQ, FBNE, FBLT, FBLE, FBGT, FBGE, CALL, SVC, NOT, AND, OR,
} = Op;

const NUM_BRANCH: Record<string, number> = { '=': FBEQ, '<>': FBNE, '<': FBLT, '<=': FBLE, '>': FBGT, '>=': FBGE };
const INT_BRANCH: Record<string, number> = { '=': BEQ, '<>': BNE, '<': BLT, '<=': Op.BLE, '>': BGT, '>=': Op.BGE };
const INVERSE: Record<string, string> = { '=': '<>', '<>': '=', '<': '>=', '>=': '<', '>': '<=', '<=': '>' };
export const RELOPS = new Set(Object.keys(NUM_BRANCH));


/** An element's address: label + addend + r[reg] (+ r[reg2] when not 0). */
export interface Address { reg: number; reg2: number; label: number | null; addend: number }

export class Expressions {
  private readonly fnDepth = new Set<string>();
  /** products whose overflow the enclosing sum checks */
  private readonly unchecked = new WeakSet<Expr>();
  /** While a value is computed with one overflow test at its end (`numTestedOnce`): where a bad
   *  subscript goes (the statement's fully tested computation); null otherwise. */
  private slowPath: number | null = null;
  /** In such a value: subscripts already converted and checked, by variable and bounds, each in a
   *  register of r7-r12 (no string is computed there, so they are free): S + A(I,K) * B(K,J)
   *  converts K once. */
  private subCache: Map<string, number> | null = null;
  private subCacheFree: number[] = [];
  /** The loop whose invariant subscripts are in registers while its body is compiled (hoist.ts). */
  private hoisted: HoistPlan | null = null;

  constructor(private readonly c: CodeContext) {}

  // ---- numbers: the value into f(2 + d)

  /** The register holding x: a fixed one for the constants 0 and 1, else f(2 + d) after evaluating. */
  operand(x: Expr, d: number): number {
    if (x.k === 'num' && x.v === 0 && !Object.is(x.v, -0)) return FZERO;
    if (x.k === 'num' && x.v === 1) return FONE;
    this.num(x, d);
    return this.c.fr(d);
  }

  num(x: Expr, d: number): void {
    const { e, store } = this.c;
    const r = this.c.fr(d);
    switch (x.k) {
      case 'num':
        if (x.v === 0 && !Object.is(x.v, -0)) e.op(FMOV, r, FZERO);
        else if (x.v === 1) e.op(FMOV, r, FONE);
        else e.opL(LDF, r, 0, 0, e.num(x.v));
        return;
      case 'var': e.opL(LDF, r, 0, 0, store.variable(x.name)); return;
      case 'param': e.opL(LDF, r, 0, 0, store.param(x.fn, x.name)); return;
      case 'det': e.opL(LDF, r, 0, 0, store.cell('DET')); return;
      case 'arr': this.load(LDF, r, this.elementAddress(x, d)); return;
      case 'neg': this.num(x.e, d); e.op(FNEG, r, r); return;
      case 'not':
        if (isCondition(x.e)) return this.conditionValue(x, d);
        this.num(x.e, d);
        e.op(FTOI, 1, r);
        e.op(NOT, 1, 1);
        e.op(ITOF, r, 1);
        return;
      case 'bin': return this.binary(x, d);
      case 'call': return this.numBuiltin(x, d);
      case 'fn': return this.fnCall(x, d);
      default: this.c.fail('A NUMBER EXPECTED');
    }
  }

  /**
   * f(d) <- x, testing for overflow once at the end instead of after every operation, when x is a
   * sum, difference or product (signs included) of constants, variables and array elements whose
   * subscripts cannot overflow. Values in variables are always finite, and once an operation of
   * that kind overflows every later one gives an infinity or NaN, so a finite result means none did.
   * When the result is not finite, or a subscript is out of range, the value is computed again the
   * ordinary way (cold code), which warns and substitutes machine infinity exactly as the standard
   * asks, in order, or reports the subscript. Matrix multiplication's S = S + A(I,K) * B(K,J) then
   * tests once (2 instructions) where ECMA-55 tested twice (6). Returns false, emitting nothing,
   * when x is not of that form or has no test to save.
   */
  numTestedOnce(x: Expr, d: number): boolean {
    if (!testableOnce(x) || !hasTestedOperation(x)) return false;
    const c = this.c;
    const e = c.e;
    const r = c.fr(d);
    const back = e.label();
    const slow = c.stub(() => { this.num(x, d); e.opL(JMP, 0, 0, 0, back); });
    this.slowPath = slow;
    this.subCache = new Map();
    const held = new Set([...(this.hoisted?.items.values() ?? [])].map((h) => h.reg));
    this.subCacheFree = [7, 8, 9, 10, 11, 12].filter((r) => !held.has(r));
    try { this.num(x, d); } finally { this.slowPath = null; this.subCache = null; }
    e.op(FSUB, FTMP, r, r); // 0 for a finite value, NaN for an infinity or NaN
    e.opL(FBNE, FTMP, FTMP, 0, slow);
    e.bind(back);
    return true;
  }

  /** LD/LDF/STF/LA through an Address. */
  load(op: number, r: number, a: Address): void {
    if (a.label === null) this.c.e.op(op, r, a.reg, a.reg2, a.addend);
    else this.c.e.opL(op, r, a.reg, a.reg2, a.label, a.addend);
  }

  /** A condition as a number: -1 when true, 0 when false (as in Microsoft BASIC). */
  private conditionValue(x: Expr, d: number): void {
    const e = this.c.e;
    const r = this.c.fr(d);
    const lf = e.label(); const lend = e.label();
    this.cond(x, lf, false, d);
    e.op(FNEG, r, FONE);
    e.opL(JMP, 0, 0, 0, lend);
    e.bind(lf);
    e.op(FMOV, r, FZERO);
    e.bind(lend);
  }

  private binary(x: Extract<Expr, { k: 'bin' }>, d: number): void {
    const c = this.c;
    const e = c.e;
    const r = c.fr(d);
    if (RELOPS.has(x.op)) return this.conditionValue(x, d);
    if (x.op === 'AND' || x.op === 'OR') {
      if (isCondition(x)) return this.conditionValue(x, d);
      this.num(x.l, d);
      this.num(x.r, d + 1);
      e.op(FTOI, 1, r);
      e.op(FTOI, 2, c.fr(d + 1));
      e.op(x.op === 'AND' ? AND : OR, 1, 1, 2, 0);
      e.op(ITOF, r, 1);
      return;
    }
    const small = (y: Expr, lim: number): boolean => y.k === 'num' && Math.abs(y.v) < lim;
    if (x.op === '^') return this.power(x.l, x.r, d);
    // The extended dialect checks a product that is added at once (S = S + A * B) with the sum:
    // an infinite product makes the sum infinite. (ECMA-55 replaces the product itself by machine
    // infinity first, which can differ when the other term is huge and of the other sign.)
    if ((x.op === '+' || x.op === '-') && !c.strict) {
      for (const y of [x.l, x.r]) if (y.k === 'bin' && y.op === '*') this.unchecked.add(y);
    }
    this.num(x.l, d);
    const rr = this.operand(x.r, d + 1);
    switch (x.op) {
      case '+': case '-':
        e.op(x.op === '+' ? FADD : FSUB, r, r, rr);
        if (!small(x.l, 1e290) && !small(x.r, 1e290) && this.slowPath === null) c.overflowCheck(r);
        return;
      case '*':
        e.op(FMUL, r, r, rr);
        if (!small(x.l, 1.0000001) && !small(x.r, 1.0000001) && !this.unchecked.has(x) && this.slowPath === null) c.overflowCheck(r);
        return;
      case '/': {
        const back = e.label();
        if (!(x.r.k === 'num' && x.r.v !== 0)) {
          const s = c.stub(() => {
            c.svcMessage(Svc.WARN, 'DIVISION BY ZERO');
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
        if (!(x.r.k === 'num' && Math.abs(x.r.v) >= 1)) c.overflowCheck(r);
        e.bind(back);
        return;
      }
    }
    c.fail(`INTERNAL: OPERATOR ${x.op}`);
  }

  private power(base: Expr, ex: Expr, d: number): void {
    const c = this.c;
    const e = c.e;
    const r = c.fr(d);
    if (ex.k === 'num' && (ex.v === 1 || ex.v === 2 || ex.v === 3)) {
      this.num(base, d);
      if (ex.v === 2) e.op(FMUL, r, r, r);
      else if (ex.v === 3) { const t = c.fr(d + 1); e.op(FMUL, t, r, r); e.op(FMUL, r, t, r); }
      if (ex.v !== 1) c.overflowCheck(r);
      return;
    }
    this.num(base, d);
    const rr = this.operand(ex, d + 1);
    const back = e.label(); const done = e.label();
    const negStub = c.stub(() => {
      e.op(FFLOOR, FTMP, rr);
      e.opL(FBNE, FTMP, rr, 0, c.errStub('NEGATIVE NUMBER TO A NON-INTEGRAL POWER'));
      e.opL(JMP, 0, 0, 0, back);
    });
    const zeroStub = c.stub(() => {
      e.opL(FBGE, rr, FZERO, 0, back);
      c.svcMessage(Svc.WARN, 'ZERO TO A NEGATIVE POWER');
      e.op(FMOV, r, FMAX);
      e.opL(JMP, 0, 0, 0, done);
    });
    e.opL(FBLT, r, FZERO, 0, negStub);
    e.opL(FBEQ, r, FZERO, 0, zeroStub);
    e.bind(back);
    e.op(FPOW, r, r, rr);
    c.overflowCheck(r);
    e.bind(done);
  }

  private numBuiltin(x: Extract<Expr, { k: 'call' }>, d: number): void {
    const c = this.c;
    const e = c.e;
    const r = c.fr(d);
    const arg0 = (): void => this.num(x.args[0], d);
    switch (x.f) {
      case 'ABS': arg0(); e.op(FABS, r, r); return;
      case 'ATN': arg0(); e.op(FATN, r, r); return;
      case 'COS': arg0(); e.op(FCOS, r, r); return;
      case 'SIN': arg0(); e.op(FSIN, r, r); return;
      case 'TAN': arg0(); e.op(FTAN, r, r); c.overflowCheck(r); return;
      case 'EXP': arg0(); e.op(FEXP, r, r); c.overflowCheck(r); return;
      case 'INT': arg0(); e.op(FFLOOR, r, r); return;
      case 'SGN': arg0(); e.op(FSGN, r, r); return;
      case 'SQR': arg0(); e.opL(FBLT, r, FZERO, 0, c.errStub('SQUARE ROOT OF A NEGATIVE NUMBER')); e.op(FSQRT, r, r); return;
      case 'LOG': arg0(); e.opL(FBLE, r, FZERO, 0, c.errStub('LOG OF ZERO OR OF A NEGATIVE NUMBER')); e.op(FLOG, r, r); return;
      case 'RND': {
        if (c.strict) { e.op(SVC, 0, 0, 0, Svc.RANDOM); e.op(FMOV, r, 1); return; }
        // Microsoft: RND(0) gives the last number again; a negative argument restarts the
        // generator from itself first (so RND(-3) always begins the same sequence: programs use
        // it for repeatable games); a positive one, or none, gives the next number.
        const last = c.store.cell('RND');
        const done = e.label();
        if (x.args.length) {
          arg0();
          const draw = e.label();
          const next = e.label();
          e.opL(FBNE, r, FZERO, 0, next);
          e.opL(LDF, r, 0, 0, last);
          e.opL(JMP, 0, 0, 0, done);
          e.bind(next);
          e.opL(FBGT, r, FZERO, 0, draw);
          e.op(FMOV, 1, r);
          e.op(SVC, 0, 0, 0, Svc.SEED);
          e.bind(draw);
        }
        e.op(SVC, 0, 0, 0, Svc.RANDOM);
        e.op(FMOV, r, 1);
        e.opL(STF, r, 0, 0, last);
        e.bind(done);
        return;
      }
      case 'POS':
        // Microsoft: the column the next character will be typed in, from 0 (the argument is ignored)
        arg0();
        e.op(SVC, 0, 0, 0, Svc.COLUMN);
        e.op(ITOF, r, 1);
        return;
      case 'LEN': case 'ASC': case 'VAL': {
        const sd = c.strDepth;
        const nd = c.numDepth;
        c.numDepth = d;
        this.str(x.args[0], sd);
        c.numDepth = nd;
        const p = c.sr(sd);
        if (x.f === 'VAL') {
          e.op(LD, 2, p, 0, 0);
          e.op(ADD, 1, p, 0, 1);
          e.op(SVC, 0, 0, 0, Svc.PARSENUM);
          e.op(FMOV, r, 1);
          c.overflowCheck(r);
          return;
        }
        e.op(LD, 1, p, 0, 0);
        if (x.f === 'ASC') {
          e.opL(BEQ, 1, 0, 0, c.errStub('ASC OF AN EMPTY STRING'));
          e.op(LD, 1, p, 0, 1);
        }
        e.op(ITOF, r, 1);
        return;
      }
    }
    c.fail(`${x.f} DOES NOT GIVE A NUMBER`);
  }

  /**
   * DEF FN functions are expanded in place: arguments go to the function's parameter cells. In the
   * extended dialect the DEF must have run (its flag says which DEF of the name did).
   */
  private fnCall(x: Extract<Expr, { k: 'fn' }>, d: number): void {
    const c = this.c;
    const e = c.e;
    const defs = (c.checked.fns.get(x.name) ?? []).filter((f) => f.params.length === x.args.length);
    if (defs.length === 0) c.fail(`${x.name} IS NOT DEFINED BY ANY DEF`);
    if (this.fnDepth.has(x.name)) c.fail(`${x.name} CANNOT USE ITSELF`);
    // The arguments are evaluated before the body is entered, so a call in an argument of the
    // same function (FNG(FNG(-10)), NBS program 151) has ended before this one begins: not recursion.
    x.args.forEach((a, i) => this.num(a, d + i));
    this.fnDepth.add(x.name);
    try {
      const expand = (def: (typeof defs)[number]): void => {
        x.args.forEach((_, i) => e.opL(STF, c.fr(d + i), 0, 0, c.store.param(def.name, def.params[i])));
        this.num(def.body, d);
      };
      if (c.strict) { expand(defs[0]); return; }
      const flag = c.store.fnFlag(x.name);
      e.opL(LD, 1, 0, 0, flag);
      e.opL(BEQ, 1, 0, 0, c.errStub(`UNDEFINED FUNCTION ${x.name}`));
      if (defs.length === 1) { expand(defs[0]); return; }
      const done = e.label();
      for (const def of defs) {
        const next = e.label();
        e.op(LI, 2, 0, 0, def.index + 1);
        e.opL(BNE, 1, 2, 0, next);
        expand(def);
        e.opL(JMP, 0, 0, 0, done);
        e.bind(next);
        e.opL(LD, 1, 0, 0, flag);
      }
      e.opL(JMP, 0, 0, 0, c.errStub(`${x.name} HAS A DEF WITH ANOTHER NUMBER OF ARGUMENTS`));
      e.bind(done);
    } finally {
      this.fnDepth.delete(x.name);
    }
  }

  // ---- conditions: branch to target when the condition's truth equals jumpIf
  cond(x: Expr, target: number, jumpIf: boolean, d: number): void {
    const c = this.c;
    const e = c.e;
    if (x.k === 'bin' && RELOPS.has(x.op)) {
      const op = jumpIf ? x.op : INVERSE[x.op];
      if (x.l.t === 'n') {
        this.num(x.l, d);
        const r = this.operand(x.r, d + 1);
        e.opL(NUM_BRANCH[op], c.fr(d), r, 0, target);
      } else {
        const sd = c.strDepth;
        const nd = c.numDepth;
        c.numDepth = d;
        this.str(x.l, sd);
        this.str(x.r, sd + 1);
        c.numDepth = nd;
        e.op(MOV, 1, c.sr(sd));
        e.op(MOV, 2, c.sr(sd + 1));
        e.opL(CALL, 0, 0, 0, c.rt.strcmp);
        e.opL(INT_BRANCH[op], 1, 0, 0, target);
      }
      return;
    }
    if (x.k === 'bin' && (x.op === 'AND' || x.op === 'OR') && isCondition(x)) {
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
    if (x.k === 'not' && isCondition(x.e)) { this.cond(x.e, target, !jumpIf, d); return; }
    this.num(x, d);
    e.opL(jumpIf ? FBNE : FBEQ, c.fr(d), FZERO, 0, target);
  }

  // ---- loop-invariant subscripts (hoist.ts)

  /**
   * Before the first pass of a loop with a plan: each hoisted subscript converted, checked and
   * scaled into its register, or -1 there when it is out of range (reported only when a pass
   * uses it, as before). Then the body's element addresses use the registers, until `hoistEnd`.
   * Free to use: f2, f14, r1-r3 (nothing lives across a FOR statement in registers).
   */
  hoistBegin(plan: HoistPlan): void {
    const c = this.c;
    const e = c.e;
    for (const h of plan.items.values()) {
      const skip = e.label();
      e.op(LI, h.reg, 0, 0, -1);
      e.opL(LDF, FREG0, 0, 0, c.store.variable(h.v));
      this.subscript(FREG0, 1, h.lo, h.hi, skip);
      if (h.mul !== null) e.op(MUL, h.reg, 1, 0, h.mul); else e.op(SHL, h.reg, 1, 0, h.shl!);
      e.bind(skip);
    }
    this.hoisted = plan;
  }

  /** The loop's body has been compiled (its NEXT is next), or `s` is not part of it: no register
   *  holds a subscript any more. */
  hoistEnd(s: Stmt | null = null): void {
    if (this.hoisted !== null && (s === null || !this.hoisted.body.has(s) || s === this.hoisted.next)) this.hoisted = null;
  }

  // ---- array elements

  /**
   * Converts f(d) to an integer subscript in r[ir]. ECMA-55 rounds to the nearest integer; Microsoft
   * BASIC truncates (C(1.5) is C(1): Super Star Trek's torpedoes rely on it).
   */
  toIndex(fr: number, ir: number): void {
    const e = this.c.e;
    if (this.c.strict) {
      e.op(FADD, FTMP, fr, FHALF);
      e.op(FFLOOR, FTMP, FTMP);
      e.op(FTOI, ir, FTMP);
    } else e.op(FTOI, ir, fr);
  }

  /**
   * A checked subscript: f[fr] converted into r[ir] and branched to `bad` unless lo <= it <= hi
   * (hi in r2 after this when `hi` is a number, loaded unless `hiInR2`; a register otherwise). The low bound is tested on
   * the double against f0 (0) or f12 (1), so the conversion needs no floor: x + .5 >= 0 truncates
   * as it rounds.
   */
  private subscript(fr: number, ir: number, lo: number, hi: number | { reg: number }, bad: number, hiInR2 = false): void {
    const e = this.c.e;
    const loReg = lo === 0 ? FZERO : FONE;
    if (this.c.strict) {
      e.op(FADD, FTMP, fr, FHALF);
      e.opL(FBLT, FTMP, loReg, 0, bad);
      e.op(FTOI, ir, FTMP);
    } else {
      e.opL(FBLT, fr, loReg, 0, bad);
      e.op(FTOI, ir, fr);
    }
    if (typeof hi === 'number') {
      if (!hiInR2) e.op(LI, 2, 0, 0, hi);
      e.opL(BGT, ir, 2, 0, bad);
    } else e.opL(BGT, ir, hi.reg, 0, bad);
  }

  /** The address of an element; subscripts use f depth d and up, and r1-r3. */
  elementAddress(t: ArrayRef, d: number): Address {
    const c = this.c;
    const e = c.e;
    const a = c.store.array(t.name);
    const bad = (): number => this.slowPath ?? c.errStub('SUBSCRIPT OUT OF RANGE');
    const shift = a.esize === 2 ? 1 : 8;
    if (a.desc === null) {
      if (t.subs.every((s) => s.k === 'num')) {
        const idx = t.subs.map((s) => { const v = (s as { v: number }).v; return c.strict ? Math.floor(v + 0.5) : Math.trunc(v); });
        if (idx.some((v, i) => v < a.lo || v > a.hi[i])) {
          e.opL(JMP, 0, 0, 0, bad());
          return { reg: 0, reg2: 0, label: a.label, addend: 0 };
        }
        const flat = idx.length === 2 ? (idx[0] - a.lo) * a.cols + (idx[1] - a.lo) : idx[0] - a.lo;
        return { reg: 0, reg2: 0, label: a.label, addend: flat * a.esize };
      }
      const cache = this.subCache;
      // hoisted subscripts: the first of two is scaled by the row length, the other by the element size
      const hoist = t.subs.map((s, i): Hoisted | undefined => {
        if (this.hoisted === null || s.k !== 'var') return undefined;
        const mul = t.subs.length === 2 && i === 0 ? a.cols * a.esize : null;
        return this.hoisted.items.get(hoistKey(s.name, a.lo, a.hi[i], mul, mul === null ? shift : null));
      });
      const keys = t.subs.map((s, i) => (cache !== null && s.k === 'var' && hoist[i] === undefined ? `${s.name}:${a.lo}:${a.hi[i]}` : null));
      t.subs.forEach((s, i) => { if (hoist[i] === undefined && (keys[i] === null || !cache!.has(keys[i]!))) this.num(s, d + i); });
      // each subscript's checked integer: r1 and r3, a cached one's register, or a register to cache it in
      const ireg = [1, 3];
      const src: number[] = [];
      let r2: number | null = null; // the bound r2 holds
      t.subs.forEach((_, i) => {
        const h = hoist[i];
        if (h !== undefined) {
          // converted before the loop: -1 there when out of range, reported here, at this pass
          e.opL(BLT, h.reg, 0, 0, bad());
          src.push(h.reg);
          return;
        }
        const key = keys[i];
        const hit = key === null ? undefined : cache!.get(key);
        if (hit !== undefined) { src.push(hit); return; }
        let ir = ireg[i];
        if (key !== null && this.subCacheFree.length > 0) { ir = this.subCacheFree.shift()!; cache!.set(key, ir); }
        this.subscript(c.fr(d + i), ir, a.lo, a.hi[i], bad(), r2 === a.hi[i]);
        r2 = a.hi[i];
        src.push(ir);
      });
      // element (i, j) is at label + (i * cols + j - (lo * cols + lo)) * esize: r1 * (cols * esize)
      // plus r3 * esize, added by the load itself
      if (t.subs.length === 2) {
        let row = hoist[0]?.reg, col = hoist[1]?.reg;
        if (row === undefined) { e.op(MUL, 1, src[0], 0, a.cols * a.esize); row = 1; }
        if (col === undefined) { e.op(SHL, 3, src[1], 0, shift); col = 3; }
        return { reg: row, reg2: col, label: a.label, addend: -(a.lo * a.cols + a.lo) * a.esize };
      }
      if (hoist[0] !== undefined) return { reg: hoist[0].reg, reg2: 0, label: a.label, addend: -a.lo * a.esize };
      e.op(SHL, 1, src[0], 0, shift);
      return { reg: 1, reg2: 0, label: a.label, addend: -a.lo * a.esize };
    }
    // dynamic: bounds and the row length come from the descriptor
    const desc = a.desc;
    t.subs.forEach((s, i) => this.num(s, d + i));
    const ireg = [1, 3];
    t.subs.forEach((_, i) => {
      const r = ireg[i];
      e.opL(LD, 2, 0, 0, desc, 1 + i);
      this.subscript(c.fr(d + i), r, a.lo, { reg: 2 }, bad());
      if (a.lo) e.op(SUB, r, r, 0, a.lo);
    });
    if (t.subs.length === 2) {
      e.opL(LD, 2, 0, 0, desc, 3);
      e.op(MUL, 1, 1, 2, 0);
      e.op(ADD, 1, 1, 3, 0);
    }
    e.op(SHL, 1, 1, 0, shift);
    e.opL(LD, 2, 0, 0, desc, 0);
    return { reg: 1, reg2: 2, label: null, addend: 0 };
  }

  // ---- strings: the address of the value into r(6 + d)
  str(x: Expr, d: number): void {
    const c = this.c;
    const e = c.e;
    const p = c.sr(d);
    const saved = c.strDepth;
    c.strDepth = d + 1;
    try {
      switch (x.k) {
        case 'str': e.opL(LA, p, 0, 0, e.str(x.v)); return;
        case 'var': e.opL(LA, p, 0, 0, c.store.variable(x.name)); return;
        case 'arr': this.load(LA, p, this.elementAddress(x, c.numDepth)); return;
        case 'bin': {
          this.str(x.l, d);
          this.str(x.r, d + 1);
          e.op(MOV, 1, p);
          e.op(MOV, 2, c.sr(d + 1));
          e.opL(LA, 3, 0, 0, c.store.temp(d));
          e.opL(CALL, 0, 0, 0, c.rt.concat);
          e.opL(BNE, 4, 0, 0, c.errStub('STRING LONGER THAN 255 CHARACTERS'));
          e.opL(LA, p, 0, 0, c.store.temp(d));
          return;
        }
        case 'call': return this.strBuiltin(x, d);
        default: c.fail('A STRING EXPECTED');
      }
    } finally {
      c.strDepth = saved;
    }
  }

  private strBuiltin(x: Extract<Expr, { k: 'call' }>, d: number): void {
    const c = this.c;
    const e = c.e;
    const p = c.sr(d);
    const nd = c.numDepth;
    const tmp = c.store.temp(d);
    switch (x.f) {
      case 'CHR$':
        this.num(x.args[0], nd);
        e.op(FTOI, 1, c.fr(nd));
        e.opL(LA, p, 0, 0, tmp);
        e.op(ST, 1, p, 0, 1);
        e.op(LI, 1, 0, 0, 1);
        e.op(ST, 1, p, 0, 0);
        return;
      case 'STR$': {
        // Microsoft's STR$ keeps the sign's place: STR$(7) is " 7"
        this.num(x.args[0], nd);
        const f = c.fr(nd);
        const neg = e.label();
        e.op(FMOV, 1, f);
        e.opL(LA, p, 0, 0, tmp);
        e.op(ADD, 1, p, 0, 1);
        e.op(LI, 2, 0, 0, 255);
        e.opL(FBLT, f, FZERO, 0, neg);
        e.op(LI, 3, 0, 0, 32);
        e.op(ST, 3, 1, 0, 0);
        e.op(ADD, 1, 1, 0, 1);
        e.bind(neg);
        e.op(LI, 3, 0, 0, FMT_MICROSOFT);
        e.op(SVC, 0, 0, 0, Svc.FMTNUM);
        const done = e.label();
        e.opL(FBLT, f, FZERO, 0, done);
        e.op(ADD, 1, 1, 0, 1);
        e.bind(done);
        e.op(ST, 1, p, 0, 0);
        return;
      }
      case 'LEFT$': case 'RIGHT$': case 'MID$': {
        this.str(x.args[0], d);
        c.numDepth = nd;
        this.num(x.args[1], nd);
        if (x.args[2]) this.num(x.args[2], nd + 1);
        if (x.f === 'LEFT$') { e.op(LI, 2, 0, 0, 0); e.op(FTOI, 3, c.fr(nd)); }
        else if (x.f === 'RIGHT$') { e.op(FTOI, 3, c.fr(nd)); e.op(LD, 5, p, 0, 0); e.op(SUB, 2, 5, 3, 0); }
        else {
          e.op(FTOI, 2, c.fr(nd));
          e.op(SUB, 2, 2, 0, 1);
          if (x.args[2]) e.op(FTOI, 3, c.fr(nd + 1));
          else e.op(LI, 3, 0, 0, 255);
        }
        e.op(MOV, 1, p);
        e.opL(LA, 4, 0, 0, tmp);
        e.opL(CALL, 0, 0, 0, c.rt.substr);
        e.opL(LA, p, 0, 0, tmp);
        return;
      }
    }
    c.fail(`${x.f} DOES NOT GIVE A STRING`);
  }
}

/** A relation, or AND/OR/NOT of relations: compiled as branches rather than as -1/0 values. */
export function isCondition(x: Expr): boolean {
  if (x.k === 'bin') return RELOPS.has(x.op) || ((x.op === 'AND' || x.op === 'OR') && isCondition(x.l) && isCondition(x.r));
  if (x.k === 'not') return isCondition(x.e);
  return false;
}

/** A subscript that cannot overflow: a constant, a variable, or a variable plus or minus a constant
 *  (small enough that the sum is not tested). */
function safeSubscript(x: Expr): boolean {
  if (x.k === 'num' || x.k === 'var' || x.k === 'param') return true;
  if (x.k !== 'bin' || (x.op !== '+' && x.op !== '-')) return false;
  const isConst = (y: Expr): boolean => y.k === 'num' && Math.abs(y.v) < 1e290;
  const isVar = (y: Expr): boolean => y.k === 'var' || y.k === 'param';
  return (isVar(x.l) && isConst(x.r)) || (isConst(x.l) && isVar(x.r));
}

/** Whether x may be computed with one overflow test at its end (see Expressions.numTestedOnce). */
function testableOnce(x: Expr): boolean {
  switch (x.k) {
    case 'num': case 'var': case 'param': return true;
    case 'neg': return testableOnce(x.e);
    case 'arr': return x.subs.every(safeSubscript);
    case 'bin': return (x.op === '+' || x.op === '-' || x.op === '*') && testableOnce(x.l) && testableOnce(x.r);
    default: return false;
  }
}

/** Whether computing x the ordinary way tests some operation for overflow (one of two non-constants). */
function hasTestedOperation(x: Expr): boolean {
  if (x.k === 'neg') return hasTestedOperation(x.e);
  if (x.k !== 'bin') return false;
  return (x.l.k !== 'num' && x.r.k !== 'num') || hasTestedOperation(x.l) || hasTestedOperation(x.r);
}
