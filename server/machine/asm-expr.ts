// Assembler expressions: + - * / and parentheses over integers; decimal, 0x hex, 'c' character
// constants (with \n \r \t \0 \\ \' escapes), symbols, and `.` for the current address.
// Evaluation is exact on JS integers; the caller range-checks the result.

export type Lookup = (name: string) => number | undefined;

export class ExprError extends Error {}

const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, '0': 0, '\\': 92, "'": 39, '"': 34 };

/** A register name (r0-r15, sp) or undefined. */
export function regNumber(s: string): number | undefined {
  const t = s.trim().toUpperCase();
  if (t === 'SP') return 15;
  const m = /^R(\d{1,2})$/.exec(t);
  if (m && Number(m[1]) <= 15) return Number(m[1]);
  return undefined;
}

/** A float register name (f0-f15) or undefined. */
export function fregNumber(s: string): number | undefined {
  const m = /^F(\d{1,2})$/.exec(s.trim().toUpperCase());
  if (m && Number(m[1]) <= 15) return Number(m[1]);
  return undefined;
}

export function isRegisterName(s: string): boolean {
  return regNumber(s) !== undefined || fregNumber(s) !== undefined;
}

/** Evaluates `src`; throws ExprError with a plain message. */
export function evaluate(src: string, lookup: Lookup, dot: number): number {
  let p = 0;
  const s = src;
  const skip = () => { while (p < s.length && (s[p] === ' ' || s[p] === '\t')) p++; };
  const fail = (msg: string): never => { throw new ExprError(msg); };

  const primary = (): number => {
    skip();
    if (p >= s.length) fail(`MISSING VALUE IN '${src.trim()}'`);
    const ch = s[p];
    if (ch === '(') {
      p++;
      const v = sum();
      skip();
      if (s[p] !== ')') fail(`MISSING ) IN '${src.trim()}'`);
      p++;
      return v;
    }
    if (ch === '-') { p++; return -primary(); }
    if (ch === '+') { p++; return primary(); }
    if (ch === "'") {
      let code: number;
      if (s[p + 1] === '\\') {
        const e = ESCAPES[s[p + 2]];
        if (e === undefined) fail(`BAD CHARACTER CONSTANT IN '${src.trim()}'`);
        code = e as number;
        p += 3;
      } else {
        if (p + 1 >= s.length) fail(`UNTERMINATED CHARACTER CONSTANT IN '${src.trim()}'`);
        code = s.charCodeAt(p + 1);
        p += 2;
      }
      if (s[p] !== "'") fail(`UNTERMINATED CHARACTER CONSTANT IN '${src.trim()}'`);
      p++;
      return code;
    }
    const num = /^(0[xX][0-9a-fA-F]+|\d+)/.exec(s.slice(p));
    if (num) {
      p += num[0].length;
      if (/^[A-Za-z_]/.test(s.slice(p))) fail(`BAD NUMBER '${num[0]}${/^[\w]*/.exec(s.slice(p))![0]}'`);
      return Number(num[0]);
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(p));
    if (id) {
      p += id[0].length;
      if (isRegisterName(id[0])) fail(`REGISTER ${id[0]} NOT ALLOWED HERE`);
      const v = lookup(id[0].toUpperCase());
      if (v === undefined) fail(`UNDEFINED SYMBOL ${id[0]}`);
      return v as number;
    }
    if (ch === '.' && !/^\.[A-Za-z0-9_]/.test(s.slice(p))) { p++; return dot; }
    return fail(`BAD EXPRESSION '${src.trim()}'`);
  };

  const product = (): number => {
    let v = primary();
    for (;;) {
      skip();
      const op = s[p];
      if (op !== '*' && op !== '/') return v;
      p++;
      const w = primary();
      if (op === '*') v = v * w;
      else {
        if (w === 0) fail(`DIVISION BY ZERO IN '${src.trim()}'`);
        v = Math.trunc(v / w);
      }
      if (!Number.isSafeInteger(v)) fail(`VALUE OUT OF RANGE IN '${src.trim()}'`);
    }
  };

  const sum = (): number => {
    let v = product();
    for (;;) {
      skip();
      const op = s[p];
      if (op !== '+' && op !== '-') return v;
      p++;
      const w = product();
      v = op === '+' ? v + w : v - w;
    }
  };

  const v = sum();
  skip();
  if (p < s.length) fail(`BAD EXPRESSION '${src.trim()}'`);
  if (!Number.isSafeInteger(v)) fail(`VALUE OUT OF RANGE IN '${src.trim()}'`);
  return v;
}

/** Splits an operand list at top-level commas (not inside parentheses, strings or 'c').
 *  Throws ExprError for an unterminated string. */
export function splitOperands(s: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') {
      i++;
      while (i < s.length && s[i] !== '"') { if (s[i] === '\\') i++; i++; }
      if (i >= s.length) throw new ExprError('UNTERMINATED STRING');
    } else if (ch === "'") {
      i += s[i + 1] === '\\' ? 3 : 2;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) { out.push(s.slice(start, i).trim()); start = i + 1; }
  }
  const last = s.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

/** The characters of a "..." string literal, or undefined if `s` is not one. */
export function stringLiteral(s: string): number[] | undefined {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  const out: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    if (s[i] === '\\') {
      const e = ESCAPES[s[i + 1]];
      if (e === undefined) throw new ExprError(`BAD ESCAPE \\${s[i + 1] ?? ''} IN STRING`);
      out.push(e);
      i++;
    } else if (s[i] === '"') return undefined;
    else out.push(s.charCodeAt(i));
  }
  return out;
}
