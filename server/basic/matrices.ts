// Dartmouth's MAT statements (extended dialect), compiled to loops over the arrays' descriptors.
// As in DTSS BASIC, MAT works on rows and columns from 1 (row and column 0 are left alone), a
// one-dimensional array is a column (n x 1), and a MAT statement may redimension its target within
// the elements its DIM gave it (MAT A = ZER(N, M), MAT READ A(2, 3)). MAT PRINT types each row on a
// line of its own (`,` packs numbers in zones, `;` closely) and a blank line after each matrix.
// MAT INPUT reads one line per row. INV leaves its determinant in DET; a singular matrix is an error.
import { Op } from '../machine/isa.ts';
import { Svc } from '../machine/services.ts';
import type { Expr, MatRef, MatValue } from './ast.ts';
import { CodeContext, FONE, FREG0, FZERO } from './context.ts';
import type { Expressions } from './expressions.ts';

/** Numbers one MAT INPUT reply may hold: a reply line (1,024 characters) holds at most 512. */
export const MAT_INPUT_ITEMS = 512;

const {
  LD, ST, LI, LA, MOV, ADD, SUB, MUL, SHL, LDF, STF, FMOV, FADD, FSUB, FMUL, FDIV, FABS, FNEG, FTOI,
  JMP, BEQ, BNE, BLT, BLE, BGT, FBEQ, FBGT, CALL, SVC,
} = Op;

/** A matrix's shape in registers: rows, columns, and elements per stored row. */
interface Shape { rows: number; cols: number; stride: number }

export class Matrices {
  private readonly lo: number;

  constructor(private readonly c: CodeContext, private readonly x: Expressions) {
    this.lo = c.checked.base;
  }

  private desc(name: string): number {
    const a = this.c.store.array(name);
    if (a.desc === null || a.info.str) this.c.fail(`${name} CANNOT BE USED IN MAT`);
    return a.desc;
  }
  private twoD(name: string): boolean { return this.c.store.array(name).hi.length === 2; }

  /** Loads a matrix's shape into the registers of `s`. */
  private shape(name: string, s: Shape): void {
    const e = this.c.e;
    const d = this.desc(name);
    e.opL(LD, s.rows, 0, 0, d, 1);
    if (this.twoD(name)) {
      e.opL(LD, s.cols, 0, 0, d, 2);
      e.opL(LD, s.stride, 0, 0, d, 3);
    } else {
      e.op(LI, s.cols, 0, 0, 1);
      e.op(LI, s.stride, 0, 0, 1);
    }
  }

  /** r[out] = the offset in words of element (r[i], r[j]) from the array's start. */
  private offset(name: string, out: number, i: number, j: number, stride: number): void {
    const e = this.c.e;
    e.op(SUB, out, i, 0, this.lo);
    if (this.twoD(name)) {
      e.op(MUL, out, out, stride, 0);
      e.op(ADD, out, out, j, 0);
      e.op(SUB, out, out, 0, this.lo);
    }
    e.op(SHL, out, out, 0, 1);
  }

  /** Gives `name` rows x cols (registers), within the elements its DIM gave it. */
  private redim(name: string, rows: number, cols: number): void {
    const c = this.c;
    const e = c.e;
    const d = this.desc(name);
    const bad = c.errStub(`${name} WOULD BE LARGER THAN ITS DIM ALLOWS`);
    e.opL(BLT, rows, 0, 0, c.errStub('A MATRIX DIMENSION BELOW 0'));
    e.opL(BLT, cols, 0, 0, c.errStub('A MATRIX DIMENSION BELOW 0'));
    e.op(ADD, 1, rows, 0, 1 - this.lo);
    if (this.twoD(name)) {
      e.op(ADD, 2, cols, 0, 1 - this.lo);
      e.op(MUL, 3, 1, 2, 0);
      e.opL(LD, 4, 0, 0, d, 4);
      e.opL(BGT, 3, 4, 0, bad);
      e.opL(ST, rows, 0, 0, d, 1);
      e.opL(ST, cols, 0, 0, d, 2);
      e.opL(ST, 2, 0, 0, d, 3);
    } else {
      e.op(LI, 2, 0, 0, 1);
      e.opL(BNE, cols, 2, 0, c.errStub(`${name} HAS ONE DIMENSION`));
      e.opL(LD, 4, 0, 0, d, 4);
      e.opL(BGT, 1, 4, 0, bad);
      e.opL(ST, rows, 0, 0, d, 1);
    }
  }

