// The assembler: two passes over the source. Pass 1 (`layOut`) splits lines, defines labels and
// lays out addresses; pass 2 (`emit`) evaluates operands and emits words. Every error is collected ("LINE n: ...")
// and reported at once; assemble() never throws and runs in time linear in its output.
//
// A line may start with a teletype line number ("10 LOOP: ADD R1, R1, 1"); that number then names
// the line in messages and in image.lineAt(). Otherwise the physical line number (from 1) does.
import type { CompileResult, Image } from './image.ts';
import { Fmt, OP_BY_NAME, encodeHead, type OpInfo } from './isa.ts';
import { SERVICES } from './services.ts';
import {
  ExprError, evaluate, fregNumber, isRegisterName, regNumber, splitOperands, stringLiteral,
} from './asm-expr.ts';

/** Largest image the assembler will build (words), so a typo in `.space` cannot eat the host. */
export const MAX_IMAGE_WORDS = 1 << 22;
/** Default stack size in words. */
export const DEFAULT_STACK_WORDS = 1024;

interface Stmt {
  name: number; // the line's name: teletype number or physical line
  op: string; // upper-case mnemonic or directive
  operands: string[];
  addr: number; // address of the statement's first word (after any alignment padding)
  size: number;
}

const USAGE: Record<number, string> = {
  [Fmt.None]: '', [Fmt.RI]: 'r1, 42', [Fmt.RR]: 'r1, r2', [Fmt.RRX]: 'r1, r2, r3 OR r1, r2, 5',
  [Fmt.Mem]: 'r1, 4(r2) OR r1, label', [Fmt.FMem]: 'f1, 4(r2) OR f1, label', [Fmt.FF]: 'f1, f2',
  [Fmt.FFF]: 'f1, f2, f3', [Fmt.FR]: 'f1, r2', [Fmt.RF]: 'r1, f2', [Fmt.BrR]: 'r1, r2, label',
  [Fmt.BrF]: 'f1, f2, label', [Fmt.Jump]: 'label OR 0(r3)', [Fmt.R]: 'r1', [Fmt.F]: 'f1', [Fmt.Imm]: '2',
};
const COUNT: Record<number, number> = {
  [Fmt.None]: 0, [Fmt.RI]: 2, [Fmt.RR]: 2, [Fmt.RRX]: 3, [Fmt.Mem]: 2, [Fmt.FMem]: 2, [Fmt.FF]: 2,
  [Fmt.FFF]: 3, [Fmt.FR]: 2, [Fmt.RF]: 2, [Fmt.BrR]: 3, [Fmt.BrF]: 3, [Fmt.Jump]: 1, [Fmt.R]: 1,
  [Fmt.F]: 1, [Fmt.Imm]: 1,
};

const DIRECTIVES = new Set(['.WORD', '.DOUBLE', '.TEXT', '.SPACE', '.ALIGN', '.EQU', '.STACK', '.ENTRY']);
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

class LineError extends Error {}

/** Removes a `;` comment, respecting "strings" and 'c' constants. */
function stripComment(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') {
      i++;
      while (i < s.length && s[i] !== '"') { if (s[i] === '\\') i++; i++; }
    } else if (ch === "'") {
      i += s[i + 1] === '\\' ? 3 : 2;
    } else if (ch === ';') return s.slice(0, i);
  }
  return s;
}

/** The two words of a double: low half first (the CPU's layout). */
export function doubleWords(x: number): [number, number] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return [dv.getInt32(0, true), dv.getInt32(4, true)];
}

export function assemble(source: string): CompileResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  try {
    return assembleInner(String(source), errors, warnings);
  } catch (e) {
    // A bug here must not take the mainframe down: report it like any other rejection.
    errors.push(`ASSEMBLER FAILURE: ${(e as Error).message}`);
    return { errors, warnings };
  }
}

