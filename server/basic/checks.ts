// The static checks: what needs the whole program rather than one line. Lines that jumps name,
// arrays (dimensions, bounds, DIM before use), OPTION BASE, DEF FN (defined, arity, no recursion)
// and FOR/NEXT pairing. ECMA-55 makes most of these compile errors; the extended dialect, like the
// BASICs of the 1970s, settles several of them at run time (see the notes at each check).
import type { ArrayInfo, Checked, Expr, FnDef, Program, Stmt } from './ast.ts';

export const DEFAULT_BOUND = 10;
/** Words of core an array may take (the largest partition is 1M words). */
export const MAX_ARRAY_WORDS = 512 * 1024;
export const SLOT_WORDS = 256;

export function checkProgram(prog: Program): { checked: Checked; errors: string[] } {
  return new Checker(prog).run();
}

/** Every statement of a list, with the statements of IF clauses, in text order. */
export function eachStmt(stmts: Stmt[], f: (s: Stmt) => void): void {
  for (const s of stmts) {
    f(s);
    if (s.k === 'if') {
      eachStmt(s.then, f);
      if (s.els) eachStmt(s.els, f);
    }
  }
}

/** The expressions a statement evaluates itself (not those of its IF clauses). */
export function exprsOf(s: Stmt): Expr[] {
  switch (s.k) {
    case 'let': return [s.target, s.e];
    case 'print': return s.items.flatMap((i) => ('e' in i ? [i.e] : []));
    case 'input': case 'read': return s.targets;
    case 'on': return [s.e];
    case 'if': return [s.cond];
    case 'for': return [s.from, s.to, ...(s.step ? [s.step] : [])];
    case 'dim': return s.arrays.flatMap((a) => a.bounds);
    case 'def': return [s.fn.body];
    case 'mat-read': case 'mat-input': return s.mats.flatMap((m) => m.dims ?? []);
    case 'mat':
      if (s.value.k === 'scale') return [s.value.factor];
      if ((s.value.k === 'zer' || s.value.k === 'con' || s.value.k === 'idn') && s.value.dims) return s.value.dims;
      return [];
    default: return [];
  }
}

/** Calls f on an expression and every expression inside it. */
export function eachExpr(e: Expr, f: (x: Expr) => void): void {
  f(e);
  switch (e.k) {
    case 'arr': case 'call': case 'fn':
      for (const a of e.k === 'arr' ? e.subs : e.args) eachExpr(a, f);
      return;
    case 'bin': eachExpr(e.l, f); eachExpr(e.r, f); return;
    case 'neg': case 'not': eachExpr(e.e, f); return;
    default:
  }
}

class Checker {
  private readonly errors: string[] = [];
  private readonly strict: boolean;
  private line = 0;
  private readonly arrays = new Map<string, ArrayInfo & { dimmed: boolean }>();
  private readonly fns = new Map<string, FnDef[]>();
  private base: 0 | 1 = 0;
  private baseSeen = false;
  private usesDet = false;
  private loops = 0;
  /** ECMA-55: where each simple numeric variable is first used (a letter may not name an array too) */
  private readonly simple = new Map<string, number>();

  constructor(private readonly prog: Program) {
    this.strict = prog.settings.strict;
  }

  private err(msg: string): void { this.errors.push(`LINE ${this.line}: ${msg}`); }

  run(): { checked: Checked; errors: string[] } {
    // DEFs first: the extended dialect lets a function body, or any line, call one defined later
    for (const ln of this.prog.lines) {
      this.line = ln.num;
      eachStmt(ln.stmts, (s) => {
        if (s.k !== 'def') return;
        const list = this.fns.get(s.fn.name) ?? [];
        if (list.length && this.strict) this.err(`${s.fn.name} IS DEFINED TWICE`);
        list.push(s.fn);
        this.fns.set(s.fn.name, list);
      });
    }
    const defined = new Set<string>();
    for (const ln of this.prog.lines) {
      this.line = ln.num;
      eachStmt(ln.stmts, (s) => {
        this.statement(s);
        for (const e of exprsOf(s)) this.expression(e, defined, s.k === 'def' ? s.fn.name : null);
        if (s.k === 'def') defined.add(s.fn.name);
      });
    }
    this.recursion();
    if (this.strict) {
      // ECMA-55 18: the same letter may not name both a simple variable and an array
      for (const [name, line] of this.simple) {
        if (!this.arrays.has(name)) continue;
        this.line = line;
        this.err(`${name} NAMES BOTH A SIMPLE VARIABLE AND AN ARRAY`);
      }
    }
    const missing = this.lineRefs();
    this.pairLoops();
    const arrays = new Map<string, ArrayInfo>();
    for (const [k, a] of this.arrays) arrays.set(k, { name: a.name, str: a.str, bounds: a.bounds, dynamic: a.dynamic });
    return {
      checked: { arrays, fns: this.fns, base: this.base, missing, usesDet: this.usesDet, loops: this.loops },
      errors: [...new Set(this.errors)],
    };
  }