  /** Evaluates new dimensions into r[rows], r[cols] (cols 1 for one expression). */
  private dims(dims: Expr[], rows: number, cols: number): void {
    const c = this.c;
    c.numDepth = 0;
    dims.forEach((d, i) => this.x.num(d, i));
    this.x.toIndex(FREG0, rows);
    if (dims.length === 2) this.x.toIndex(FREG0 + 1, cols); else c.e.op(LI, cols, 0, 0, 1);
  }

  /** for r[i] = 1 to r[n]: body */
  private loop(i: number, n: number, body: () => void): void {
    const e = this.c.e;
    const top = e.label(); const end = e.label();
    e.op(LI, i, 0, 0, 1);
    e.bind(top);
    e.opL(BGT, i, n, 0, end);
    body();
    e.op(ADD, i, i, 0, 1);
    e.opL(JMP, 0, 0, 0, top);
    e.bind(end);
  }

  /** Every element (1..rows, 1..cols) of matrices shaped like `name`: r10 is the element's offset. */
  private eachElement(name: string, s: Shape, body: () => void): void {
    this.loop(6, s.rows, () => this.loop(7, s.cols, () => {
      this.offset(name, 10, 6, 7, s.stride);
      body();
    }));
  }

  private base(name: string, r: number): void {
    this.c.e.opL(LD, r, 0, 0, this.desc(name), 0);
  }

  // ---- MAT READ / MAT INPUT
  read(mats: MatRef[], input: boolean): void {
    const c = this.c;
    const e = c.e;
    const s: Shape = { rows: 8, cols: 9, stride: 11 };
    for (const m of mats) {
      if (m.dims) {
        this.dims(m.dims, 8, 9);
        this.redim(m.name, 8, 9);
      }
      if (!input) {
        this.shape(m.name, s);
        this.eachElement(m.name, s, () => {
          this.readNumber();
          this.base(m.name, 12);
          e.op(STF, FREG0, 10, 12, 0);
        });
        continue;
      }
      // Through INPUT's routine (which uses r6-r12: the count so far lives in a cell), in row order,
      // at most MAT_INPUT_ITEMS numbers a reply (as many as a reply line can hold): the values may
      // come all on one line or over several (`?? ` asks for the rest, as for INPUT).
      const done = c.store.cell('MAT-DONE');
      const count = c.store.cell('MAT-COUNT');
      const desc = c.store.cell('MAT-INPUT', MAT_INPUT_ITEMS + 2);
      const top = e.label(); const end = e.label(); const fits = e.label(); const each = e.label(); const next = e.label();
      e.opL(ST, 0, 0, 0, done);
      e.bind(top);
      this.shape(m.name, s);
      e.op(MUL, 5, s.rows, s.cols, 0);
      e.opL(LD, 6, 0, 0, done);
      e.opL(Op.BGE, 6, 5, 0, end);
      e.op(SUB, 1, 5, 6, 0);
      e.op(LI, 2, 0, 0, MAT_INPUT_ITEMS);
      e.opL(BLE, 1, 2, 0, fits);
      e.op(Op.MOV, 1, 2);
      e.bind(fits);
      e.opL(ST, 1, 0, 0, desc);
      e.opL(ST, 1, 0, 0, count);
      e.opL(LA, 1, 0, 0, desc);
      e.opL(LA, 2, 0, 0, e.str('? '));
      e.opL(CALL, 0, 0, 0, c.rt.input);
      e.opL(BNE, 4, 0, 0, c.errStub('END OF INPUT'));
      this.shape(m.name, s);
      e.opL(LD, 6, 0, 0, done);
      e.opL(LD, 5, 0, 0, count);
      e.op(LI, 7, 0, 0, 0);
      e.bind(each);
      e.opL(Op.BGE, 7, 5, 0, next);
      // element done + i: row (done + i) / cols + 1, column (done + i) MOD cols + 1
      e.op(ADD, 1, 6, 7, 0);
      e.op(Op.DIV, 2, 1, s.cols, 0);
      e.op(Op.MOD, 3, 1, s.cols, 0);
      e.op(ADD, 2, 2, 0, 1);
      e.op(ADD, 3, 3, 0, 1);
      this.offset(m.name, 10, 2, 3, s.stride);
      e.op(SHL, 1, 7, 0, 1);
      e.opL(LDF, FREG0, 1, 0, c.rt.inres);
      this.base(m.name, 12);
      e.op(STF, FREG0, 10, 12, 0);
      e.op(ADD, 7, 7, 0, 1);
      e.opL(JMP, 0, 0, 0, each);
      e.bind(next);
      e.op(ADD, 6, 6, 5, 0);
      e.opL(ST, 6, 0, 0, done);
      e.opL(JMP, 0, 0, 0, top);
      e.bind(end);
    }
  }