function assembleInner(source: string, errors: string[], warnings: string[]): CompileResult {
  const layout = layOut(source, errors);
  if (layout.tooBig) return { errors, warnings };
  const { words, lineOf, codeEnd, stackWords } = emit(layout, errors);
  const entry = entryPoint(layout, errors);
  if (errors.length > 0) return { errors, warnings };
  if (codeEnd === 0) warnings.push('THE PROGRAM HAS NO INSTRUCTIONS');

  const image: Image = {
    words,
    entry,
    bssWords: 0,
    stackWords,
    codeEnd,
    lineAt(pc: number) {
      const v = pc >= 0 && pc < lineOf.length ? lineOf[pc] : -1;
      return v >= 0 ? v : undefined;
    },
  };
  return { image, errors, warnings };
}

const SERVICE_NUMBERS = new Map<string, number>(SERVICES.map((s) => [s.name, s.number]));

// ---- pass 1: layout -------------------------------------------------------------------------------

/** Pass 1: every statement's address and size, and the labels and .EQU names (the symbol table). */
function layOut(source: string, errors: string[]): Layout {
  const layout = new Layout(errors);
  const lines = source.split(/\r\n|\r|\n/);
  for (let ln = 0; ln < lines.length && !layout.tooBig; ln++) layout.line(lines[ln], ln + 1);
  return layout;
}

/** What pass 1 builds as it reads the lines in order. */
class Layout {
  readonly symbols = new Map<string, number>();
  readonly stmts: Stmt[] = [];
  /** the location counter: the next statement's address; after the pass, the image's size */
  addr = 0;
  /** the `.ENTRY` expression (evaluated after pass 2, when every symbol is known) */
  entry: { expr: string; name: number } | undefined;
  /** the image passed MAX_IMAGE_WORDS: the assembly stops there */
  tooBig = false;
  /** the current line's alignment padding, which its labels skip */
  private pad = 0;

  constructor(private errors: string[]) {}

  /** A symbol's value: a label or .EQU name, else a service's number. */
  readonly lookup = (n: string): number | undefined => this.symbols.get(n) ?? SERVICE_NUMBERS.get(n);

  /** Lays out one source line (`physical`: its number from 1): its labels, then its statement. */
  line(source: string, physical: number): void {
    let text = source;
    let name = physical;
    const num = /^\s*(\d+)(?=\s|$)/.exec(text);
    if (num) {
      name = Number(num[1]);
      text = text.slice(num[0].length);
    }
    // Labels take the address of the statement after any alignment padding it adds.
    const labels: string[] = [];
    this.pad = 0;
    const defineLabels = () => {
      for (const l of labels.splice(0)) {
        try { this.define(l, this.addr + this.pad); } catch (e) { if (e instanceof LineError) this.errors.push(`LINE ${name}: ${e.message}`); else throw e; }
      }
    };
    try {
      text = stripComment(text);
      for (;;) {
        const lab = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(text);
        if (!lab) break;
        text = text.slice(lab[0].length);
        labels.push(lab[1]);
      }
      text = text.trim();
      if (text === '') { defineLabels(); return; }
      const st = this.statement(text, name);
      defineLabels();
      this.stmts.push(st);
      this.addr = st.addr + st.size;
      if (this.addr > MAX_IMAGE_WORDS && !this.tooBig) {
        this.tooBig = true;
        throw new LineError(`PROGRAM TOO BIG (MORE THAN ${MAX_IMAGE_WORDS} WORDS)`);
      }
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      this.errors.push(`LINE ${name}: ${e.message}`);
      defineLabels(); // so one bad line does not cascade into "undefined symbol" errors
    }
  }

  /** Reads a statement (an instruction or a directive, labels and comment removed) and sizes it. */
  private statement(text: string, name: number): Stmt {
    const m = /^(\.?[A-Za-z_][A-Za-z0-9_]*)(.*)$/.exec(text);
    if (!m || (m[2] !== '' && !/^\s/.test(m[2]))) throw new LineError(`CANNOT READ '${text}'`);
    const op = m[1].toUpperCase();
    let operands: string[];
    try { operands = splitOperands(m[2]); } catch (e) { throw new LineError((e as Error).message); }
    const st: Stmt = { name, op, operands, addr: this.addr, size: 0 };
    if (op.startsWith('.')) {
      if (!DIRECTIVES.has(op)) throw new LineError(`UNKNOWN DIRECTIVE ${m[1]}`);
      this.directive(st);
    } else {
      if (!OP_BY_NAME.get(op)) throw new LineError(`UNKNOWN INSTRUCTION ${m[1]}`);
      st.size = 2;
    }
    return st;
  }