  private statement(s: Stmt): void {
    switch (s.k) {
      case 'option':
        if (this.baseSeen) this.err('OPTION BASE MAY APPEAR ONLY ONCE');
        else if (this.arrays.size > 0) this.err('OPTION BASE MUST COME BEFORE ANY DIM OR USE OF AN ARRAY');
        this.baseSeen = true;
        this.base = s.base;
        return;
      case 'dim':
        for (const d of s.arrays) {
          const known = this.arrays.get(d.name);
          const constant = d.bounds.every((b) => b.k === 'num');
          const bounds = d.bounds.map((b) => (b.k === 'num' ? b.v : DEFAULT_BOUND));
          if (constant && bounds.some((b) => b < this.base)) { this.err(`A BOUND OF ${d.name} IS BELOW THE OPTION BASE`); continue; }
          if (known) {
            // ECMA-55 18: one DIM, before any use. The extended dialect dimensions when DIM runs, so a
            // DIM later in the text (an initialisation subroutine at the end) is normal there.
            if (this.strict || known.dimmed) {
              if (this.strict) { this.err(`${d.name} IS DIMENSIONED TWICE OR USED BEFORE ITS DIM`); continue; }
            }
            if (known.bounds.length !== bounds.length) { this.err(`${d.name} HAS ${known.bounds.length} DIMENSION(S), NOT ${bounds.length}`); continue; }
            if (constant) known.bounds = known.dimmed ? known.bounds.map((b, i) => Math.max(b, bounds[i])) : bounds;
            else known.dynamic = true;
            known.dimmed = true;
            this.checkSize(known);
          } else {
            const info = { name: d.name, str: d.str, bounds, dynamic: !constant, dimmed: true };
            this.arrays.set(d.name, info);
            this.checkSize(info);
          }
        }
        return;
      case 'mat-read': case 'mat-input':
        for (const m of s.mats) this.matrix(m.name, m.dims ? m.dims.length : null);
        return;
      case 'mat-print':
        for (const m of s.mats) this.matrix(m.name, null);
        return;
      case 'mat': {
        const v = s.value;
        const dims = v.k === 'zer' || v.k === 'con' || v.k === 'idn' ? (v.dims ? v.dims.length : null) : null;
        this.matrix(s.target, v.k === 'idn' || v.k === 'trn' || v.k === 'inv' ? 2 : dims);
        if (v.k === 'copy' || v.k === 'scale' || v.k === 'trn' || v.k === 'inv') this.matrix(v.src, v.k === 'trn' || v.k === 'inv' ? 2 : null);
        if (v.k === 'add' || v.k === 'sub' || v.k === 'mul') { this.matrix(v.l, null); this.matrix(v.r, null); }
        if (v.k === 'inv') this.usesDet = true;
        return;
      }
      case 'for':
        s.id = this.loops++;
        if (this.strict && !this.simple.has(s.v)) this.simple.set(s.v, this.line);
        return;
      default:
    }
  }

  /** An array a MAT statement names: its dimensions may change at run time. */
  private matrix(name: string, dims: number | null): void {
    let a = this.arrays.get(name);
    if (!a) {
      a = { name, str: false, bounds: Array(dims ?? 2).fill(DEFAULT_BOUND), dynamic: true, dimmed: false };
      this.arrays.set(name, a);
    }
    a.dynamic = true;
    if (dims !== null && a.bounds.length !== dims) this.err(`${name} HAS ${a.bounds.length} DIMENSION(S), NOT ${dims}`);
  }

  private checkSize(a: ArrayInfo): void {
    const elems = a.bounds.reduce((n, b) => n * (b - this.base + 1), 1);
    if (elems * (a.str ? SLOT_WORDS : 2) > MAX_ARRAY_WORDS) this.err(`${a.name} IS TOO LARGE FOR THE MACHINE`);
  }

  private expression(e: Expr, defined: Set<string>, inDef: string | null): void {
    eachExpr(e, (x) => {
      if (x.k === 'det') this.usesDet = true;
      if (this.strict && x.k === 'var' && x.t === 'n' && !this.simple.has(x.name)) this.simple.set(x.name, this.line);
      if (x.k === 'arr') {
        const a = this.arrays.get(x.name);
        if (!a) {
          const info = { name: x.name, str: x.t === 's', bounds: x.subs.map(() => DEFAULT_BOUND), dynamic: false, dimmed: false };
          this.arrays.set(x.name, info);
          this.checkSize(info);
        } else if (a.bounds.length !== x.subs.length) this.err(`${x.name} HAS ${a.bounds.length} DIMENSION(S), NOT ${x.subs.length}`);
      }
      if (x.k === 'fn') {
        const defs = this.fns.get(x.name);
        if (!defs) { this.err(`${x.name} IS NOT DEFINED BY ANY DEF`); return; }
        // ECMA-55 10: DEF before use in the text. The extended dialect checks, when the call runs,
        // that a DEF of the function has been executed.
        if (this.strict && !defined.has(x.name) && inDef !== x.name) this.err(`${x.name} IS USED BEFORE ITS DEF`);
        if (defs.every((d) => d.params.length !== x.args.length)) {
          this.err(`${x.name} TAKES ${defs[0].params.length} ARGUMENT(S), NOT ${x.args.length}`);
        }
      }
    });
  }