  /** The next datum as a number into f2 (as READ does). Uses r1-r5. */
  private readNumber(): void {
    const c = this.c;
    const e = c.e;
    const { dataPointer, dataTable } = c.store;
    e.opL(LD, 1, 0, 0, dataPointer);
    e.op(LI, 2, 0, 0, c.prog.data.length);
    e.opL(Op.BGE, 1, 2, 0, c.errStub('OUT OF DATA'));
    e.op(SHL, 3, 1, 0, 2);
    e.op(ADD, 1, 1, 0, 1);
    e.opL(ST, 1, 0, 0, dataPointer);
    e.opL(LD, 4, 3, 0, dataTable);
    const back = e.label();
    const odd = c.stub(() => {
      e.op(LI, 5, 0, 0, 2);
      e.opL(BNE, 4, 5, 0, c.errStub('A STRING DATUM CANNOT BE READ INTO A NUMERIC VARIABLE'));
      c.svcMessage(Svc.WARN, 'OVERFLOW IN READ');
      e.opL(JMP, 0, 0, 0, back);
    });
    e.opL(BNE, 4, 0, 0, odd);
    e.bind(back);
    e.opL(LDF, FREG0, 3, 0, dataTable, 2);
  }

  // ---- MAT PRINT
  print(mats: { name: string; sep: ',' | ';' | null }[]): void {
    const c = this.c;
    const e = c.e;
    const s: Shape = { rows: 8, cols: 9, stride: 11 };
    for (const m of mats) {
      this.shape(m.name, s);
      const oneRow = !this.twoD(m.name);
      // a vector prints on one line; a matrix, a row to a line
      const rowsReg = oneRow ? 12 : s.rows;
      const colsReg = oneRow ? s.rows : s.cols;
      if (oneRow) e.op(LI, 12, 0, 0, 1);
      this.loop(6, rowsReg, () => {
        this.loop(7, colsReg, () => {
          if (m.sep !== ';') {
            // zones between the numbers of a row (not after the last: no trailing spaces)
            const first = e.label();
            e.op(LI, 1, 0, 0, 1);
            e.opL(BEQ, 7, 1, 0, first);
            e.opL(CALL, 0, 0, 0, c.rt.comma);
            e.bind(first);
          }
          if (oneRow) this.offset(m.name, 10, 7, 6, s.stride); else this.offset(m.name, 10, 6, 7, s.stride);
          this.base(m.name, 1);
          e.op(LDF, 1, 10, 1, 0);
          e.opL(CALL, 0, 0, 0, c.rt.outnum);
        });
        const fresh = e.label();
        e.op(SVC, 0, 0, 0, Svc.COLUMN);
        e.opL(BEQ, 1, 0, 0, fresh);
        e.opL(CALL, 0, 0, 0, c.rt.newline);
        e.bind(fresh);
      });
      e.opL(CALL, 0, 0, 0, c.rt.newline);
    }
  }

