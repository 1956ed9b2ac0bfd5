// Loop-invariant subscripts. In MATMUL's inner loop, `S = S + A(I,K) * B(K,J)`, converting and
// bound-checking I and J and multiplying I by the row length were redone on every pass of K: 14 of
// the loop's 34 instructions. In a loop where that provably changes nothing, such a subscript is
// converted, checked and scaled once, before the first pass, into a register kept for the whole
// loop; each use is then one test of that register.
//
// Only when nothing can go wrong, so: an innermost loop (a FOR at the top of its line) whose body,
// up to the NEXT that closes it in the text, is nothing but LET statements computing numbers with
// constants, variables, arrays, the operators and the pure built-in functions (no DEF FN, no string,
// no call of the run-time library, no jump, no INPUT, READ, GOSUB, ON, FOR); no line of the body
// after the FOR's own is the target of any GOTO, GOSUB, IF ... THEN, ON or RESTORE anywhere (the
// extended dialect allows jumps into loops; a stale register would then be read); the variable is a
// plain numeric one that no LET of the body assigns and that is not the loop's own; the array has
// fixed bounds (no descriptor). In the extended dialect, NEXT matched at run time cannot reach the
// body any other way: the loop's record is on the stack only between its FOR and its NEXT, and
// nothing between them leaves the body.
//
// The same conditions let the extended dialect's NEXT skip its test that the loop on top of the
// stack of active loops is its own: only the FOR can have put it there (loops.ts `stackNext`).
//
// Errors stay exactly where they were. A subscript out of range is not reported before the loop:
// the register gets -1 instead of the scaled index (a valid one is never negative), and each use
// tests it (`BLT reg, r0, bad`) where the conversion used to be, going to the same place the full
// check went: the statement's error stub (SUBSCRIPT OUT OF RANGE IN LINE n, at the same pass), or,
// in a value computed with one overflow test (`Expressions.numTestedOnce`), its slow path, which
// computes everything again the ordinary way and reports what it always reported. The slow paths
// are emitted after the program, where no register is hoisted.
import type { Expr, Program, Stmt } from './ast.ts';
import type { Storage } from './storage.ts';

/** The registers that hold hoisted subscripts. A plain numeric LET uses r1-r3 and, for subscripts
 *  met twice in one statement, r7-r12 (`Expressions.subCache`), which then keeps what these leave. */
export const HOIST_REGS = [12, 11, 10, 9];

/** One hoisted subscript: variable `v` checked against lo..hi, then multiplied (a row) or shifted
 *  (a column, or a one-dimensional index) into `reg`. */
export interface Hoisted { v: string; lo: number; hi: number; mul: number | null; shl: number | null; reg: number }

export interface HoistPlan {
  /** the body's statements, FOR excluded, the closing NEXT included */
  body: Set<Stmt>;
  /** the NEXT that ends the loop in the text */
  next: Stmt;
  /** by `hoistKey` */
  items: Map<string, Hoisted>;
}

/** What a subscript is scaled by in an element's address: the first of two is multiplied by the row
 *  length in words, the other (and a single one) shifted by the element size. */
export function hoistKey(v: string, lo: number, hi: number, mul: number | null, shl: number | null): string {
  return `${v}:${lo}:${hi}:${mul === null ? `<<${shl}` : `*${mul}`}`;
}

/** Built-in functions that only compute (no service call, no string, no library routine). */
const PURE_FNS = new Set(['ABS', 'ATN', 'COS', 'SIN', 'TAN', 'EXP', 'INT', 'SGN', 'SQR', 'LOG']);

function pureNum(x: Expr): boolean {
  switch (x.k) {
    case 'num': return true;
    case 'var': return x.t === 'n';
    case 'arr': return x.t === 'n' && x.subs.every(pureNum);
    case 'neg': case 'not': return pureNum(x.e);
    case 'bin': return x.t === 'n' && x.l.t === 'n' && x.r.t === 'n' && pureNum(x.l) && pureNum(x.r);
    case 'call': return x.t === 'n' && PURE_FNS.has(x.f) && x.args.every(pureNum);
    default: return false;
  }
}

function plainLet(s: Stmt): s is Extract<Stmt, { k: 'let' }> {
  return s.k === 'let' && s.target.t === 'n' && (s.target.k === 'var' || s.target.subs.every(pureNum)) && pureNum(s.e);
}

/** For tests: `enabled: false` compiles every subscript at every pass, as before (hoist-diff.test.ts
 *  compares the two). */
export const hoistOptions = { enabled: true };

/** The loops whose subscripts may be hoisted, by FOR id. */
export function hoistPlans(prog: Program, store: Storage): Map<number, HoistPlan> {
  const plans = new Map<number, HoistPlan>();
  if (!hoistOptions.enabled) return plans;
  const targets = new Set(prog.refs.map(([, tgt]) => tgt));
  const flat: { line: number; s: Stmt }[] = [];
  for (const ln of prog.lines) for (const s of ln.stmts) flat.push({ line: ln.num, s });
  for (let i = 0; i < flat.length; i++) {
    const f = flat[i].s;
    if (f.k !== 'for') continue;
    const body: Stmt[] = [];
    let next: Stmt | null = null;
    for (let j = i + 1; j < flat.length; j++) {
      const { line, s } = flat[j];
      if (line !== flat[i].line && targets.has(line)) break;
      if (s.k === 'next') {
        if (s.vars.length <= 1 && s.loops.length === 1 && s.loops[0] === f.id && (s.vars.length === 0 || s.vars[0] === f.v)) next = s;
        break;
      }
      if (s.k !== 'nop' && !plainLet(s)) break;
      body.push(s);
    }
    if (next === null) continue;
    const assigned = new Set<string>([f.v]);
    for (const s of body) if (s.k === 'let' && s.target.k === 'var') assigned.add(s.target.name);
    const items = new Map<string, Hoisted>();
    const visit = (x: Expr): void => {
      switch (x.k) {
        case 'arr': {
          x.subs.forEach(visit);
          const a = store.array(x.name);
          if (a.desc !== null) return;
          const shl = a.esize === 2 ? 1 : 8;
          x.subs.forEach((sub, k) => {
            if (sub.k !== 'var' || assigned.has(sub.name)) return;
            const mul = x.subs.length === 2 && k === 0 ? a.cols * a.esize : null;
            const key = hoistKey(sub.name, a.lo, a.hi[k], mul, mul === null ? shl : null);
            if (items.has(key) || items.size >= HOIST_REGS.length) return;
            items.set(key, { v: sub.name, lo: a.lo, hi: a.hi[k], mul, shl: mul === null ? shl : null, reg: HOIST_REGS[items.size] });
          });
          return;
        }
        case 'neg': case 'not': visit(x.e); return;
        case 'bin': visit(x.l); visit(x.r); return;
        case 'call': x.args.forEach(visit); return;
        default: return;
      }
    };
    for (const s of body) if (s.k === 'let') { visit(s.target); visit(s.e); }
    // (a plan with nothing to hoist still tells the extended dialect's NEXT that its loop is on top)
    plans.set(f.id, { body: new Set([...body, next]), next, items });
  }
  return plans;
}