  /** A directive's size (and alignment), or what it defines: .EQU names, .ENTRY's expression. */
  private directive(st: Stmt): void {
    const { op, operands } = st;
    const addr = this.addr;
    const need = (n: number) => {
      if (operands.length !== n) throw new LineError(`${op} NEEDS ${n} OPERAND${n === 1 ? '' : 'S'}`);
    };
    switch (op) {
      case '.WORD':
        if (operands.length === 0) throw new LineError('.WORD NEEDS AT LEAST ONE VALUE');
        st.size = operands.length;
        break;
      case '.DOUBLE':
        if (operands.length === 0) throw new LineError('.DOUBLE NEEDS AT LEAST ONE VALUE');
        this.pad = addr & 1;
        st.addr = addr + this.pad;
        st.size = 2 * operands.length;
        break;
      case '.TEXT': {
        if (operands.length === 0) throw new LineError('.TEXT NEEDS A STRING');
        let n = 0;
        for (const o of operands) {
          let chars: number[] | undefined;
          try { chars = stringLiteral(o); } catch (e) { throw new LineError((e as Error).message); }
          n += chars ? chars.length : 1;
        }
        st.size = n;
        break;
      }
      case '.SPACE': {
        need(1);
        const n = this.known(operands[0], '.SPACE');
        if (n < 0 || n > MAX_IMAGE_WORDS) throw new LineError(`.SPACE ${n} IS OUT OF RANGE (0 TO ${MAX_IMAGE_WORDS})`);
        st.size = n;
        break;
      }
      case '.ALIGN': {
        if (operands.length > 1) throw new LineError('.ALIGN TAKES AT MOST ONE OPERAND');
        const n = operands.length ? this.known(operands[0], '.ALIGN') : 2;
        if (n < 1 || n > 4096) throw new LineError(`.ALIGN ${n} IS OUT OF RANGE (1 TO 4096)`);
        st.size = (n - (addr % n)) % n;
        this.pad = st.size;
        break;
      }
      case '.EQU': {
        need(2);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(operands[0])) throw new LineError(`BAD NAME '${operands[0]}' IN .EQU`);
        this.define(operands[0], this.known(operands[1], '.EQU'));
        break;
      }
      case '.STACK': {
        need(1);
        st.size = 0; // its value is read in pass 2: it may name a label further on
        break;
      }
      case '.ENTRY':
        need(1);
        if (this.entry) throw new LineError('.ENTRY GIVEN TWICE');
        this.entry = { expr: operands[0], name: st.name };
        break;
    }
  }

  private define(name: string, value: number): void {
    const key = name.toUpperCase();
    if (isRegisterName(name)) throw new LineError(`${name} IS A REGISTER NAME`);
    if (SERVICE_NUMBERS.has(key)) throw new LineError(`${name} IS A SERVICE NAME`);
    if (this.symbols.has(key)) throw new LineError(`${name} IS ALREADY DEFINED`);
    this.symbols.set(key, value);
  }

  /** A value pass 1 needs now (a size, an alignment, an .EQU): only names defined above it count. */
  private known(expr: string, what: string): number {
    try {
      return evaluate(expr, this.lookup, this.addr);
    } catch (e) {
      if (e instanceof ExprError) throw new LineError(`${what}: ${e.message}`);
      throw e;
    }
  }
}

// ---- pass 2: emit ---------------------------------------------------------------------------------

interface Emitted {
  words: Int32Array;
  /** each word's line name, -1 for none */
  lineOf: Int32Array;
  /** the address after the last instruction */
  codeEnd: number;
  stackWords: number;
}

/** Pass 2: every statement's words at the address pass 1 gave it, now that every symbol is known. */
function emit(layout: Layout, errors: string[]): Emitted {
  const out: Emitted = {
    words: new Int32Array(layout.addr),
    lineOf: new Int32Array(layout.addr).fill(-1),
    codeEnd: 0,
    stackWords: DEFAULT_STACK_WORDS,
  };
  for (const st of layout.stmts) {
    try {
      emitStatement(st, out, layout.lookup);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      errors.push(`LINE ${st.name}: ${e.message}`);
    }
  }
  return out;
}

