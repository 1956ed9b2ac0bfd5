// FOR and NEXT. ECMA-55 loops are properly nested in the text (the static checks make sure), so
// each NEXT is compiled against its FOR: the limit and step live in cells or as constants and the
// loop test is one compare-and-branch, made before the first pass too.
//
// The extended dialect matches loops at run time, as Microsoft BASIC does: FOR pushes a record
// (variable, body address, limit, step) on a stack of active loops, removing an active loop on the
// same variable and those inside it; NEXT I closes the innermost active loop on I and any inside it,
// so a NEXT earlier in the text can close a FOR reached by GOTO, and a FOR in a THEN clause can be
// closed on a later line. The body runs once even when the limit is already passed (8K BASIC does
// not test before the first pass). A NEXT whose loop is the one the text suggests takes a short
// path with the loop's constants; anything else calls the `next` routine, which searches the stack.
// The NEXT of a loop whose body is plain LETs that no jump enters (hoist.ts) knows its record is on
// top: its pass is ECMA-55's, with the limit and step in cells its FOR fills.
// As in 8K BASIC, a subroutine's loops sit above its GOSUB: inside it FOR and NEXT see only its own
// loops, and RETURN leaves those it did not finish (see `gosub`).
import { Op } from '../machine/isa.ts';
import type { Expr, Stmt } from './ast.ts';
import { eachStmt } from './checks.ts';
import { CodeContext, FONE, FREG0, FZERO } from './context.ts';
import type { Expressions } from './expressions.ts';
import { hoistPlans, type HoistPlan } from './hoist.ts';
import { LOOP_WORDS, MAX_LOOPS } from './storage.ts';

const { LD, ST, LI, LA, LDF, STF, FADD, FSUB, FMUL, FSGN, FBLE, FBGT, FBGE, FBLT, FBEQ, JMP, BEQ, BNE, BLE, BGE, CALL, RET, SUB, ADD } = Op;

interface Part { c?: number; slot?: number }
interface Loop { id: number; v: string; body: number; exit: number; limit: Part; step: Part }

export class Loops {
  private readonly loops = new Map<number, Loop>();
  /** loops whose invariant subscripts are converted once, before the first pass (hoist.ts) */
  private readonly plans: Map<number, HoistPlan>;

  constructor(private readonly c: CodeContext, private readonly x: Expressions) {
    const constant = (e: Expr | null): Part => (e === null ? { c: 1 } : e.k === 'num' ? { c: e.v } : {});
    for (const ln of c.prog.lines) {
      eachStmt(ln.stmts, (s) => {
        if (s.k === 'for') this.loops.set(s.id, { id: s.id, v: s.v, body: c.e.label(), exit: c.e.label(), limit: constant(s.to), step: constant(s.step) });
      });
    }
    this.plans = hoistPlans(c.prog, c.store);
  }

  /** Before the body: its invariant subscripts into registers, if the loop has a plan. NEXT jumps
   *  back past this, so it runs once per execution of the FOR. */
  private enterBody(s: Extract<Stmt, { k: 'for' }>): void {
    const plan = this.plans.get(s.id);
    if (plan) this.x.hoistBegin(plan);
  }

  forStmt(s: Extract<Stmt, { k: 'for' }>): void {
    if (this.c.strict) this.staticFor(s); else this.stackFor(s);
  }
  nextStmt(s: Extract<Stmt, { k: 'next' }>): void {
    this.x.hoistEnd(s);
    const names = s.vars.length ? s.vars : [null];
    names.forEach((v, i) => {
      const loop = this.loops.get(s.loops[i] ?? -1);
      if (this.c.strict) {
        if (!loop) this.c.fail(`NEXT ${v ?? ''} WITHOUT FOR`);
        this.staticNext(loop);
      } else this.stackNext(v, loop, loop !== undefined && this.plans.get(loop.id)?.next === s);
    });
  }

