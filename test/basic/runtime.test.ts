// Running programs: run-time errors name the BASIC line, INPUT asks again after a bad reply, and
// the same program with the same input gives the same output and the same cycles.
import { describe, expect, it } from 'vitest';
import { messages, runBasic, runEcma } from './run.ts';

describe('run-time errors', () => {
  const cases: [string, string, string][] = [
    ['subscript', '10 DIM A(5)\n20 LET I = 6\n30 LET A(I) = 1\n40 END\n', 'SUBSCRIPT OUT OF RANGE IN LINE 30'],
    ['2-D subscript', '10 DIM B(2,2)\n20 PRINT B(1,-1)\n30 END\n', 'SUBSCRIPT OUT OF RANGE IN LINE 20'],
    ['negative power', '10 LET X = -8\n20 PRINT X ^ .5\n30 END\n', 'NEGATIVE NUMBER TO A NON-INTEGRAL POWER IN LINE 20'],
    ['string too long', '10 LET A$ = "0123456789"\n20 FOR I = 1 TO 30\n30 LET B$ = B$ + A$\n40 NEXT I\n50 END\n', 'STRING LONGER THAN 255 CHARACTERS IN LINE 30'],
    ['ASC of empty', '10 PRINT ASC(A$)\n20 END\n', 'ASC OF AN EMPTY STRING IN LINE 10'],
    ['read type', '10 READ X\n20 DATA "TEXT"\n30 END\n', 'A STRING DATUM CANNOT BE READ INTO A NUMERIC VARIABLE IN LINE 10'],
    ['deep GOSUB', '10 GOSUB 10\n20 END\n', 'OUT OF MEMORY: TOO MANY NESTED GOSUBS IN LINE 10'],
  ];
  for (const [what, src, msg] of cases) {
    it(`${what}: "${msg}"`, async () => {
      const r = await runBasic(src);
      expect(messages(r.stderr)).toEqual([msg]);
      expect(r.exitCode).toBe(1);
    });
  }
  it('a warning does not stop the program', async () => {
    const r = await runBasic('10 LET X = 0\n20 PRINT 5 / X; -5 / X\n30 PRINT "GO ON"\n40 END\n');
    expect(r.stdout).toBe(' 1.79769E+308 -1.79769E+308 \nGO ON\n');
    expect(messages(r.stderr)).toEqual(['DIVISION BY ZERO IN LINE 20', 'DIVISION BY ZERO IN LINE 20']);
    expect(r.exitCode).toBe(0);
  });
  it('a fatal error after an unfinished line starts a line of its own (NBS program 173)', async () => {
    const r = await runEcma('10 PRINT "111";\n20 PRINT SQR(-1)\n30 END\n');
    expect(r.stdout).toBe('111'); // exactly what the program typed
    expect(r.stderr).toBe('\nSQUARE ROOT OF A NEGATIVE NUMBER IN LINE 20\n');
    const s = await runEcma('10 PRINT "111"\n20 PRINT SQR(-1)\n30 END\n');
    expect(s.stderr).toBe('SQUARE ROOT OF A NEGATIVE NUMBER IN LINE 20\n');
  });
  it('TAB below 1 warns and uses 1 (ECMA-55)', async () => {
    const r = await runEcma('10 PRINT TAB(0); "X"\n20 END\n');
    expect(r.stdout).toBe('X\n');
    expect(messages(r.stderr)).toEqual(['TAB ARGUMENT LESS THAN 1 IN LINE 10']);
  });
  it('a compile error runs nothing and exits 2', async () => {
    const r = await runEcma('10 PRINT "A"\n20 GOTO 30\n40 END\n');
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('LINE 20: LINE 30 DOES NOT EXIST');
  });
});

describe('INPUT', () => {
  const prog = '10 INPUT A, B$\n20 PRINT A; B$\n30 END\n';
  it('asks again after a bad number, too few and too many items, then takes a good reply (ECMA-55)', async () => {
    const r = await runEcma(prog, 'X, Y\n5\n5, A, B\n5, "HI"\n');
    expect(r.stdout).toBe([
      '? NOT A NUMBER - TYPE THE WHOLE REPLY AGAIN',
      '? TOO FEW ITEMS - TYPE THE WHOLE REPLY AGAIN',
      '? TOO MANY ITEMS - TYPE THE WHOLE REPLY AGAIN',
      '?  5 HI',
      '',
    ].join('\n'));
    expect(r.exitCode).toBe(0);
  });
  it('a quoted reply for a number is refused', async () => {
    const r = await runEcma(prog, '"5", X\n6, X\n');
    expect(r.stdout).toContain('NOT A NUMBER');
    expect(r.stdout).toContain(' 6 X');
  });
  it('end of input at an INPUT is a run-time error', async () => {
    const r = await runBasic(prog, '');
    expect(messages(r.stderr)).toEqual(['END OF INPUT IN LINE 10']);
    expect(r.exitCode).toBe(1);
  });
  it('INPUT I, A(I) uses the new I for the subscript', async () => {
    const r = await runBasic('10 DIM A(5)\n20 INPUT I, A(I)\n30 PRINT A(3)\n40 END\n', '3, 9\n');
    expect(r.stdout).toBe('?  9 \n');
  });
  it('a prompt string with a comma has no question mark', async () => {
    const r = await runBasic('10 INPUT "AGE: ", A\n20 INPUT "NAME"; N$\n30 PRINT A; N$\n40 END\n', '7\nBO\n');
    expect(r.stdout).toBe('AGE: NAME?  7 BO\n');
  });
});

describe('determinism', () => {
  it('the same program and input give the same output and the same cycles', async () => {
    const src = '10 FOR I = 1 TO 200\n20 LET S = S + RND * SIN(I)\n30 NEXT I\n40 INPUT X\n50 PRINT S + X\n60 END\n';
    const a = await runBasic(src, '3\n');
    const b = await runBasic(src, '3\n');
    expect(a.stdout).toBe(b.stdout);
    expect(a.cycles).toBe(b.cycles);
    expect(a.cycles).toBeGreaterThan(200 * 40);
  });
});

describe('output limit', () => {
  it('a long game (Super Star Trek types more than 70,000 characters) is not cut off', async () => {
    const r = await runBasic('10 FOR I = 1 TO 3000\n20 PRINT "SHORT RANGE SENSORS FOR QUADRANT"; I\n30 NEXT I\n40 END\n');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(100_000);
    expect(messages(r.stderr)).toEqual([]);
  });
});