function emitStatement(st: Stmt, out: Emitted, lookup: (n: string) => number | undefined): void {
  const { words, lineOf } = out;
  let p = st.addr;
  let dot = p; // `.`: the instruction's address, or in a data list the word being filled
  const val = (expr: string, what: string): number => {
    let v: number;
    try { v = evaluate(expr, lookup, dot); } catch (e) {
      if (e instanceof ExprError) throw new LineError(`${what}${e.message}`);
      throw e;
    }
    if (v < -0x80000000 || v > 0xffffffff) throw new LineError(`${what}VALUE ${v} OUT OF RANGE`);
    return v | 0;
  };
  const put = (w: number) => { words[p] = w; lineOf[p] = st.name; p++; dot = p; };
  switch (st.op) {
    case '.WORD': for (const o of st.operands) put(val(o, '')); break;
    case '.DOUBLE':
      for (const o of st.operands) {
        const t = o.replace(/\s+/g, '');
        let x: number;
        if (FLOAT_RE.test(t)) x = Number(t);
        else if (/^[+-]?INF(INITY)?$/i.test(t)) x = t.startsWith('-') ? -Infinity : Infinity;
        else if (/^NAN$/i.test(t)) x = NaN;
        else x = val(o, '.DOUBLE: ');
        const [lo, hi] = doubleWords(x);
        put(lo); put(hi);
      }
      break;
    case '.TEXT':
      for (const o of st.operands) {
        const chars = stringLiteral(o);
        if (chars) for (const c of chars) put(c);
        else put(val(o, '.TEXT: '));
      }
      break;
    case '.SPACE': case '.ALIGN':
      for (let k = 0; k < st.size; k++) put(0);
      break;
    case '.EQU': case '.ENTRY': break;
    case '.STACK': {
      const n = val(st.operands[0], '.STACK: ');
      if (n < 0 || n > MAX_IMAGE_WORDS) throw new LineError(`.STACK ${n} IS OUT OF RANGE (0 TO ${MAX_IMAGE_WORDS})`);
      out.stackWords = n;
      break;
    }
    default: {
      const info = OP_BY_NAME.get(st.op)!;
      const [head, imm] = encodeOperands(info, st.operands, val);
      words[p] = head; words[p + 1] = imm;
      lineOf[p] = lineOf[p + 1] = st.name;
      p += 2;
      out.codeEnd = p;
    }
  }
}

/** Where the program starts: `.ENTRY`'s value, else the label START, else address 0. */
function entryPoint(layout: Layout, errors: string[]): number {
  const e = layout.entry;
  if (e) {
    try { return evaluate(e.expr, layout.lookup, 0); } catch (err) {
      errors.push(`LINE ${e.name}: .ENTRY: ${(err as Error).message}`);
      return 0;
    }
  }
  return layout.symbols.get('START') ?? 0;
}

type Val = (expr: string, what: string) => number;

function reg(s: string | undefined, what: string): number {
  const r = s === undefined ? undefined : regNumber(s);
  if (r === undefined) throw new LineError(`${what} MUST BE A REGISTER R0-R15, NOT '${s ?? ''}'`);
  return r;
}
function freg(s: string | undefined, what: string): number {
  const r = s === undefined ? undefined : fregNumber(s);
  if (r === undefined) throw new LineError(`${what} MUST BE A FLOAT REGISTER F0-F15, NOT '${s ?? ''}'`);
  return r;
}

/** disp(rb), disp(rb,rc), (rb), or an absolute expression: [b, c, imm]. */
function address(s: string, val: Val, maxRegs: number, what: string): [number, number, number] {
  if (regNumber(s) !== undefined || fregNumber(s) !== undefined) {
    throw new LineError(`${what} MUST BE AN ADDRESS: WRITE 0(${s}) TO USE A REGISTER`);
  }
  if (s.endsWith(')')) {
    let depth = 0, open = -1;
    for (let i = s.length - 1; i >= 0; i--) {
      if (s[i] === ')') depth++;
      else if (s[i] === '(' && --depth === 0) { open = i; break; }
    }
    if (open >= 0) {
      const inner = s.slice(open + 1, -1).split(',').map((x) => x.trim());
      const regs = inner.map((x) => regNumber(x));
      if (regs.every((x) => x !== undefined)) {
        if (regs.length > maxRegs) throw new LineError(`${what}: AT MOST ${maxRegs} INDEX REGISTER${maxRegs > 1 ? 'S' : ''}`);
        const disp = s.slice(0, open).trim();
        return [regs[0]!, regs[1] ?? 0, disp === '' ? 0 : val(disp, '')];
      }
      if (inner.some((x) => fregNumber(x) !== undefined)) throw new LineError(`${what}: INDEX REGISTERS MUST BE R0-R15`);
    }
  }
  return [0, 0, val(s, '')];
}