  // ---- ECMA-55
  private staticFor(s: Extract<Stmt, { k: 'for' }>): void {
    const { e, store } = this.c;
    const info = this.loops.get(s.id)!;
    if (info.limit.c === undefined) { this.x.num(s.to, 0); info.limit.slot = e.bss(2); e.opL(STF, FREG0, 0, 0, info.limit.slot); }
    if (info.step.c === undefined) { this.x.num(s.step!, 0); info.step.slot = e.bss(2); e.opL(STF, FREG0, 0, 0, info.step.slot); }
    this.x.num(s.from, 0);
    e.opL(STF, FREG0, 0, 0, store.variable(s.v));
    const lim = this.loadPart(info.limit, 3);
    this.loopTest(info.step, lim, info.exit, false);
    this.enterBody(s);
    e.bind(info.body);
  }

  private staticNext(info: Loop): void {
    this.stepAndLoop(info);
    this.c.e.bind(info.exit);
  }

  /** A NEXT's pass with its limit and step where its FOR left them: the variable steps, and the
   *  loop goes back to its body unless the variable is past the limit. */
  private stepAndLoop(info: Loop): void {
    const e = this.c.e;
    const vl = this.c.store.variable(info.v);
    e.opL(LDF, FREG0, 0, 0, vl);
    const st = this.loadPart(info.step, 3);
    e.op(FADD, FREG0, FREG0, st);
    e.opL(STF, FREG0, 0, 0, vl);
    const lim = this.loadPart(info.limit, 4);
    this.loopTest(info.step, lim, info.body, true, st);
  }

  /** A limit or step: its register (a fixed one for 0 and 1), loading it into f[r] if needed. */
  private loadPart(p: Part, r: number): number {
    const e = this.c.e;
    if (p.c !== undefined) {
      if (p.c === 0) return FZERO;
      if (p.c === 1) return FONE;
      e.opL(LDF, r, 0, 0, e.num(p.c));
      return r;
    }
    e.opL(LDF, r, 0, 0, p.slot as number);
    return r;
  }

  /** With the control variable in f2: branch to `target` when the loop should go on (cont) or end. */
  private loopTest(step: Part, lim: number, target: number, cont: boolean, stepReg?: number): void {
    const e = this.c.e;
    const c = step.c;
    if (c !== undefined && c !== 0) {
      const op = c > 0 ? (cont ? FBLE : FBGT) : (cont ? FBGE : FBLT);
      e.opL(op, FREG0, lim, 0, target);
      return;
    }
    // ECMA-55 13: the loop ends when (v - limit) * SGN(step) > 0, that is when v > limit for a
    // positive step, v < limit for a negative one, never for 0. Testing the step's sign first costs a
    // branch where the formula costs a subtraction, a sign and a product (a pass of the sieve's
    // inner loop, FOR J = I + I TO N STEP I, is 16 instructions instead of 19).
    const st = stepReg ?? this.loadPart(step, 6);
    const notPositive = e.label(); const done = e.label();
    e.opL(FBLE, st, FZERO, 0, notPositive);
    e.opL(cont ? FBLE : FBGT, FREG0, lim, 0, target);
    e.opL(JMP, 0, 0, 0, done);
    e.bind(notPositive);
    if (cont) {
      e.opL(FBGE, FREG0, lim, 0, target);
      e.opL(FBEQ, st, FZERO, 0, target);
    } else {
      e.opL(FBEQ, st, FZERO, 0, done);
      e.opL(FBLT, FREG0, lim, 0, target);
    }
    e.bind(done);
  }

  // ---- the extended dialect's stack of active loops
  private stackFor(s: Extract<Stmt, { k: 'for' }>): void {
    const c = this.c;
    const e = c.e;
    const info = this.loops.get(s.id)!;
    this.x.num(s.from, 0);
    e.opL(STF, FREG0, 0, 0, c.store.variable(s.v));
    this.x.num(s.to, 0);
    if (s.step) this.x.num(s.step, 1); else e.op(Op.FMOV, FREG0 + 1, FONE);
    if (this.plans.has(s.id)) {
      // Its NEXT is known (stackNext): it reads the limit and step from cells of this FOR's own,
      // at fixed addresses, not from the record through the stack's top (an address that a
      // WebAssembly region must check at every pass). Only this FOR writes them, just before it
      // pushes the same values, and nothing runs between the FOR and that NEXT but the body.
      if (info.limit.c === undefined) { info.limit.slot = e.bss(2); e.opL(STF, FREG0, 0, 0, info.limit.slot); }
      if (info.step.c === undefined) { info.step.slot = e.bss(2); e.opL(STF, FREG0 + 1, 0, 0, info.step.slot); }
    }
    e.opL(LA, 1, 0, 0, c.store.variable(s.v));
    e.opL(LA, 2, 0, 0, info.body);
    e.op(LI, 3, 0, 0, s.id + 1);
    e.opL(CALL, 0, 0, 0, this.pushRoutine());
    e.opL(BNE, 4, 0, 0, c.errStub('TOO MANY NESTED FOR LOOPS'));
    this.enterBody(s);
    e.bind(info.body);
  }

