// The parser: source text to a Program, checking syntax and types (and, in the ecma55 dialect,
// refusing every construct ECMA-55 does not have). The checks that need the whole program (arrays,
// functions, loops, line numbers) are in checks.ts. Every error is collected; a bad line is skipped
// and parsing goes on, so the user sees all errors at once.
import type { DimSpec, Datum, Expr, FnDef, Line, LValue, MatRef, MatValue, PrintItem, Program, Stmt, Ty } from './ast.ts';
import { KEYWORDS, ScanError, scanLine, strictString, type Token } from './scanner.ts';
import { parseNumber } from './numbers.ts';
import type { Settings } from './options.ts';

export const MAX_LINE = 99999;
export const MAX_STRING = 255;

/** Limits on one expression (see expr()). */
const MAX_EXPR_DEPTH = 64;
const MAX_EXPR_NODES = 1000;

class ParseError extends Error {
  constructor(message: string, readonly pos: number) { super(message); }
}
/** A type error: in the extended dialect it fails at run time, when (if) the statement is reached. */
class TypeMismatch extends ParseError {}

interface Builtin { args: Ty[]; optional?: number; ret: Ty }
const BUILTINS: Record<string, Builtin> = {
  ABS: { args: ['n'], ret: 'n' }, ATN: { args: ['n'], ret: 'n' }, COS: { args: ['n'], ret: 'n' },
  EXP: { args: ['n'], ret: 'n' }, INT: { args: ['n'], ret: 'n' }, LOG: { args: ['n'], ret: 'n' },
  SGN: { args: ['n'], ret: 'n' }, SIN: { args: ['n'], ret: 'n' }, SQR: { args: ['n'], ret: 'n' },
  TAN: { args: ['n'], ret: 'n' }, RND: { args: ['n'], optional: 1, ret: 'n' },
  LEN: { args: ['s'], ret: 'n' }, POS: { args: ['n'], ret: 'n' }, ASC: { args: ['s'], ret: 'n' }, VAL: { args: ['s'], ret: 'n' },
  'CHR$': { args: ['n'], ret: 's' }, 'STR$': { args: ['n'], ret: 's' },
  'LEFT$': { args: ['s', 'n'], ret: 's' }, 'RIGHT$': { args: ['s', 'n'], ret: 's' },
  'MID$': { args: ['s', 'n', 'n'], optional: 1, ret: 's' },
};

/** The functions ECMA-55 Minimal BASIC has (the rest are extensions). */
const ECMA_FUNCTIONS = new Set(['ABS', 'ATN', 'COS', 'EXP', 'INT', 'LOG', 'RND', 'SGN', 'SIN', 'SQR', 'TAN']);

const RELOPS = new Set(['=', '<>', '<', '>', '<=', '>=']);

export interface ParseResult { program: Program; errors: string[] }

export function parseProgram(source: string, settings: Settings): ParseResult {
  return new Parser(settings).run(source);
}

class Parser {
  private toks: Token[] = [];
  private i = 0;
  private text = '';
  private lineNum = 0;
  private errors: string[] = [];
  private params: { fn: string; names: string[] } | null = null;
  private defCount = new Map<string, number>();
  /** the last numbered line was refused (its number): whether the program ends with END is unknown */
  private lastDropped = false;
  private readonly strict: boolean;
  private readonly prog: Program;

  constructor(settings: Settings) {
    this.strict = settings.strict;
    this.prog = { settings, lines: [], data: [], dataAt: new Map(), refs: [], warnings: [] };
  }

