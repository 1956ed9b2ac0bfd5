// The parsed program: what the parser hands the static checks and the code generator. Every
// expression carries its type ('n' number, 's' string), settled by the parser.
import type { Settings } from './options.ts';

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
  | { k: 'fn'; name: string; args: Expr[]; t: 'n' }
  /** DET: the determinant of the matrix the last MAT INV inverted */
  | { k: 'det'; t: 'n' };

export type LValue = Extract<Expr, { k: 'var' } | { k: 'arr' }>;
export type ArrayRef = Extract<Expr, { k: 'arr' }>;

export type PrintItem =
  | { k: 'e'; e: Expr }
  | { k: 'tab'; e: Expr }
  | { k: 'spc'; e: Expr }
  | { k: ',' }
  | { k: ';' };

export interface DimSpec { name: string; str: boolean; bounds: Expr[] }

/** A matrix named in a MAT statement, with new dimensions when the statement redimensions it. */
export interface MatRef { name: string; dims: Expr[] | null }

export type MatValue =
  | { k: 'copy'; src: string }
  | { k: 'add' | 'sub' | 'mul'; l: string; r: string }
  | { k: 'scale'; factor: Expr; src: string }
  | { k: 'zer' | 'con' | 'idn'; dims: Expr[] | null }
  | { k: 'trn' | 'inv'; src: string };

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
  /** id: the loop's number, set by the static checks */
  | { k: 'for'; v: string; from: Expr; to: Expr; step: Expr | null; id: number }
  /** loops: for each variable named (or one for a bare NEXT), the FOR it closes in the text (-1: none) */
  | { k: 'next'; vars: string[]; loops: number[] }
  | { k: 'dim'; arrays: DimSpec[] }
  | { k: 'def'; fn: FnDef }
  | { k: 'option'; base: 0 | 1 }
  | { k: 'return' }
  | { k: 'stop' }
  | { k: 'end' }
  | { k: 'randomize' }
  | { k: 'mat-read' | 'mat-input'; mats: MatRef[] }
  | { k: 'mat-print'; mats: { name: string; sep: ',' | ';' | null }[] }
  | { k: 'mat'; target: string; value: MatValue }
  /** extended dialect: a statement that can only fail (a type mismatch) fails when it is reached */
  | { k: 'error'; msg: string }
  | { k: 'clear' }
  | { k: 'width'; e: Expr }
  | { k: 'nop' };

export interface Line {
  num: number;
  stmts: Stmt[];
}

export interface FnDef {
  name: string;
  params: string[];
  body: Expr;
  line: number;
  /** which DEF of this name (0, 1, ...): the extended dialect lets a program define one again */
  index: number;
}

export interface Datum {
  /** 'num' when the datum is a valid numeric constant (it may also be read as a string) */
  kind: 'num' | 'str';
  num: number;
  str: string;
  /** the constant is beyond machine infinity: READ reports an overflow */
  overflow?: boolean;
  /** written in quotes */
  quoted?: boolean;
}

export interface Program {
  settings: Settings;
  lines: Line[];
  data: Datum[];
  /** index of the first datum of each DATA line, for RESTORE n */
  dataAt: Map<number, number>;
  /** GOTO-like references: [source line, target line] */
  refs: [number, number][];
  /** compile-time warnings (a constant beyond machine infinity) */
  warnings: string[];
}

/** What the static checks settle about arrays and functions for the code generator. */
export interface ArrayInfo {
  name: string;
  str: boolean;
  /** upper bound of each dimension as far as the text says (DIM with constants, else 10) */
  bounds: number[];
  /** bounds change at run time: DIM with expressions, or a matrix MAT may redimension */
  dynamic: boolean;
}

export interface Checked {
  arrays: Map<string, ArrayInfo>;
  /** every DEF of each function, in text order */
  fns: Map<string, FnDef[]>;
  base: 0 | 1;
  /** lines referred to that do not exist (the extended dialect fails when such a jump is made) */
  missing: Set<number>;
  /** a matrix is inverted somewhere (DET needs its cell) */
  usesDet: boolean;
  loops: number;
}