function encodeOperands(info: OpInfo, ops: string[], val: Val): [number, number] {
  const n = COUNT[info.fmt];
  if (ops.length !== n) {
    const usage = USAGE[info.fmt];
    throw new LineError(n === 0 ? `${info.name} TAKES NO OPERANDS`
      : `${info.name} NEEDS ${n} OPERAND${n > 1 ? 'S' : ''}, AS IN ${info.name} ${usage}`);
  }
  const code = info.code;
  switch (info.fmt) {
    case Fmt.None: return [encodeHead(code), 0];
    case Fmt.RI: return [encodeHead(code, reg(ops[0], 'OPERAND 1')), val(ops[1], '')];
    case Fmt.RR: return [encodeHead(code, reg(ops[0], 'OPERAND 1'), reg(ops[1], 'OPERAND 2')), 0];
    case Fmt.RRX: {
      const a = reg(ops[0], 'OPERAND 1'), b = reg(ops[1], 'OPERAND 2');
      const x = ops[2];
      const m = /^([A-Za-z][A-Za-z0-9]*)\s*([+-].*)?$/.exec(x);
      if (m && regNumber(m[1]) !== undefined) {
        return [encodeHead(code, a, b, regNumber(m[1])), m[2] ? val(m[2], '') : 0];
      }
      if (fregNumber(x) !== undefined) throw new LineError(`OPERAND 3 MUST BE AN INTEGER REGISTER OR A VALUE, NOT '${x}'`);
      return [encodeHead(code, a, b, 0), val(x, '')];
    }
    case Fmt.Mem: case Fmt.FMem: {
      const a = info.fmt === Fmt.Mem ? reg(ops[0], 'OPERAND 1') : freg(ops[0], 'OPERAND 1');
      const [b, c, imm] = address(ops[1], val, 2, 'OPERAND 2');
      return [encodeHead(code, a, b, c), imm];
    }
    case Fmt.FF: return [encodeHead(code, freg(ops[0], 'OPERAND 1'), freg(ops[1], 'OPERAND 2')), 0];
    case Fmt.FFF: return [encodeHead(code, freg(ops[0], 'OPERAND 1'), freg(ops[1], 'OPERAND 2'), freg(ops[2], 'OPERAND 3')), 0];
    case Fmt.FR: return [encodeHead(code, freg(ops[0], 'OPERAND 1'), reg(ops[1], 'OPERAND 2')), 0];
    case Fmt.RF: return [encodeHead(code, reg(ops[0], 'OPERAND 1'), freg(ops[1], 'OPERAND 2')), 0];
    case Fmt.BrR: return [encodeHead(code, reg(ops[0], 'OPERAND 1'), reg(ops[1], 'OPERAND 2')), val(ops[2], '')];
    case Fmt.BrF: return [encodeHead(code, freg(ops[0], 'OPERAND 1'), freg(ops[1], 'OPERAND 2')), val(ops[2], '')];
    case Fmt.Jump: {
      const [b, , imm] = address(ops[0], val, 1, 'OPERAND 1');
      return [encodeHead(code, 0, b, 0), imm];
    }
    case Fmt.R: return [encodeHead(code, reg(ops[0], 'OPERAND 1')), 0];
    case Fmt.F: return [encodeHead(code, freg(ops[0], 'OPERAND 1')), 0];
    case Fmt.Imm: return [encodeHead(code), val(ops[0], '')];
  }
  throw new LineError(`${info.name}: UNSUPPORTED FORMAT`);
}