  // ---- MAT A = ...
  assign(target: string, v: MatValue): void {
    const c = this.c;
    const e = c.e;
    const s: Shape = { rows: 8, cols: 9, stride: 11 };
    const same = (a: string, b: string): void => {
      if (this.twoD(a) !== this.twoD(b)) c.fail(`${a} AND ${b} DO NOT HAVE THE SAME NUMBER OF DIMENSIONS`);
    };
    switch (v.k) {
      case 'zer': case 'con': case 'idn': {
        if (v.k === 'idn' && !this.twoD(target)) c.fail('IDN NEEDS A TWO-DIMENSIONAL ARRAY');
        if (v.dims) {
          this.dims(v.dims, 8, 9);
          if (!this.twoD(target) && v.dims.length === 2) c.fail(`${target} HAS ONE DIMENSION`);
          this.redim(target, 8, 9);
        }
        this.shape(target, s);
        if (v.k === 'idn') e.opL(BNE, s.rows, s.cols, 0, c.errStub('IDN NEEDS A SQUARE MATRIX'));
        this.base(target, 12);
        this.eachElement(target, s, () => {
          if (v.k === 'idn') {
            const off = e.label(); const put = e.label();
            e.opL(BNE, 6, 7, 0, off);
            e.op(FMOV, FREG0, FONE);
            e.opL(JMP, 0, 0, 0, put);
            e.bind(off);
            e.op(FMOV, FREG0, FZERO);
            e.bind(put);
          } else e.op(FMOV, FREG0, v.k === 'con' ? FONE : FZERO);
          e.op(STF, FREG0, 10, 12, 0);
        });
        return;
      }
      case 'copy': case 'scale': {
        same(target, v.src);
        if (v.k === 'scale') {
          c.numDepth = 0;
          this.x.num(v.factor, 0);
          e.opL(STF, FREG0, 0, 0, c.store.cell('MAT-FACTOR'));
        }
        if (v.k === 'copy' && v.src === target) return;
        this.shape(v.src, s);
        this.redim(target, s.rows, s.cols);
        this.shape(target, s);
        if (v.k === 'scale') e.opL(LDF, FREG0 + 1, 0, 0, c.store.cell('MAT-FACTOR'));
        this.base(v.src, 12);
        this.base(target, 13);
        this.eachElement(target, s, () => {
          e.op(LDF, FREG0, 10, 12, 0);
          if (v.k === 'scale') e.op(FMUL, FREG0, FREG0, FREG0 + 1);
          e.op(STF, FREG0, 10, 13, 0);
        });
        if (v.k === 'scale') c.overflowCheck(FREG0); // (a warning after the fact is enough here)
        return;
      }
      case 'add': case 'sub': {
        same(target, v.l);
        same(v.l, v.r);
        this.shape(v.r, s);
        e.op(MOV, 12, s.rows);
        e.op(MOV, 13, s.cols);
        this.shape(v.l, s);
        const bad = c.errStub('THE MATRICES DO NOT HAVE THE SAME DIMENSIONS');
        e.opL(BNE, 12, s.rows, 0, bad);
        e.opL(BNE, 13, s.cols, 0, bad);
        this.redim(target, s.rows, s.cols);
        this.shape(target, s);
        this.base(v.l, 12);
        this.base(v.r, 13);
        this.base(target, 14);
        this.eachElement(target, s, () => {
          e.op(LDF, FREG0, 10, 12, 0);
          e.op(LDF, FREG0 + 1, 10, 13, 0);
          e.op(v.k === 'add' ? FADD : FSUB, FREG0, FREG0, FREG0 + 1);
          e.op(STF, FREG0, 10, 14, 0);
        });
        return;
      }
      case 'mul': return this.multiply(target, v.l, v.r);
      case 'trn': return this.transpose(target, v.src);
      case 'inv': return this.invert(target, v.src);
    }
  }

