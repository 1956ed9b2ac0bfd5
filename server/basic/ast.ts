// The parsed program: what the parser hands the code generator. Every expression carries its type
// ('n' number, 's' string), settled by the parser.

export type Ty = 'n' | 's';

export type Expr =
  | { k: 'num'; v: number; t: 'n' }
  | { k: 'str'; v: string; t: 's' }
  | { k: 'var'; name: string; t: Ty }
  | { k: 'param'; fn: string; name: string; t: 'n' }
  | { k: 'arr'; name: string; subs: Expr[]; t: Ty }
  | { k: 'bin'; op: string; l: Expr; r: Expr; t: Ty }
  | { k: 'neg'; e: Expr; t: 'n' }
  | { k: 'not'; e: Expr; t: 'n' }
  | { k: 'call'; f: string; args: Expr[]; t: Ty }
  | { k: 'fn'; name: string; args: Expr[]; t: 'n' };

export type LValue = Extract<Expr, { k: 'var' } | { k: 'arr' }>;

export type PrintItem =
  | { k: 'e'; e: Expr }
  | { k: 'tab'; e: Expr }
  | { k: 'spc'; e: Expr }
  | { k: ',' }
  | { k: ';' };

export type Stmt =
  | { k: 'let'; target: LValue; e: Expr }
  | { k: 'print'; items: PrintItem[] }
  | { k: 'input'; prompt: string | null; question: boolean; targets: LValue[] }
  | { k: 'read'; targets: LValue[] }
  | { k: 'restore'; line: number | null }
  | { k: 'goto'; line: number }
  | { k: 'gosub'; line: number }
  | { k: 'on'; e: Expr; lines: number[]; gosub: boolean }
  | { k: 'if'; cond: Expr; then: Stmt[]; els: Stmt[] | null }
  | { k: 'for'; v: string; from: Expr; to: Expr; step: Expr | null }
  | { k: 'next'; vars: string[] }
  | { k: 'return' }
  | { k: 'stop' }
  | { k: 'end' }
  | { k: 'randomize' }
  | { k: 'nop' };

export interface Line {
  num: number;
  stmts: Stmt[];
}

export interface ArrayInfo {
  name: string;
  str: boolean;
  /** upper bound of each dimension */
  bounds: number[];
}

export interface FnDef {
  name: string;
  params: string[];
  body: Expr;
  line: number;
}

export interface Datum {
  /** 'num' when the datum is a valid numeric constant (it may also be read as a string) */
  kind: 'num' | 'str';
  num: number;
  str: string;
}

export interface Program {
  lines: Line[];
  arrays: Map<string, ArrayInfo>;
  fns: Map<string, FnDef>;
  data: Datum[];
  /** index of the first datum of each DATA line, for RESTORE n */
  dataAt: Map<number, number>;
  base: 0 | 1;
  /** GOTO-like references: [source line, target line] */
  refs: [number, number][];
  /** written in the Microsoft style (`:`, LET left out, IF ... THEN statement): see README, ON */
  msStyle: boolean;
}