  run(source: string): ParseResult {
    // CR LF or LF ends a line; a lone CR ends one only in a text without LFs (an old Macintosh
    // file). Elsewhere it is a character of the line: Slalom as published has one inside a string.
    const rawLines = (source.includes('\n') ? source.replace(/\r\n/g, '\n') : source.replace(/\r/g, '\n')).split('\n');
    let last = 0;
    rawLines.forEach((raw, idx) => {
      if (raw.trim() === '') return;
      const m = /^\s*(\d+)\s?(.*)$/s.exec(raw);
      if (!m) {
        this.errors.push(`LINE ${last > 0 ? last : '?'}: TEXT LINE ${idx + 1} (${near(raw.trim())}) HAS NO LINE NUMBER`);
        return;
      }
      const num = Number(m[1]);
      this.lineNum = num;
      this.lastDropped = true; // until the line is taken
      // `2 40 PRINT` (NBS program 188): a space inside a line number; the line is dropped
      if (this.strict && /^\d/.test(m[2])) {
        this.err(`A SPACE INSIDE A LINE NUMBER (${m[1]} ${/^\d+/.exec(m[2])![0]}) IS NOT PART OF ECMA-55 MINIMAL BASIC`);
        return;
      }
      if (num < 1 || num > MAX_LINE) { this.err(`LINE NUMBER ${m[1]} IS OUTSIDE 1 TO ${MAX_LINE}`); return; }
      // ECMA-55 4: a line number has one to four digits
      if (this.strict && (num > 9999 || m[1].length > 4)) { this.err(`LINE NUMBER ${m[1]}: ECMA-55 LINE NUMBERS HAVE AT MOST FOUR DIGITS (1 TO 9999)`); return; }
      if (num <= last) {
        this.err(num === last ? 'THIS LINE NUMBER IS USED TWICE' : `LINE NUMBERS MUST GO UP: ${num} COMES AFTER ${last}`);
        return;
      }
      last = num;
      this.lastDropped = false;
      if (this.strict) {
        // ECMA-55 4.4: a line has at most 72 characters and begins with its line number (NBS
        // programs 202 and 187); the line is still parsed, so its other errors show too
        if (raw.length > 72) this.err(`A LINE LONGER THAN 72 CHARACTERS (THIS ONE HAS ${raw.length}) IS NOT PART OF ECMA-55 MINIMAL BASIC`);
        if (/^\s/.test(raw)) this.err('A SPACE BEFORE THE LINE NUMBER IS NOT PART OF ECMA-55 MINIMAL BASIC');
      }
      const line: Line = { num, stmts: [] };
      this.prog.lines.push(line);
      this.text = m[2];
      try {
        this.toks = scanLine(m[2], this.strict);
        this.i = 0;
        line.stmts = this.statements(false);
        if (this.peek().k !== 'eol') this.fail(`UNEXPECTED ${this.describe(this.peek())}`);
      } catch (e) {
        if (e instanceof ParseError) this.errors.push(`LINE ${num}: ${e.message}${this.nearText(e.pos)}`);
        else if (e instanceof ScanError) this.errors.push(`LINE ${num}: ${e.message}`);
        else throw e;
        line.stmts = [];
      }
    });
    const lines = this.prog.lines;
    if (lines.length === 0) this.errors.push('LINE ?: THE PROGRAM IS EMPTY');
    else if (this.strict) {
      // ECMA-55 4: END is the last line and only the last. (The extended dialect lets a program stop
      // by running off its last line, as Super Star Trek does, and takes END anywhere as STOP.)
      const endLine = lines[lines.length - 1];
      const isEnd = endLine.stmts.length === 1 && endLine.stmts[0].k === 'end';
      if (!isEnd && !this.lastDropped && !this.errors.some((e) => e.startsWith(`LINE ${endLine.num}:`))) {
        this.errors.push(`LINE ${endLine.num}: THE LAST LINE OF A PROGRAM MUST BE AN END STATEMENT`);
      }
      for (const l of lines.slice(0, -1)) {
        if (l.stmts.some((st) => st.k === 'end')) this.errors.push(`LINE ${l.num}: END MAY ONLY BE THE LAST LINE OF THE PROGRAM`);
      }
    }
    return { program: this.prog, errors: this.errors };
  }

  /** Refuses, in the ecma55 dialect, a construct that is not ECMA-55's. */
  private standard(what: string, pos = this.peek().pos): void {
    if (this.strict) this.fail(`${what} IS NOT PART OF ECMA-55 MINIMAL BASIC`, pos);
  }
  private typeFail(msg: string, pos = this.peek().pos): never { throw new TypeMismatch(msg, pos); }

  // ---- helpers
  private err(msg: string): void { this.errors.push(`LINE ${this.lineNum}: ${msg}`); }
  private fail(msg: string, pos = this.peek().pos): never { throw new ParseError(msg, pos); }
  private nearText(pos: number): string {
    const rest = this.text.slice(pos).trim();
    return rest ? ` NEAR "${near(rest)}"` : ' AT THE END OF THE LINE';
  }
  private peek(o = 0): Token { return this.toks[Math.min(this.i + o, this.toks.length - 1)]; }
  private next(): Token { return this.toks[this.i < this.toks.length - 1 ? this.i++ : this.i]; }
  private isOp(v: string, o = 0): boolean { const t = this.peek(o); return t.k === 'op' && t.v === v; }
  private isKw(v: string, o = 0): boolean { const t = this.peek(o); return t.k === 'kw' && t.v === v; }
  private acceptOp(v: string): boolean { if (this.isOp(v)) { this.i++; return true; } return false; }
  private acceptKw(v: string): boolean { if (this.isKw(v)) { this.i++; return true; } return false; }
  private expectOp(v: string, what = `"${v}"`): void { if (!this.acceptOp(v)) this.fail(`${what} EXPECTED`); }
  private expectKw(v: string): void { if (!this.acceptKw(v)) this.fail(`${v} EXPECTED`); }
  private atEnd(): boolean { const t = this.peek(); return t.k === 'eol' || (t.k === 'op' && t.v === ':') || (t.k === 'kw' && (t.v === 'ELSE' || t.v === 'REM')); }
  private describe(t: Token): string {
    switch (t.k) {
      case 'eol': return 'END OF LINE';
      case 'num': return t.text;
      case 'str': return `"${t.v}"`;
      case 'id': return t.text;
      default: return t.v;
    }
  }
  private lineRef(): number {
    const t = this.peek();
    if (t.k !== 'num' || !Number.isInteger(t.v) || !/^\d+$/.test(t.text)) this.fail('A LINE NUMBER EXPECTED');
    this.i++;
    this.prog.refs.push([this.lineNum, t.v]);
    return t.v;
  }

