// Dartmouth's MAT statements (extended dialect) against results worked out by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileBasic } from '../../server/basic/compiler.ts';
import { messages, runBasic } from './run.ts';

const program = readFileSync(new URL('./programs/MATRICES.bas', import.meta.url), 'utf8');

describe('MAT', () => {
  it('READ, *, TRN, CON, +, -, scalar *, IDN, ZER, INV with DET, vectors, INPUT, =, PRINT and redimensioning', async () => {
    const r = await runBasic(program, '1, 2\n3, 4\n');
    expect(r.stdout).toBe([
      // A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12]: A*B = [1*7+2*9+3*11  1*8+2*10+3*12; ...]
      ' 58  64 ', ' 139  154 ', '',
      // TRN(B), a 3x2 matrix into D (dimensioned 3x3, now 2x3)
      ' 7  9  11 ', ' 8  10  12 ', '',
      // (2) * (C + E - E)
      ' 116  128 ', ' 278  308 ', '',
      ' 1  0  0 ', ' 0  1  0 ', ' 0  0  1 ', '',
      ' 0  0  0 ', ' 0  0  0 ', '',
      // INV([4 7; 2 6]) = [6 -7; -2 4] / 10, DET 10
      ' .6 -.7 ', '-.2  .4 ', '', ' 10 ',
      // a permutation needs a row exchange: DET -2
      ' 0  1  0 ', ' 1  0  0 ', ' 0  0  .5 ', '', '-2 ',
      // A * V with V = (1, 2, 3): (14, 32), a vector printed on one line
      ' 14  32 ', '',
      // MAT INPUT: values in row order, here a row per line (`?? ` asks for the rest); MAT PRINT C,
      // in zones of 14
      '? ??  1             2 ', ' 3             4 ', '',
      ' 2  3  1  1 ',
      ' 1             2 ', ' 3             4 ', '',
    ].join('\n') + '\n');
    expect(messages(r.stderr)).toEqual(['C WOULD BE LARGER THAN ITS DIM ALLOWS IN LINE 370']);
    expect(r.exitCode).toBe(1);
  });
  it('a singular matrix, mismatched shapes and a product into its own factor are errors', async () => {
    const sing = await runBasic('10 DIM A(2,2), B(2,2)\n20 MAT READ A\n30 DATA 1,2,2,4\n40 MAT B = INV(A)\n');
    expect(messages(sing.stderr)).toEqual(['THE MATRIX IS SINGULAR (DET = 0) IN LINE 40']);
    const shape = await runBasic('10 DIM A(2,3), B(2,2), C(2,2)\n20 MAT C = A + B\n');
    expect(messages(shape.stderr)).toEqual(['THE MATRICES DO NOT HAVE THE SAME DIMENSIONS IN LINE 20']);
    expect(compileBasic('10 DIM A(2,2), B(2,2)\n20 MAT A = A * B\n').errors[0]).toMatch(/^LINE 20: MAT A = A \* B: THE PRODUCT MUST GO TO ANOTHER ARRAY/);
  });
  it('redimensions within the DIM: MAT READ A(N, M) and ZER(N, M)', async () => {
    const r = await runBasic('10 DIM A(3,3)\n20 LET N = 2\n30 MAT READ A(N, 3)\n40 MAT PRINT A;\n50 MAT A = ZER(1, N)\n60 MAT PRINT A;\n70 DATA 1,2,3,4,5,6\n');
    expect(r.stdout).toBe(' 1  2  3 \n 4  5  6 \n\n 0  0 \n\n');
  });
  it('runs as machine code: a 20x20 product costs cycles in proportion, not a host call', async () => {
    const src = (n: number): string => `10 DIM A(${n},${n}), B(${n},${n}), C(${n},${n})\n20 MAT A = CON\n30 MAT B = CON\n40 MAT C = A * B\n50 PRINT C(1,1)\n`;
    const one = await runBasic(src(1)); // the fixed costs: compiling, loading, CON, PRINT
    const small = await runBasic(src(10));
    const big = await runBasic(src(20));
    expect(small.stdout).toBe(' 10 \n');
    expect(big.stdout).toBe(' 20 \n');
    // n^3 multiply-adds (8x from 10 to 20) beside n^2 fills (4x)
    expect((big.cycles - one.cycles) / (small.cycles - one.cycles)).toBeGreaterThan(6);
  });
});