  /** `known`: the NEXT of a loop with a plan (hoist.ts): its body is plain LETs that no jump
   *  enters, so the loop on top of the stack is the one its FOR pushed, and is not tested. */
  private stackNext(v: string | null, guess: Loop | undefined, known = false): void {
    const c = this.c;
    const e = c.e;
    const { base, top, floor } = c.store.loops();
    if (known && guess) {
      // A pass is what ECMA-55's NEXT does (limit and step from the FOR's cells, stackFor); the
      // record is popped when the loop ends. No other path: nothing else can be on top.
      this.stepAndLoop(guess);
      e.opL(LD, 1, 0, 0, top);
      e.op(SUB, 1, 1, 0, LOOP_WORDS);
      e.opL(ST, 1, 0, 0, top);
      return;
    }
    const after = e.label();
    const slow = e.label();
    if (guess && (v === null || guess.v === v)) {
      const vl = c.store.variable(guess.v);
      e.opL(LD, 1, 0, 0, top);
      e.opL(LD, 2, 0, 0, floor);
      e.opL(BEQ, 1, 2, 0, slow); // no loop of this subroutine is active
      e.opL(LD, 2, 1, 0, base, -LOOP_WORDS + 6);
      e.op(LI, 3, 0, 0, guess.id + 1);
      e.opL(BNE, 2, 3, 0, slow);
      e.opL(LDF, FREG0, 0, 0, vl);
      let st: number;
      if (guess.step.c !== undefined) st = this.loadPart(guess.step, 3);
      else { st = 3; e.opL(LDF, 3, 1, 0, base, -LOOP_WORDS + 4); }
      e.op(FADD, FREG0, FREG0, st);
      e.opL(STF, FREG0, 0, 0, vl);
      let lim: number;
      if (guess.limit.c !== undefined) lim = this.loadPart(guess.limit, 4);
      else { lim = 4; e.opL(LDF, 4, 1, 0, base, -LOOP_WORDS + 2); }
      this.loopTest(guess.step, lim, guess.body, true, st);
      e.op(SUB, 1, 1, 0, LOOP_WORDS);
      e.opL(ST, 1, 0, 0, top);
      e.opL(JMP, 0, 0, 0, after);
    }
    e.bind(slow);
    if (v === null) e.op(LI, 1, 0, 0, 0); else e.opL(LA, 1, 0, 0, c.store.variable(v));
    e.opL(CALL, 0, 0, 0, this.nextRoutine());
    const fin = e.label();
    e.opL(BEQ, 4, 0, 0, fin);
    e.op(LI, 5, 0, 0, 1);
    e.opL(BEQ, 4, 5, 0, after);
    e.opL(JMP, 0, 0, 0, c.errStub(v === null ? 'NEXT WITHOUT FOR' : `NEXT ${v} WITHOUT FOR ${v}`));
    e.bind(fin);
    e.op(JMP, 0, 2, 0, 0);
    e.bind(after);
  }

  /**
   * A GOSUB (or ON ... GOSUB, with the target in r2 when `viaR2`): the loops the subroutine opens go
   * above a floor, and its RETURN brings the stack back to where it was at the GOSUB. The caller's
   * floor rides on the machine stack under the return address.
   */
  gosub(target: number | null): void {
    const { e, store } = this.c;
    const { top, floor } = store.loops();
    e.opL(LD, 1, 0, 0, floor);
    e.op(Op.PUSH, 1, 0, 0, 0);
    e.opL(LD, 1, 0, 0, top);
    e.opL(ST, 1, 0, 0, floor);
    if (target === null) e.op(CALL, 0, 2, 0, 0); else e.opL(CALL, 0, 0, 0, target);
    e.opL(LD, 1, 0, 0, floor);
    e.opL(ST, 1, 0, 0, top);
    e.op(Op.POP, 1, 0, 0, 0);
    e.opL(ST, 1, 0, 0, floor);
  }