  private multiply(target: string, l: string, r: string): void {
    const c = this.c;
    const e = c.e;
    if (target === l || target === r) c.fail(`MAT ${target} = ${l} * ${r}: THE PRODUCT MUST GO TO ANOTHER ARRAY`);
    if (!this.twoD(l)) c.fail(`${l} MUST HAVE TWO DIMENSIONS TO MULTIPLY`);
    if (this.twoD(target) !== this.twoD(r)) c.fail(`${target} AND ${r} DO NOT HAVE THE SAME NUMBER OF DIMENSIONS`);
    // inner = columns of l = rows of r
    const s: Shape = { rows: 8, cols: 9, stride: 11 };
    this.shape(r, s);
    e.op(MOV, 12, s.rows);
    e.op(MOV, 5, s.cols);
    this.shape(l, s);
    e.opL(BNE, 12, s.cols, 0, c.errStub('THE MATRICES CANNOT BE MULTIPLIED (COLUMNS OF ONE, ROWS OF THE OTHER)'));
    e.op(MOV, s.cols, 5);
    this.redim(target, s.rows, s.cols);
    this.shape(target, s);
    const prod = c.store.cell('MAT-ROWSTEP', 2);
    // rows of r are this many words apart
    if (this.twoD(r)) { e.opL(LD, 1, 0, 0, this.desc(r), 3); e.op(SHL, 1, 1, 0, 1); } else e.op(LI, 1, 0, 0, 2);
    e.opL(ST, 1, 0, 0, prod);
    this.loop(6, s.rows, () => this.loop(7, s.cols, () => {
      // r10: element (i, 1) of l; r14: element (1, j) of r
      e.op(LI, 1, 0, 0, 1);
      e.opL(LD, 2, 0, 0, this.desc(l), 3);
      this.offset(l, 10, 6, 1, 2);
      this.base(l, 2);
      e.op(ADD, 10, 10, 2, 0);
      if (this.twoD(r)) { e.opL(LD, 2, 0, 0, this.desc(r), 3); this.offset(r, 14, 1, 7, 2); } else this.offset(r, 14, 1, 7, 2);
      this.base(r, 2);
      e.op(ADD, 14, 14, 2, 0);
      e.opL(LD, 3, 0, 0, prod);
      e.op(FMOV, FREG0, FZERO);
      e.op(MOV, 13, 12);
      const top = e.label(); const end = e.label();
      e.bind(top);
      e.opL(BLE, 13, 0, 0, end);
      e.op(LDF, FREG0 + 1, 10, 0, 0);
      e.op(LDF, FREG0 + 2, 14, 0, 0);
      e.op(FMUL, FREG0 + 1, FREG0 + 1, FREG0 + 2);
      e.op(FADD, FREG0, FREG0, FREG0 + 1);
      e.op(ADD, 10, 10, 0, 2);
      e.op(ADD, 14, 14, 3, 0);
      e.op(SUB, 13, 13, 0, 1);
      e.opL(JMP, 0, 0, 0, top);
      e.bind(end);
      this.offset(target, 10, 6, 7, s.stride);
      this.base(target, 2);
      e.op(STF, FREG0, 10, 2, 0);
    }));
    c.overflowCheck(FREG0);
  }

  private transpose(target: string, src: string): void {
    const c = this.c;
    const e = c.e;
    if (target === src) c.fail(`MAT ${target} = TRN(${src}): THE TRANSPOSE MUST GO TO ANOTHER ARRAY`);
    if (!this.twoD(target) || !this.twoD(src)) c.fail('TRN NEEDS TWO-DIMENSIONAL ARRAYS');
    const s: Shape = { rows: 8, cols: 9, stride: 11 };
    this.shape(src, s);
    this.redim(target, s.cols, s.rows);
    this.shape(src, s);
    this.eachElement(src, s, () => {
      this.base(src, 12);
      e.op(LDF, FREG0, 10, 12, 0);
      e.opL(LD, 1, 0, 0, this.desc(target), 3);
      this.offset(target, 13, 7, 6, 1);
      this.base(target, 12);
      e.op(STF, FREG0, 13, 12, 0);
    });
  }