  // ---- statements
  private statements(inIf: boolean): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      if (this.peek().k === 'eol') break;
      if (inIf && this.isKw('ELSE')) break;
      if (this.acceptOp(':')) continue;
      let s: Stmt;
      try {
        s = this.statement();
      } catch (e) {
        if (!(e instanceof TypeMismatch) || this.strict) throw e;
        // Microsoft BASIC finds a type error only when it runs the statement: so does the extended
        // dialect (TYPE MISMATCH IN LINE n), and a program with one in code it never runs works.
        s = { k: 'error', msg: 'TYPE MISMATCH' };
        this.skipStatement(inIf);
      }
      out.push(s);
      if (s.k === 'if') break; // an IF takes the rest of the line
      if (this.acceptOp(':')) continue;
      if (this.isKw('REM')) { this.i += 2; break; } // PRINT X ' A REMARK
      if (this.peek().k === 'eol' || (inIf && this.isKw('ELSE'))) break;
      this.fail(`UNEXPECTED ${this.describe(this.peek())}`);
    }
    return out;
  }

  /** Skips to the end of the statement that failed (":", ELSE in an IF, or the end of the line). */
  private skipStatement(inIf: boolean): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.k === 'eol') return;
      if (depth === 0 && ((t.k === 'op' && t.v === ':') || (inIf && t.k === 'kw' && t.v === 'ELSE'))) return;
      if (t.k === 'op' && t.v === '(') depth++;
      if (t.k === 'op' && t.v === ')') depth = Math.max(0, depth - 1);
      this.i++;
    }
  }

  private statement(): Stmt {
    const t = this.peek();
    if (t.k === 'id') {
      if (t.text === 'MAT' && !this.isOp('=', 1) && !this.isOp('(', 1)) { this.i++; return this.matStmt(t.pos); }
      // `L E T X=10` (NBS program 189): say what is wrong, not that LET is missing
      const spaced = /^\s*([A-Z](?: +[A-Z])+)/.exec(this.text.slice(t.pos).toUpperCase());
      const word = spaced ? KEYWORDS.find((k) => spaced[1].replace(/ /g, '').startsWith(k) && k.length > 1) : undefined;
      if (this.strict && word) this.fail(`SPACES INSIDE THE KEYWORD ${word} ARE NOT PART OF ECMA-55 MINIMAL BASIC`, t.pos);
      this.standard('LET LEFT OUT');
      return this.letStmt();
    }
    if (t.k !== 'kw') this.fail(`A STATEMENT CANNOT BEGIN WITH ${this.describe(t)}`);
    this.i++;
    switch (t.v) {
      case 'LET': return this.letStmt();
      case 'PRINT': return this.printStmt();
      case 'INPUT': return this.inputStmt();
      case 'READ': return { k: 'read', targets: this.lvalueList() };
      case 'DATA': this.dataStmt(); return { k: 'nop' };
      case 'RESTORE':
        if (this.peek().k === 'num') this.standard('RESTORE WITH A LINE NUMBER');
        return { k: 'restore', line: this.peek().k === 'num' ? this.lineRef() : null };
      case 'GOTO': return { k: 'goto', line: this.lineRef() };
      case 'GOSUB': return { k: 'gosub', line: this.lineRef() };
      case 'RETURN': return { k: 'return' };
      case 'ON': return this.onStmt();
      case 'IF': return this.ifStmt();
      case 'FOR': return this.forStmt();
      case 'NEXT': return this.nextStmt();
      case 'DIM': return this.dimStmt();
      case 'OPTION': return this.optionStmt();
      case 'DEF': return this.defStmt();
      case 'RANDOMIZE': return { k: 'randomize' };
      case 'REM': this.i++; return { k: 'nop' };
      case 'STOP': return { k: 'stop' };
      case 'END': return { k: 'end' };
      case 'CLEAR':
        // Microsoft's CLEAR n also sized the string space: the number is accepted and not needed
        this.standard('CLEAR', t.pos);
        if (!this.atEnd()) this.numExpr();
        return { k: 'clear' };
      case 'WIDTH': {
        this.standard('WIDTH', t.pos);
        return { k: 'width', e: this.numExpr() };
      }
      default: return this.fail(`A STATEMENT CANNOT BEGIN WITH ${t.v}`, t.pos);
    }
  }

  private letStmt(): Stmt {
    const target = this.lvalue();
    this.expectOp('=');
    const pos = this.peek().pos;
    const e = this.expr();
    if (e.t !== target.t) this.typeFail(target.t === 's' ? 'A STRING VARIABLE NEEDS A STRING VALUE' : 'A NUMERIC VARIABLE NEEDS A NUMBER', pos);
    return { k: 'let', target, e };
  }

  private printStmt(): Stmt {
    const items: PrintItem[] = [];
    while (!this.atEnd()) {
      if (this.acceptOp(',')) { items.push({ k: ',' }); continue; }
      if (this.acceptOp(';')) { items.push({ k: ';' }); continue; }
      // ECMA-55 14.1: print items are separated by , or ; (Microsoft runs `PRINT "A"B` together)
      const prev = items[items.length - 1];
      if (prev !== undefined && prev.k !== ',' && prev.k !== ';') this.standard('TWO PRINT ITEMS WITHOUT , OR ; BETWEEN THEM');
      if ((this.isKw('TAB') || this.isKw('SPC')) && this.isOp('(', 1)) {
        const k = (this.next() as { v: string }).v === 'TAB' ? 'tab' : 'spc';
        if (k === 'spc') this.standard('SPC');
        this.expectOp('(');
        const e = this.numExpr();
        this.expectOp(')');
        items.push({ k, e });
        continue;
      }
      this.printDepth = this.exprDepth + 1;
      try {
        items.push({ k: 'e', e: this.expr() });
      } finally {
        this.printDepth = -1;
      }
    }
    return { k: 'print', items };
  }

  private inputStmt(): Stmt {
    let prompt: string | null = null;
    let question = true;
    const t = this.peek();
    if (t.k === 'str' && (this.isOp(';', 1) || this.isOp(',', 1))) {
      this.standard('A PROMPT IN INPUT');
      this.i++;
      prompt = t.v;
      question = (this.next() as { v: string }).v === ';';
    }
    const targets = this.lvalueList();
    if (targets.length > 64) this.fail('AN INPUT STATEMENT MAY HAVE AT MOST 64 VARIABLES');
    return { k: 'input', prompt, question, targets };
  }

  private lvalueList(): LValue[] {
    const out = [this.lvalue()];
    while (this.acceptOp(',')) out.push(this.lvalue());
    return out;
  }

  private dataStmt(): void {
    const raw = this.next();
    const text = raw.k === 'raw' ? raw.v : '';
    if (!this.prog.dataAt.has(this.lineNum)) this.prog.dataAt.set(this.lineNum, this.prog.data.length);
    const items = splitData(text);
    if (items === null) this.fail('A DATA ITEM HAS NO CLOSING QUOTE', raw.pos);
    for (const d of items) {
      if (d.str.length > MAX_STRING) this.fail(`A DATA ITEM IS LONGER THAN ${MAX_STRING} CHARACTERS`, raw.pos);
      // ECMA-55 14.1: an unquoted datum has at least one character (`DATA ABC,,GHI`: NBS program 105).
      if (d.kind === 'str' && !d.quoted && d.str === '') this.standard('AN EMPTY DATA ITEM', raw.pos);
      if (this.strict && d.kind === 'str' && d.quoted) {
        try { strictString(d.str); } catch (e) { this.fail((e as Error).message, raw.pos); }
      }
      if (this.strict && d.kind === 'str' && !d.quoted && !/^[A-Z0-9+\-. ]*$/.test(d.str)) {
        this.fail(`THE DATUM ${d.str} NEEDS QUOTES IN ECMA-55 BASIC`, raw.pos);
      }
      this.prog.data.push(d);
    }
  }

  private onStmt(): Stmt {
    const e = this.numExpr();
    let gosub = false;
    if (this.isKw('GOSUB')) { this.standard('ON ... GOSUB'); this.i++; gosub = true; }
    else this.expectKw('GOTO');
    const lines = [this.lineRef()];
    while (this.acceptOp(',')) lines.push(this.lineRef());
    return { k: 'on', e, lines, gosub };
  }

  private ifStmt(): Stmt {
    const pos = this.peek().pos;
    this.relationDepth = this.exprDepth + 1;
    let cond: Expr;
    try { cond = this.expr(); } finally { this.relationDepth = -1; }
    if (cond.t !== 'n') this.typeFail('IF NEEDS A CONDITION, NOT A STRING', pos);
    if (this.strict && !(cond.k === 'bin' && RELOPS.has(cond.op))) this.fail('IF NEEDS A RELATION (=, <>, <, >, <=, >=) IN ECMA-55 BASIC', pos);
    let then: Stmt[];
    if (this.isKw('GOTO')) { this.standard('IF ... GOTO'); this.i++; then = [{ k: 'goto', line: this.lineRef() }]; }
    else {
      this.expectKw('THEN');
      if (this.peek().k === 'num') {
        then = [{ k: 'goto', line: this.lineRef() }];
        // Microsoft BASIC lets statements follow THEN 100 (they are never reached when the jump is made)
        if (!this.strict && this.acceptOp(':')) then.push(...this.statements(true));
      } else { this.standard('A STATEMENT AFTER THEN'); then = this.statements(true); }
      if (then.length === 0) this.fail('A LINE NUMBER OR A STATEMENT EXPECTED AFTER THEN');
    }
    let els: Stmt[] | null = null;
    if (this.isKw('ELSE')) {
      this.standard('ELSE');
      this.i++;
      if (this.peek().k === 'num') els = [{ k: 'goto', line: this.lineRef() }];
      else els = this.statements(true);
    }
    return { k: 'if', cond, then, els };
  }

  private simpleNumVar(what: string): string {
    const t = this.peek();
    if (t.k !== 'id' || t.str || this.isOp('(', 1)) this.fail(`${what} NEEDS A SIMPLE NUMERIC VARIABLE`);
    if (t.name.endsWith('%')) this.fail(`${what} NEEDS A NUMERIC VARIABLE WITHOUT % (AS IN MICROSOFT BASIC)`);
    this.i++;
    return t.name;
  }

  private forStmt(): Stmt {
    const v = this.simpleNumVar('FOR');
    this.expectOp('=');
    const from = this.numExpr();
    this.expectKw('TO');
    const to = this.numExpr();
    const step = this.acceptKw('STEP') ? this.numExpr() : null;
    return { k: 'for', v, from, to, step, id: -1 };
  }

  private nextStmt(): Stmt {
    const vars: string[] = [];
    if (this.atEnd()) this.standard('NEXT WITHOUT A VARIABLE');
    else {
      vars.push(this.simpleNumVar('NEXT'));
      while (this.isOp(',')) { this.standard('NEXT WITH SEVERAL VARIABLES'); this.i++; vars.push(this.simpleNumVar('NEXT')); }
    }
    return { k: 'next', vars, loops: [] };
  }

  private dimStmt(): Stmt {
    const arrays: DimSpec[] = [];
    do {
      const t = this.peek();
      if (t.k !== 'id') this.fail('AN ARRAY NAME EXPECTED');
      this.i++;
      if (t.str) this.standard('A STRING ARRAY', t.pos);
      if (this.strict && t.text.length > 1) this.fail(`${t.text}: AN ARRAY NAME IN ECMA-55 BASIC IS ONE LETTER`, t.pos);
      this.expectOp('(');
      const bounds: Expr[] = [];
      do {
        const b = this.peek();
        if (this.strict || (b.k === 'num' && (this.isOp(',', 1) || this.isOp(')', 1)))) {
          if (b.k !== 'num' || !Number.isInteger(b.v) || !/^\d+$/.test(b.text)) this.fail('DIM NEEDS WHOLE NUMBERS AS BOUNDS');
          this.i++;
          bounds.push({ k: 'num', v: b.v, t: 'n' });
        } else bounds.push(this.numExpr());
      } while (this.acceptOp(','));
      this.expectOp(')');
      if (bounds.length > 2) this.fail('AN ARRAY HAS ONE OR TWO DIMENSIONS', t.pos);
      arrays.push({ name: t.name, str: t.str, bounds });
    } while (this.acceptOp(','));
    return { k: 'dim', arrays };
  }

  private optionStmt(): Stmt {
    const t = this.next();
    if (t.k !== 'id' || t.text !== 'BASE') this.fail('OPTION BASE EXPECTED', t.pos);
    const b = this.next();
    if (b.k !== 'num' || (b.v !== 0 && b.v !== 1)) this.fail('OPTION BASE MUST BE 0 OR 1', b.pos);
    return { k: 'option', base: b.v as 0 | 1 };
  }

  private defStmt(): Stmt {
    this.expectKw('FN');
    const t = this.next();
    if (t.k !== 'id' || t.str) this.fail('DEF FN NEEDS A NUMERIC FUNCTION NAME LIKE FNA', t.pos);
    if (this.strict && t.text.length > 1) this.fail(`FN${t.text}: A FUNCTION NAME IN ECMA-55 BASIC IS FN AND ONE LETTER`, t.pos);
    const name = `FN${t.name}`;
    const names: string[] = [];
    if (this.acceptOp('(')) {
      do names.push(this.simpleNumVar('A FUNCTION PARAMETER')); while (this.acceptOp(','));
      this.expectOp(')');
    }
    if (names.length > 1) this.standard('A FUNCTION WITH SEVERAL PARAMETERS', t.pos);
    if (new Set(names).size !== names.length) this.fail('A PARAMETER NAME IS USED TWICE', t.pos);
    this.expectOp('=');
    this.params = { fn: name, names };
    let body: Expr;
    try { body = this.expr(); } finally { this.params = null; }
    if (body.t !== 'n') this.fail('A FUNCTION MUST GIVE A NUMBER', t.pos);
    const index = this.defCount.get(name) ?? 0;
    this.defCount.set(name, index + 1);
    const fn: FnDef = { name, params: names, body, line: this.lineNum, index };
    return { k: 'def', fn };
  }

  // ---- MAT (Dartmouth, extended dialect)
  private matStmt(pos: number): Stmt {
    this.standard('MAT', pos);
    if (this.acceptKw('READ')) return { k: 'mat-read', mats: this.matRefs() };
    if (this.acceptKw('INPUT')) return { k: 'mat-input', mats: this.matRefs() };
    if (this.acceptKw('PRINT')) {
      const mats: { name: string; sep: ',' | ';' | null }[] = [];
      do {
        const name = this.matName();
        let sep: ',' | ';' | null = null;
        if (this.isOp(',') || this.isOp(';')) sep = (this.next() as { v: ',' | ';' }).v;
        mats.push({ name, sep });
        if (sep === null || this.atEnd()) break;
      } while (!this.atEnd());
      return { k: 'mat-print', mats };
    }
    const target = this.matName();
    this.expectOp('=');
    return { k: 'mat', target, value: this.matValue() };
  }
  private matName(): string {
    const t = this.next();
    if (t.k !== 'id' || t.str) this.fail('A NUMERIC ARRAY NAME EXPECTED', t.pos);
    if (t.name.endsWith('%')) this.fail('MAT WORKS ON ARRAYS WITHOUT %', t.pos);
    return t.name;
  }
  private matRefs(): MatRef[] {
    const out: MatRef[] = [];
    do {
      const name = this.matName();
      out.push({ name, dims: this.isOp('(') ? this.matDims() : null });
    } while (this.acceptOp(','));
    return out;
  }
  private matDims(): Expr[] {
    this.expectOp('(');
    const dims = [this.numExpr()];
    if (this.acceptOp(',')) dims.push(this.numExpr());
    this.expectOp(')', 'A CLOSING ")"');
    return dims;
  }
  private matValue(): MatValue {
    const t = this.peek();
    if (t.k === 'id' && ['ZER', 'CON', 'IDN'].includes(t.text)) {
      this.i++;
      const k = t.text.toLowerCase() as 'zer' | 'con' | 'idn';
      return { k, dims: this.isOp('(') ? this.matDims() : null };
    }
    if (t.k === 'id' && (t.text === 'TRN' || t.text === 'INV') && this.isOp('(', 1)) {
      this.i += 2;
      const src = this.matName();
      this.expectOp(')', 'A CLOSING ")"');
      return { k: t.text === 'TRN' ? 'trn' : 'inv', src };
    }
    if (this.isOp('(')) {
      this.i++;
      const factor = this.numExpr();
      this.expectOp(')', 'A CLOSING ")"');
      this.expectOp('*');
      return { k: 'scale', factor, src: this.matName() };
    }
    const l = this.matName();
    const op = this.peek();
    if (op.k === 'op' && (op.v === '+' || op.v === '-' || op.v === '*')) {
      this.i++;
      const r = this.matName();
      return { k: op.v === '+' ? 'add' : op.v === '-' ? 'sub' : 'mul', l, r };
    }
    return { k: 'copy', src: l };
  }

  private lvalue(): LValue {
    const t = this.peek();
    if (t.k !== 'id') this.fail('A VARIABLE EXPECTED');
    const e = this.variable();
    if (e.k === 'param') this.fail('A FUNCTION PARAMETER CANNOT BE ASSIGNED', t.pos);
    return e as LValue;
  }

  // ---- expressions (Microsoft precedence; ^ is left-associative and binds tighter than unary minus)
  private numExpr(): Expr {
    const pos = this.peek().pos;
    const e = this.expr();
    if (e.t !== 'n') this.typeFail('A NUMBER EXPECTED, NOT A STRING', pos);
    return e;
  }

  // The compiler recurses over expressions; bounding nesting and size turns a pathological line
  // (a thousand parentheses, a file with a 5,000-term sum) into a message, not a host stack overflow.
  private exprDepth = 0;
  /** the expression depth at which a relation is the IF's condition (ECMA-55 has relations there only) */
  private relationDepth = -1;
  private exprNodes = 0;
  /** the expression depth of a PRINT item being parsed (a string item may end before a minus) */
  private printDepth = -1;

  expr(): Expr {
    if (this.exprDepth === 0) this.exprNodes = 0;
    if (this.exprDepth >= MAX_EXPR_DEPTH) this.fail(`AN EXPRESSION IS NESTED MORE THAN ${MAX_EXPR_DEPTH} DEEP`);
    this.exprDepth++;
    try {
      let l = this.andExpr();
      while (this.isKw('OR')) { this.standard('OR'); this.i++; l = this.logic('OR', l, this.andExpr()); }
      return l;
    } finally {
      this.exprDepth--;
    }
  }
  private countNode(): void {
    if (++this.exprNodes > MAX_EXPR_NODES) this.fail(`AN EXPRESSION HAS MORE THAN ${MAX_EXPR_NODES} OPERATIONS`);
  }
  private andExpr(): Expr {
    let l = this.notExpr();
    while (this.isKw('AND')) { this.standard('AND'); this.i++; l = this.logic('AND', l, this.notExpr()); }
    return l;
  }
  private logic(op: string, l: Expr, r: Expr): Expr {
    if (l.t !== 'n' || r.t !== 'n') this.typeFail(`${op} NEEDS NUMBERS OR CONDITIONS`);
    this.countNode();
    return { k: 'bin', op, l, r, t: 'n' };
  }
  private notExpr(): Expr {
    if (this.isKw('NOT')) {
      this.standard('NOT');
      this.i++;
      this.countNode();
      const e = this.notExpr();
      if (e.t !== 'n') this.typeFail('NOT NEEDS A NUMBER OR A CONDITION');
      return { k: 'not', e, t: 'n' };
    }
    return this.relExpr();
  }
  private relExpr(): Expr {
    const l = this.addExpr();
    const t = this.peek();
    if (t.k === 'op' && RELOPS.has(t.v)) {
      this.i++;
      // ECMA-55 12.2 has relations only as an IF's condition; a relation as a value (`PRINT A > 1`,
      // Microsoft's -1 or 0) is an extension
      if (this.exprDepth !== this.relationDepth) this.standard('A RELATION USED AS A VALUE', t.pos);
      const r = this.addExpr();
      if (l.t !== r.t) this.typeFail('A STRING CANNOT BE COMPARED WITH A NUMBER', t.pos);
      if (l.t === 's' && t.v !== '=' && t.v !== '<>') this.standard(`${t.v} BETWEEN STRINGS`, t.pos);
      this.countNode();
      return { k: 'bin', op: t.v, l, r, t: 'n' };
    }
    return l;
  }
  private addExpr(): Expr {
    let l = this.mulExpr();
    for (;;) {
      const t = this.peek();
      if (t.k !== 'op' || (t.v !== '+' && t.v !== '-')) return l;
      // A string is never subtracted from: in a PRINT item, the extended dialect ends the string item
      // there and the minus begins the next item, run on as `;` does (Stock Market's
      // PRINT "YOU HAVE USED $"-C5" MORE THAN YOU HAVE.", a type error in Microsoft BASIC)
      if (t.v === '-' && l.t === 's' && !this.strict && this.exprDepth === this.printDepth) return l;
      this.i++;
      this.countNode();
      const r = this.mulExpr();
      if (t.v === '+' && l.t === 's' && r.t === 's') {
        this.standard('+ BETWEEN STRINGS', t.pos);
        l = { k: 'bin', op: '&', l, r, t: 's' };
        continue;
      }
      if (l.t !== 'n' || r.t !== 'n') this.typeFail(t.v === '+' ? 'ONLY TWO STRINGS OR TWO NUMBERS CAN BE ADDED' : 'A STRING CANNOT BE SUBTRACTED', t.pos);
      l = { k: 'bin', op: t.v, l, r, t: 'n' };
    }
  }
  private mulExpr(): Expr {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.k !== 'op' || (t.v !== '*' && t.v !== '/')) return l;
      this.i++;
      this.countNode();
      const r = this.unary();
      if (l.t !== 'n' || r.t !== 'n') this.typeFail(`A STRING CANNOT BE ${t.v === '*' ? 'MULTIPLIED' : 'DIVIDED'}`, t.pos);
      l = { k: 'bin', op: t.v, l, r, t: 'n' };
    }
  }
  private unary(): Expr {
    const t = this.peek();
    if (t.k === 'op' && (t.v === '-' || t.v === '+')) {
      // ECMA-55 7: a sign only begins an expression; `4 ^ -2`, `A * -B`, `--A` are two operators in a
      // row (NBS program 38)
      const before = this.toks[this.i - 1];
      if (before !== undefined && before.k === 'op' && '+-*/^'.includes(before.v)) this.standard(`${before.v} FOLLOWED BY ${t.v}`, t.pos);
      this.i++;
      this.countNode();
      const e = this.unary();
      if (e.t !== 'n') this.typeFail('A SIGN CANNOT GO BEFORE A STRING', t.pos);
      if (t.v === '+') return e;
      if (e.k === 'num') return { k: 'num', v: -e.v, t: 'n' };
      return { k: 'neg', e, t: 'n' };
    }
    return this.power();
  }
  private power(): Expr {
    let l = this.primary();
    while (this.isOp('^')) {
      const pos = this.next().pos;
      this.countNode();
      let neg = false;
      if (this.isOp('-') || this.isOp('+')) this.standard(`^ FOLLOWED BY ${(this.peek() as { v: string }).v}`);
      while (this.isOp('-') || this.isOp('+')) if ((this.next() as { v: string }).v === '-') neg = !neg;
      let r = this.primary();
      if (l.t !== 'n' || r.t !== 'n') this.typeFail('^ NEEDS NUMBERS', pos);
      if (neg) r = r.k === 'num' ? { k: 'num', v: -r.v, t: 'n' } : { k: 'neg', e: r, t: 'n' };
      l = { k: 'bin', op: '^', l, r, t: 'n' };
    }
    return l;
  }
  private primary(): Expr {
    const t = this.peek();
    switch (t.k) {
      case 'num':
        this.i++;
        if (t.v === Infinity) {
          // ECMA-55 5.5: an exception; machine infinity is used and the program goes on
          this.prog.warnings.push(`LINE ${this.lineNum}: THE CONSTANT ${near(t.text)} IS BEYOND MACHINE INFINITY (OVERFLOW); 1.79769E+308 IS USED`);
        }
        return { k: 'num', v: clampConst(t.v), t: 'n' };
      case 'str':
        this.i++;
        if (t.v.length > MAX_STRING) this.fail(`A STRING CONSTANT IS LONGER THAN ${MAX_STRING} CHARACTERS`, t.pos);
        return { k: 'str', v: t.v, t: 's' };
      case 'id':
        return this.variable();
      case 'op':
        if (t.v === '(') {
          this.i++;
          const e = this.expr();
          this.expectOp(')', 'A CLOSING ")"');
          return e;
        }
        break;
      case 'kw':
        if (t.v === 'FN') return this.fnCall();
        if (t.v in BUILTINS) return this.builtin(t.v);
        break;
      default:
    }
    return this.fail(t.k === 'eol' ? 'THE EXPRESSION IS INCOMPLETE' : `${this.describe(t)} IS NOT ALLOWED HERE`);
  }
  private builtin(f: string): Expr {
    const pos = this.next().pos;
    const b = BUILTINS[f];
    if (!ECMA_FUNCTIONS.has(f)) this.standard(f, pos);
    if (f === 'RND' && this.isOp('(')) this.standard('RND WITH AN ARGUMENT', pos);
    const args: Expr[] = [];
    if (this.acceptOp('(')) {
      do {
        const apos = this.peek().pos;
        const a = this.expr();
        const want = b.args[args.length];
        if (want === undefined) this.fail(`${f} HAS TOO MANY ARGUMENTS`, apos);
        if (a.t !== want) this.typeFail(`ARGUMENT ${args.length + 1} OF ${f} MUST BE ${want === 'n' ? 'A NUMBER' : 'A STRING'}`, apos);
        args.push(a);
      } while (this.acceptOp(','));
      this.expectOp(')', 'A CLOSING ")"');
    }
    if (args.length < b.args.length - (b.optional ?? 0)) this.fail(`${f} NEEDS ${b.args.length - (b.optional ?? 0)} ARGUMENT(S)`, pos);
    return { k: 'call', f, args, t: b.ret };
  }
  private fnCall(): Expr {
    const pos = this.next().pos;
    const t = this.next();
    if (t.k !== 'id' || t.str) this.fail('A FUNCTION NAME LIKE FNA EXPECTED', pos);
    if (this.strict && t.text.length > 1) this.fail(`FN${t.text}: A FUNCTION NAME IN ECMA-55 BASIC IS FN AND ONE LETTER`, pos);
    const name = `FN${t.name}`;
    const args: Expr[] = [];
    if (this.acceptOp('(')) {
      do args.push(this.numExpr()); while (this.acceptOp(','));
      this.expectOp(')', 'A CLOSING ")"');
    }
    if (this.params?.fn === name) this.fail(`${name} CANNOT USE ITSELF`, pos);
    return { k: 'fn', name, args, t: 'n' };
  }
  private variable(): Expr {
    const t = this.next();
    if (t.k !== 'id') return this.fail('A VARIABLE EXPECTED', t.pos);
    const ty: Ty = t.str ? 's' : 'n';
    if (this.isOp('(')) {
      this.i++;
      const subs: Expr[] = [];
      do subs.push(this.numExpr()); while (this.acceptOp(','));
      this.expectOp(')', 'A CLOSING ")"');
      if (subs.length > 2) this.fail('AN ARRAY HAS ONE OR TWO DIMENSIONS', t.pos);
      if (t.str) this.standard('A STRING ARRAY', t.pos);
      if (this.strict && t.text.length > 1) this.fail(`${t.text}: AN ARRAY NAME IN ECMA-55 BASIC IS ONE LETTER`, t.pos);
      return { k: 'arr', name: t.name, subs, t: ty };
    }
    if (t.text === 'DET' && !this.strict) return { k: 'det', t: 'n' };
    if (this.params && !t.str && this.params.names.includes(t.name)) return { k: 'param', fn: this.params.fn, name: t.name, t: 'n' };
    return { k: 'var', name: t.name, t: ty };
  }
}

/** Constants beyond the machine's range become machine infinity (the largest double). */
function clampConst(v: number): number {
  if (v === Infinity) return Number.MAX_VALUE;
  return v;
}

function near(s: string): string {
  return s.length > 20 ? `${s.slice(0, 20)}...` : s;
}

/** Splits DATA text into items: quoted strings, or unquoted text trimmed of spaces. */
export function splitData(text: string): Datum[] | null {
  const out: Datum[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && text[i] === ' ') i++;
    if (i < n && text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return null;
      out.push({ kind: 'str', num: 0, str: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      while (i < n && text[i] === ' ') i++;
    } else {
      let j = i;
      while (j < n && text[j] !== ',') j++;
      const raw = text.slice(i, j).trim();
      const p = parseNumber(raw);
      if (p && p.length === raw.length && raw.length > 0) {
        const overflow = !Number.isFinite(p.value);
        const v = overflow ? Math.sign(p.value) * Number.MAX_VALUE : p.value;
        out.push({ kind: 'num', num: v, str: raw, ...(overflow ? { overflow } : {}) });
      }
      else out.push({ kind: 'str', num: 0, str: raw });
      i = j;
    }
    if (i >= n) break;
    if (text[i] !== ',') return null;
    i++;
  }
  return out;
}