  // push(r1 = variable's address, r2 = body address, r3 = loop id + 1, f2 = limit, f3 = step) -> r4 = 0,
  // or 1 when the stack is full
  private pushRoutine(): number {
    const c = this.c;
    return c.routine('for-push', () => {
      const e = c.e;
      const { base, top, floor } = c.store.loops();
      const search = e.label(); const found = e.label(); const free = e.label(); const full = e.label();
      e.opL(LD, 4, 0, 0, top);
      e.op(Op.MOV, 5, 4);
      e.opL(LD, 13, 0, 0, floor);
      e.bind(search);
      e.opL(BLE, 5, 13, 0, free); // a caller's loop on the same variable is left alone, as in 8K BASIC
      e.op(SUB, 5, 5, 0, LOOP_WORDS);
      e.opL(LD, 13, 5, 0, base);
      e.opL(BEQ, 13, 1, 0, found);
      e.opL(JMP, 0, 0, 0, search);
      e.bind(found);
      e.op(Op.MOV, 4, 5); // a FOR on an active loop's variable ends that loop and those inside it
      e.bind(free);
      e.op(LI, 5, 0, 0, LOOP_WORDS * MAX_LOOPS);
      e.opL(BGE, 4, 5, 0, full);
      e.opL(ST, 1, 4, 0, base);
      e.opL(ST, 2, 4, 0, base, 1);
      e.opL(STF, FREG0, 4, 0, base, 2);
      e.opL(STF, FREG0 + 1, 4, 0, base, 4);
      e.opL(ST, 3, 4, 0, base, 6);
      e.op(ADD, 4, 4, 0, LOOP_WORDS);
      e.opL(ST, 4, 0, 0, top);
      e.op(LI, 4, 0, 0, 0);
      e.op(RET);
      e.bind(full);
      e.op(LI, 4, 0, 0, 1);
      e.op(RET);
    });
  }

  // next(r1 = variable's address, 0 for a bare NEXT) -> r4 = 0 and r2 = the body's address to go
  // on; r4 = 1 when the loop is done; r4 = 2 when no active loop has that variable
  private nextRoutine(): number {
    const c = this.c;
    return c.routine('for-next', () => {
      const e = c.e;
      const { base, top, floor } = c.store.loops();
      const search = e.label(); const found = e.label(); const none = e.label(); const done = e.label();
      e.opL(LD, 2, 0, 0, top);
      e.opL(LD, 3, 0, 0, floor);
      e.bind(search);
      e.opL(BLE, 2, 3, 0, none); // only this subroutine's loops
      e.op(SUB, 2, 2, 0, LOOP_WORDS);
      e.opL(BEQ, 1, 0, 0, found);
      e.opL(LD, 5, 2, 0, base);
      e.opL(BEQ, 5, 1, 0, found);
      e.opL(JMP, 0, 0, 0, search);
      e.bind(found);
      e.op(ADD, 5, 2, 0, LOOP_WORDS); // loops inside this one are left
      e.opL(ST, 5, 0, 0, top);
      e.opL(LD, 5, 2, 0, base);
      e.op(LDF, 1, 5, 0, 0);
      e.opL(LDF, 14, 2, 0, base, 4);
      e.op(FADD, 1, 1, 14);
      e.op(STF, 1, 5, 0, 0);
      e.opL(LDF, 14, 2, 0, base, 2);
      e.op(FSUB, 1, 1, 14);
      e.opL(LDF, 14, 2, 0, base, 4);
      e.op(FSGN, 14, 14);
      e.op(FMUL, 1, 1, 14);
      e.opL(FBGT, 1, FZERO, 0, done);
      e.opL(LD, 2, 2, 0, base, 1);
      e.op(LI, 4, 0, 0, 0);
      e.op(RET);
      e.bind(done);
      e.opL(ST, 2, 0, 0, top);
      e.op(LI, 4, 0, 0, 1);
      e.op(RET);
      e.bind(none);
      e.op(LI, 4, 0, 0, 2);
      e.op(RET);
    });
  }
}