  /** A function that calls itself, directly or through others, would never end. */
  private recursion(): void {
    const calls = new Map<string, Set<string>>();
    for (const [name, defs] of this.fns) {
      const set = new Set<string>();
      for (const d of defs) eachExpr(d.body, (x) => { if (x.k === 'fn') set.add(x.name); });
      calls.set(name, set);
    }
    const state = new Map<string, 1 | 2>();
    const visit = (n: string, path: string[]): string[] | null => {
      if (state.get(n) === 2) return null;
      if (state.get(n) === 1) return [...path, n];
      state.set(n, 1);
      for (const m of calls.get(n) ?? []) {
        const cyc = visit(m, [...path, n]);
        if (cyc) return cyc;
      }
      state.set(n, 2);
      return null;
    };
    for (const [name, defs] of this.fns) {
      const cyc = visit(name, []);
      if (cyc) {
        this.line = defs[0].line;
        const from = cyc.indexOf(cyc[cyc.length - 1]);
        this.err(`${cyc[from]} CANNOT USE ITSELF (${cyc.slice(from).join(' -> ')})`);
        return;
      }
    }
  }

  /** Jumps to lines that do not exist: errors in ECMA-55; run-time errors in the extended dialect. */
  private lineRefs(): Set<number> {
    const exists = new Set(this.prog.lines.map((l) => l.num));
    const missing = new Set<number>();
    for (const [src, tgt] of this.prog.refs) {
      if (exists.has(tgt)) continue;
      missing.add(tgt);
      if (this.strict) { this.line = src; this.err(`LINE ${tgt} DOES NOT EXIST`); }
    }
    return missing;
  }

  /**
   * Pairs each NEXT with the FOR it closes in the text. ECMA-55 13 requires properly nested loops, so
   * in the ecma55 dialect a mismatch is an error. In the extended dialect loops are matched at run
   * time (a stack of active loops, as Microsoft BASIC does) and this pairing only lets the usual
   * NEXT take a short path.
   */
  private pairLoops(): void {
    type Open = { v: string; id: number; line: number; closed: boolean };
    const open: Open[] = [];
    /** ECMA-55 13.4's for-bodies, as [FOR line, NEXT line], of properly closed loops */
    const bodies: [number, number][] = [];
    const last = new Map<string, Open>();
    const all: Open[] = [];
    for (const ln of this.prog.lines) {
      this.line = ln.num;
      eachStmt(ln.stmts, (s) => {
        if (s.k === 'for') {
          if (this.strict && open.some((o) => o.v === s.v)) this.err(`FOR ${s.v} INSIDE A LOOP ON ${s.v}`);
          const o = { v: s.v, id: s.id, line: ln.num, closed: false };
          open.push(o);
          all.push(o);
          last.set(s.v, o);
          return;
        }
        if (s.k !== 'next') return;
        s.loops = [];
        for (const v of s.vars.length ? s.vars : [null]) {
          if (v === null) {
            const o = open.pop();
            if (o) o.closed = true;
            s.loops.push(o ? o.id : -1);
            continue;
          }
          const at = open.map((o) => o.v).lastIndexOf(v);
          if (at >= 0) {
            if (this.strict && at !== open.length - 1) this.err(`NEXT ${v} CLOSES A LOOP WHILE THE LOOP ON ${open[open.length - 1].v} IS OPEN`);
            const o = open[at];
            if (at === open.length - 1) bodies.push([o.line, ln.num]);
            for (const inner of open.slice(at)) inner.closed = true;
            open.length = at;
            s.loops.push(o.id);
          } else {
            if (this.strict) this.err(`NEXT ${v} WITHOUT FOR ${v}`);
            s.loops.push(last.get(v)?.id ?? -1);
          }
        }
      });
    }
    if (this.strict) {
      for (const o of all) if (!o.closed) { this.line = o.line; this.err(`FOR ${o.v} HAS NO MATCHING NEXT ${o.v}`); }
      // ECMA-55 13.4: "A program shall not transfer control into a for-body by any statement other
      // than a return statement" (GOTO, IF, ON and GOSUB from outside to a line after the FOR line,
      // up to its NEXT line; NBS program 55). Jumping to the FOR line itself starts the loop afresh.
      const inside = (n: number, [f, nx]: [number, number]): boolean => n > f && n <= nx;
      for (const [src, tgt] of this.prog.refs) {
        const body = bodies.find((b) => inside(tgt, b) && !inside(src, b));
        if (body) { this.line = src; this.err(`A JUMP TO LINE ${tgt} ENTERS THE LOOP OF LINE ${body[0]} FROM OUTSIDE (ONLY ITS FOR MAY)`); }
      }
    }
  }
}
