// What every part of the code generator shares: the emitter, the run-time library, the settings,
// the line being compiled, the registers in use, and the cold stubs (warnings and errors) placed
// after the program. Numbers are evaluated in f registers (depth d uses f(2+d)); strings are
// addresses in r6-r12 (depth d uses r(6+d)) of 256-word slots: a length word and up to 255 characters.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { Checked, Program } from './ast.ts';
import type { Emitter } from './emitter.ts';
import type { Settings } from './options.ts';
import type { Runtime } from './runtime.ts';
import type { Storage } from './storage.ts';

const { LA, LI, SVC, HALT, FSGN, FMUL, FABS, FBGT, JMP } = Op;

/** Fixed f registers (set by the prologue): */
export const FZERO = 0; export const FONE = 12; export const FHALF = 13; export const FTMP = 14; export const FMAX = 15;
export const FREG0 = 2; const FREG_LAST = 11;
export const SREG0 = 6; const SREG_LAST = 12;

/** A mistake found while generating code: reported as a compile error of the line. */
export class GenError extends Error {}

interface Stub { line: number; label: number; emit: () => void }

export class CodeContext {
  /** the BASIC line being compiled */
  line = 0;
  /** the string depth the next string expression starts at (subscripts inside string expressions) */
  strDepth = 0;
  /** the numeric depth subscripts of string elements use */
  numDepth = 0;
  readonly errors: string[] = [];
  /** pcs of RET instructions (a STACK UNDERFLOW there is RETURN WITHOUT GOSUB) */
  readonly retPcs = new Set<number>();
  /** a data word holding the stack pointer the program started with (programs with CLEAR) */
  initialSp: number | null = null;
  readonly strict: boolean;
  private readonly stubs: Stub[] = [];
  private readonly errStubs = new Map<string, number>();
  private readonly lineLabels = new Map<number, number>();
  private readonly routines = new Map<string, { label: number; emit: () => void }>();

  constructor(
    readonly e: Emitter,
    readonly prog: Program,
    readonly checked: Checked,
    readonly settings: Settings,
    readonly rt: Runtime,
    readonly store: Storage,
  ) {
    this.strict = settings.strict;
  }

  fail(msg: string): never { throw new GenError(msg); }

  /** The label of a line's code; a jump to a line that does not exist fails when it is made. */
  lineLabel(n: number): number {
    if (this.checked.missing.has(n)) return this.errStub(`UNDEFINED LINE ${n}`);
    let l = this.lineLabels.get(n);
    if (l === undefined) { l = this.e.label(); this.lineLabels.set(n, l); }
    return l;
  }

  /** f register of numeric depth d */
  fr(d: number): number {
    const r = FREG0 + d;
    if (r > FREG_LAST) this.fail('THIS EXPRESSION IS NESTED TOO DEEPLY; SPLIT IT INTO SEVERAL LET STATEMENTS');
    return r;
  }
  /** r register of string depth d */
  sr(d: number): number {
    const r = SREG0 + d;
    if (r > SREG_LAST) this.fail('THIS STRING EXPRESSION IS NESTED TOO DEEPLY; SPLIT IT');
    return r;
  }

  // ---- stubs: cold code after the program, each marked with its BASIC line
  stub(emit: () => void): number {
    const label = this.e.label();
    this.stubs.push({ line: this.line, label, emit });
    return label;
  }
  /** A fatal run-time error in the current line (one stub per line and message). */
  errStub(msg: string): number {
    const key = `${this.line}:${msg}`;
    let l = this.errStubs.get(key);
    if (l === undefined) {
      l = this.stub(() => { this.svcMessage(Svc.ERROR, msg); this.e.op(HALT); });
      this.errStubs.set(key, l);
    }
    return l;
  }
  svcMessage(svc: number, msg: string): void {
    this.e.opL(LA, 1, 0, 0, this.e.str(msg), 1);
    this.e.op(LI, 2, 0, 0, msg.length);
    this.e.op(SVC, 0, 0, 0, svc);
  }
  /** Warns and replaces f[r] by machine infinity of its sign when |f[r]| is beyond it. */
  overflowCheck(r: number, msg = 'OVERFLOW'): void {
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

  /** A run-time routine emitted once, after the program, only if some statement needs it. */
  routine(name: string, emit: () => void): number {
    let r = this.routines.get(name);
    if (!r) { r = { label: this.e.label(), emit }; this.routines.set(name, r); }
    return r.label;
  }

  /** Emits the stubs and routines (they may add more: the loops see them). */
  emitStubs(): void {
    for (let i = 0; i < this.stubs.length; i++) {
      const s = this.stubs[i];
      this.line = s.line;
      this.e.markLine(s.line);
      this.e.bind(s.label);
      s.emit();
    }
    this.e.markLine(-1);
    const done = new Set<string>();
    for (let again = true; again;) {
      again = false;
      for (const [name, r] of this.routines) {
        if (done.has(name)) continue;
        done.add(name);
        again = true;
        this.e.bind(r.label);
        r.emit();
      }
    }
  }
}