  /**
   * Gauss-Jordan elimination with partial pivoting on a copy of the source (so the source may be the
   * target), applying the same row operations to the identity; DET is the product of the pivots,
   * with a sign for each row exchange.
   */
  private invert(target: string, src: string): void {
    const c = this.c;
    const e = c.e;
    if (!this.twoD(target) || !this.twoD(src)) c.fail('INV NEEDS TWO-DIMENSIONAL ARRAYS');
    const srcPlace = c.store.array(src);
    const work = c.store.cell(`MAT-WORK-${src}`, srcPlace.capacity * 2);
    const det = c.store.cell('DET');
    const s: Shape = { rows: 8, cols: 9, stride: 11 };
    this.shape(src, s);
    e.opL(BNE, s.rows, s.cols, 0, c.errStub('INV NEEDS A SQUARE MATRIX'));
    // work := src (same layout)
    this.base(src, 12);
    this.eachElement(src, s, () => {
      e.op(LDF, FREG0, 10, 12, 0);
      e.opL(STF, FREG0, 10, 0, work);
    });
    this.redim(target, s.rows, s.cols);
    this.shape(target, s); // the same stride as src now
    this.base(target, 12);
    this.eachElement(target, s, () => {
      const off = e.label(); const put = e.label();
      e.opL(BNE, 6, 7, 0, off);
      e.op(FMOV, FREG0, FONE);
      e.opL(JMP, 0, 0, 0, put);
      e.bind(off);
      e.op(FMOV, FREG0, FZERO);
      e.bind(put);
      e.op(STF, FREG0, 10, 12, 0);
    });
    e.op(FMOV, FREG0 + 6, FONE); // f8: the determinant so far
    const n = s.rows;
    // r6 = the pivot column; r7 = a row; r13 = the pivot row found
    this.loop(6, n, () => {
      // find the row (>= r6) with the largest |work(row, r6)|
      e.op(MOV, 13, 6);
      e.op(FMOV, FREG0 + 1, FZERO);
      const scan = e.label(); const scanEnd = e.label(); const notBigger = e.label();
      e.op(MOV, 7, 6);
      e.bind(scan);
      e.opL(BGT, 7, n, 0, scanEnd);
      this.offset(src, 10, 7, 6, s.stride);
      e.opL(LDF, FREG0, 10, 0, work);
      e.op(FABS, FREG0, FREG0);
      e.opL(Op.FBLE, FREG0, FREG0 + 1, 0, notBigger);
      e.op(FMOV, FREG0 + 1, FREG0);
      e.op(MOV, 13, 7);
      e.bind(notBigger);
      e.op(ADD, 7, 7, 0, 1);
      e.opL(JMP, 0, 0, 0, scan);
      e.bind(scanEnd);
      const singular = c.stub(() => {
        e.opL(STF, FZERO, 0, 0, det);
        c.svcMessage(Svc.ERROR, 'THE MATRIX IS SINGULAR (DET = 0)');
        e.op(Op.HALT);
      });
      e.opL(FBEQ, FREG0 + 1, FZERO, 0, singular);
      // exchange rows r13 and r6 of work and of the target
      const noSwap = e.label();
      e.opL(BEQ, 13, 6, 0, noSwap);
      e.op(FNEG, FREG0 + 6, FREG0 + 6);
      this.loop(7, n, () => {
        this.offset(src, 10, 6, 7, s.stride);
        this.offset(src, 14, 13, 7, s.stride);
        e.opL(LDF, FREG0, 10, 0, work);
        e.opL(LDF, FREG0 + 1, 14, 0, work);
        e.opL(STF, FREG0 + 1, 10, 0, work);
        e.opL(STF, FREG0, 14, 0, work);
        e.op(LDF, FREG0, 10, 12, 0);
        e.op(LDF, FREG0 + 1, 14, 12, 0);
        e.op(STF, FREG0 + 1, 10, 12, 0);
        e.op(STF, FREG0, 14, 12, 0);
      });
      e.bind(noSwap);
      // divide the pivot row by the pivot
      this.offset(src, 10, 6, 6, s.stride);
      e.opL(LDF, FREG0 + 2, 10, 0, work); // f4: the pivot
      e.op(FMUL, FREG0 + 6, FREG0 + 6, FREG0 + 2);
      this.loop(7, n, () => {
        this.offset(src, 10, 6, 7, s.stride);
        e.opL(LDF, FREG0, 10, 0, work);
        e.op(FDIV, FREG0, FREG0, FREG0 + 2);
        e.opL(STF, FREG0, 10, 0, work);
        e.op(LDF, FREG0, 10, 12, 0);
        e.op(FDIV, FREG0, FREG0, FREG0 + 2);
        e.op(STF, FREG0, 10, 12, 0);
      });
      // clear the pivot column from every other row
      this.loop(13, n, () => {
        const skip = e.label();
        e.opL(BEQ, 13, 6, 0, skip);
        this.offset(src, 10, 13, 6, s.stride);
        e.opL(LDF, FREG0 + 3, 10, 0, work); // f5: the factor
        e.opL(FBEQ, FREG0 + 3, FZERO, 0, skip);
        this.loop(7, n, () => {
          this.offset(src, 10, 6, 7, s.stride); // pivot row
          this.offset(src, 14, 13, 7, s.stride); // this row
          e.opL(LDF, FREG0, 10, 0, work);
          e.op(FMUL, FREG0, FREG0, FREG0 + 3);
          e.opL(LDF, FREG0 + 1, 14, 0, work);
          e.op(FSUB, FREG0 + 1, FREG0 + 1, FREG0);
          e.opL(STF, FREG0 + 1, 14, 0, work);
          e.op(LDF, FREG0, 10, 12, 0);
          e.op(FMUL, FREG0, FREG0, FREG0 + 3);
          e.op(LDF, FREG0 + 1, 14, 12, 0);
          e.op(FSUB, FREG0 + 1, FREG0 + 1, FREG0);
          e.op(STF, FREG0 + 1, 14, 12, 0);
        });
        e.bind(skip);
      });
    });
    e.opL(STF, FREG0 + 6, 0, 0, det);
    void FBGT; void FTOI; void BLE;
  }
}
