// The two dialects: ecma55 refuses every construct outside ECMA-55 (naming the line) and reports
// every exception the standard defines; extended accepts the 1970s constructs. The margin folds
// output in both. `npm run job -- --dialect ecma55 --margin N FILE` chooses them from the shell.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBasic } from '../../server/basic/compiler.ts';
import { messages, runBasic, runEcma } from './run.ts';

const ecmaErrors = (src: string): string[] => compileBasic(src, { dialect: 'ecma55' }).errors;
const extendedErrors = (src: string): string[] => compileBasic(src).errors;

describe('ecma55 refuses each extension, naming the line', () => {
  const cases: [string, string, RegExp][] = [
    ['several statements on a line', '20 PRINT 1: PRINT 2', /THE CHARACTER : IS NOT PART OF ECMA-55/],
    ['LET left out', '20 A = 1', /LET LEFT OUT IS NOT PART OF ECMA-55/],
    ['lower case', '20 print 1', /LOWER CASE IS NOT PART OF ECMA-55/],
    ['two-letter names', '20 LET AB = 1', /A NAME IN ECMA-55 BASIC IS A LETTER AND AT MOST ONE DIGIT/],
    ['keywords without spaces', '20 FORI=1TO10\n25 NEXT I', /A KEYWORD MUST BE SET APART BY SPACES/],
    ['DEF FN with two parameters', '20 DEF FNA(X, Y) = X + Y', /A FUNCTION WITH SEVERAL PARAMETERS IS NOT PART/],
    ['END before the last line', '20 END', /END MAY ONLY BE THE LAST LINE/],
    ['string functions', '20 PRINT LEN("AB")', /LEN IS NOT PART OF ECMA-55/],
    ['CLEAR', '20 CLEAR', /CLEAR IS NOT PART OF ECMA-55/],
    ['WIDTH', '20 WIDTH 40', /WIDTH IS NOT PART OF ECMA-55/],
    ['string concatenation', '20 LET A$ = "A" + "B"', /\+ BETWEEN STRINGS IS NOT PART/],
    ['string ordering', '20 IF "A" < "B" THEN 30\n30 PRINT', /< BETWEEN STRINGS IS NOT PART/],
    ['IF ... THEN statement', '20 IF 1 = 1 THEN PRINT 1', /A STATEMENT AFTER THEN IS NOT PART/],
    ['ELSE', '20 IF 1 = 1 THEN 30 ELSE 30\n30 PRINT', /ELSE IS NOT PART/],
    ['AND', '20 IF 1 = 1 AND 2 = 2 THEN 30\n30 PRINT', /AND IS NOT PART/],
    ['NOT', '20 LET A = NOT 1', /NOT IS NOT PART/],
    ['ON ... GOSUB', '20 ON 1 GOSUB 30\n30 RETURN', /ON \.\.\. GOSUB IS NOT PART/],
    ['string arrays', '20 DIM A$(3)', /A STRING ARRAY IS NOT PART/],
    ['? for PRINT', '20 ? 1', /THE CHARACTER \? IS NOT PART/],
    ["' remarks", "20 PRINT 1 ' HI", /THE CHARACTER ' IS NOT PART/],
    ['RND with an argument', '20 PRINT RND(1)', /RND WITH AN ARGUMENT IS NOT PART/],
    ['INPUT with a prompt', '20 INPUT "N"; N', /A PROMPT IN INPUT IS NOT PART/],
    ['RESTORE n', '20 RESTORE 30\n30 DATA 1', /RESTORE WITH A LINE NUMBER IS NOT PART/],
    ['an empty DATA item', '20 DATA ABC,,GHI', /AN EMPTY DATA ITEM IS NOT PART/],
    ['a DATA list ending in a comma', '20 DATA 1,', /AN EMPTY DATA ITEM IS NOT PART/],
    ['a GOTO into a FOR loop', '20 GOTO 26\n25 FOR I = 1 TO 3\n26 PRINT I\n27 NEXT I', /A JUMP TO LINE 26 ENTERS THE LOOP OF LINE 25 FROM OUTSIDE/],
    ['a GOSUB into a FOR loop', '20 GOSUB 27\n25 FOR I = 1 TO 3\n26 PRINT I\n27 NEXT I\n28 RETURN', /A JUMP TO LINE 27 ENTERS THE LOOP OF LINE 25 FROM OUTSIDE/],
    ['two operators in a row', '20 LET A = 4 ^ -2', /\^ FOLLOWED BY - IS NOT PART/],
    ['a sign after *', '20 LET A = 2 * -3', /\* FOLLOWED BY - IS NOT PART/],
    ['two signs', '20 LET A = --3', /- FOLLOWED BY - IS NOT PART/],
    ['a space before the line number', ' 20 PRINT 1', /A SPACE BEFORE THE LINE NUMBER IS NOT PART/],
    ['a line longer than 72 characters', `20 PRINT "${'X'.repeat(60)}"; 123456`, /A LINE LONGER THAN 72 CHARACTERS \(THIS ONE HAS 79\) IS NOT PART/],
    ['a doubled quote in a string', '20 PRINT "A""B"', /"" \(A QUOTE INSIDE A STRING\) IS NOT PART/],
    ['print items without a separator', '20 PRINT 1 "A"', /TWO PRINT ITEMS WITHOUT , OR ; BETWEEN THEM IS NOT PART/],
    ['a character outside the standard set in a quoted datum', '20 DATA "A{B"', /THE CHARACTER "\{" IN A STRING IS NOT PART/],
    ['a character outside the standard set in a string', '20 PRINT "A@B"', /THE CHARACTER "@" IN A STRING IS NOT PART/],
    ['MAT', '20 MAT A = ZER', /MAT IS NOT PART/],
    ['NEXT without a variable', '20 FOR I = 1 TO 2\n25 NEXT', /NEXT WITHOUT A VARIABLE IS NOT PART/],
    ['DIM with an expression', '20 LET N = 3\n25 DIM A(N)', /DIM NEEDS WHOLE NUMBERS AS BOUNDS/],
    ['SPC', '20 PRINT SPC(3)', /SPC IS NOT PART/],
    ['IF without a relation', '20 IF 1 THEN 30\n30 PRINT', /IF NEEDS A RELATION/],
    ['a relation as a value', '20 PRINT 2 > 1', /A RELATION USED AS A VALUE IS NOT PART/],
    ['a relation assigned', '20 LET A = (2 = 2)', /A RELATION USED AS A VALUE IS NOT PART/],
    ['relations compared in IF', '20 IF (2 > 1) = (3 > 1) THEN 30\n30 PRINT', /A RELATION USED AS A VALUE IS NOT PART/],
        ['a string variable with a digit', '20 LET A1$ = "X"', /A STRING VARIABLE IN ECMA-55 BASIC IS A LETTER AND \$/],
    ['one letter for a variable and an array', '20 LET A = 1\n25 LET A(1) = 2', /A NAMES BOTH A SIMPLE VARIABLE AND AN ARRAY/],
  ];
  for (const [what, body, re] of cases) {
    it(what, () => {
      const src = `10 REM\n${body}\n9999 END\n`;
      const e = ecmaErrors(src);
      expect(e.some((m) => /^LINE 2\d: /.test(m) && re.test(m)), e.join('\n')).toBe(true);
      // and the extended dialect takes it
      if (!/DIM A\(N\)|IF 1 THEN|NEXT$/.test(body)) expect(extendedErrors(src), what).toEqual([]);
    });
  }
  it('lower case in strings, data and remarks is accepted (documented), not in statements', () => {
    expect(ecmaErrors('10 REM lower\n20 LET A$ = "abc"\n30 DATA "def"\n40 PRINT "ghi"\n50 END\n')).toEqual([]);
    expect(ecmaErrors('10 print 1\n20 END\n')).toEqual(['LINE 10: LOWER CASE IS NOT PART OF ECMA-55 BASIC']);
  });
  it('jumps within a loop, out of it, and to its FOR are fine', () => {
    const src = '10 FOR I = 1 TO 3\n20 IF I = 2 THEN 40\n30 GOTO 50\n40 GOSUB 100\n50 NEXT I\n60 FOR J = 1 TO 2\n70 IF J = 2 THEN 90\n80 NEXT J\n90 GOTO 10\n100 RETURN\n110 END\n';
    expect(ecmaErrors(src)).toEqual([]);
  });
  it('spaces inside a line number or a keyword are named as such (NBS programs 188, 189)', () => {
    expect(ecmaErrors('10 PRINT 1\n2 40 PRINT 2\n50 L E T X = 10\n60 END\n')).toEqual([
      'LINE 2: A SPACE INSIDE A LINE NUMBER (2 40) IS NOT PART OF ECMA-55 MINIMAL BASIC',
      'LINE 50: SPACES INSIDE THE KEYWORD LET ARE NOT PART OF ECMA-55 MINIMAL BASIC NEAR "L E T X = 10"',
    ]);
  });
  it('five-digit line numbers', () => {
    const src = '10 PRINT 1\n10000 END\n';
    expect(ecmaErrors(src)).toEqual(['LINE 10000: LINE NUMBER 10000: ECMA-55 LINE NUMBERS HAVE AT MOST FOUR DIGITS (1 TO 9999)']);
    expect(extendedErrors(src)).toEqual([]);
  });
  it('a pure Minimal BASIC program compiles in both', () => {
    const src = '10 OPTION BASE 1\n20 DIM A(3)\n30 DEF FNA(X) = X * X\n40 FOR I = 1 TO 3\n50 LET A(I) = FNA(I)\n60 NEXT I\n70 PRINT A(3)\n80 GO TO 100\n100 END\n';
    expect(ecmaErrors(src)).toEqual([]);
    expect(extendedErrors(src)).toEqual([]);
  });
});

describe('exceptions ECMA-55 requires (both dialects)', () => {
  it('a numeric constant beyond machine infinity: reported, machine infinity used, the program goes on', async () => {
    for (const run of [runEcma, runBasic]) {
      const r = await run('10 LET A = 3E99999\n20 PRINT A\n30 END\n');
      expect(r.stdout).toBe(' 1.79769E+308 \n');
      expect(messages(r.stderr)).toEqual(['LINE 10: THE CONSTANT 3E99999 IS BEYOND MACHINE INFINITY (OVERFLOW); 1.79769E+308 IS USED']);
      expect(r.exitCode).toBe(0);
    }
  });
  it('overflow on READ: reported, machine infinity read, the program goes on', async () => {
    const r = await runEcma('10 READ A, B\n20 PRINT A; B\n30 DATA -1E999, 2\n40 END\n');
    expect(r.stdout).toBe('-1.79769E+308  2 \n');
    expect(messages(r.stderr)).toEqual(['OVERFLOW IN READ IN LINE 10']);
    expect(r.exitCode).toBe(0);
  });
  it('overflow on INPUT: the whole reply is asked for again, nothing assigned (ECMA-55 15.5)', async () => {
    const r = await runEcma('10 INPUT A, B, C\n20 PRINT A; B; C\n30 END\n', '1E999, -2E400, 5\n1,2,3\n');
    expect(r.stdout).toBe('? NUMERIC OVERFLOW - TYPE THE WHOLE REPLY AGAIN\n?  1  2  3 \n');
    expect(messages(r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
  it('overflow on INPUT in the extended dialect asks again, as Microsoft BASIC does', async () => {
    const r = await runBasic('10 INPUT A\n20 PRINT A\n30 END\n', '1E999\n5\n');
    expect(r.stdout).toBe('? ?REDO FROM START\n?  5 \n');
  });
  it('an unquoted string reply with characters the standard does not allow asks again in ecma55', async () => {
    const r = await runEcma('10 INPUT A$\n20 PRINT A$\n30 END\n', 'AB?CD\nAB;CD\nK*L\n"K*L"\n');
    expect(r.stdout).toBe(`${'? A STRING WITH THAT CHARACTER NEEDS QUOTES - TYPE THE WHOLE REPLY AGAIN\n'.repeat(3)}? K*L\n`);
  });
  it('the extended dialect takes any character but comma and colon in an unquoted reply, as Microsoft BASIC does', async () => {
    // Life's patterns are typed as `.**`; a colon ends Microsoft's unquoted item without a comma after it
    const x = await runBasic('10 INPUT A$\n20 PRINT A$\n25 GOTO 10\n', 'AB?CD\n.**;K*L\nA:B\nok, fine\nAB"C\n');
    expect(x.stdout).toBe('? AB?CD\n? .**;K*L\n? ?REDO FROM START\n? ?EXTRA IGNORED\nok\n? AB"C\n? ');
    expect(messages(x.stderr)).toEqual(['END OF INPUT IN LINE 10']);
  });
  it('a reply longer than a string can hold asks again, never cut silently', async () => {
    const long = 'A'.repeat(300);
    const r = await runEcma('10 INPUT A$\n20 PRINT LEN(A$)\n30 END\n'.replace('LEN(A$)', 'A$'), `${long}\nSHORT\n`);
    // ecma55 keeps ECMA-55 7.4's 18 characters; the extended dialect holds 255
    expect(r.stdout).toBe('? STRING LONGER THAN 18 CHARACTERS - TYPE THE WHOLE REPLY AGAIN\n? SHORT\n');
    const x = await runBasic('10 INPUT A$\n20 PRINT LEN(A$)\n30 END\n', `${long}\n${'B'.repeat(255)}\n`);
    expect(x.stdout).toBe('? ?REDO FROM START\n?  255 \n');
    const nums = Array(26).fill('1.0000000').join(','); // 259 characters of reply: fine for 26 numbers
    const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i)).join(',');
    const ok = await runEcma(`10 INPUT ${letters}\n20 PRINT Z\n30 END\n`, `${nums}\n`);
    expect(ok.stdout).toBe('?  1 \n');
  });
  it('TAB beyond the margin is reduced into it (no flood of spaces)', async () => {
    const r = await runEcma('10 PRINT TAB(9^(9^9)); "X"\n20 PRINT TAB(75); "Y"\n30 END\n');
    expect(messages(r.stderr)).toEqual(['OVERFLOW IN LINE 10']);
    // 1.79769E+308 saturates to 2147483647; (2147483647 - 1) mod 72 = 54, so column 55
    expect(r.stdout).toBe(`${' '.repeat(54)}X\n${' '.repeat(2)}Y\n`);
  });
});

describe('the margin', () => {
  it('folds strings at it and puts a number that does not fit on the next line', async () => {
    const r = await runBasic('10 PRINT "ABCDEFGHIJKLMNOPQRST"; 12345\n20 END\n', '', { margin: 20 });
    expect(r.stdout).toBe('ABCDEFGHIJKLMNOPQRST\n 12345 \n');
    const s = await runBasic('10 FOR I = 1 TO 3\n20 PRINT "0123456789ABC";\n30 NEXT I\n40 END\n', '', { margin: 16 });
    expect(s.stdout).toBe('0123456789ABC012\n3456789ABC012345\n6789ABC');
  });
  it('in ecma55 a string item longer than the margin starts a new line and is cut every margin characters (14.4)', async () => {
    const r = await runBasic('10 PRINT "X";\n20 PRINT "0123456789012345678901234"\n30 END\n', '', { dialect: 'ecma55', margin: 20 });
    expect(r.stdout).toBe('X\n01234567890123456789\n01234\n');
  });
  it('sets the print zones: ECMA-55 has a partial last zone, Microsoft only whole ones', async () => {
    const src = '10 PRINT 1, 2, 3, 4\n20 END\n';
    expect((await runEcma(src)).stdout).toBe(' 1              2              3              4 \n');
    expect((await runBasic(src, '', { dialect: 'ecma55', margin: 40 })).stdout).toBe(' 1              2              3 \n 4 \n');
    // 14-column zones in 40 columns: 0 and 14 are whole; 28 would end past the margin
    expect((await runBasic(src, '', { margin: 40 })).stdout).toBe(' 1             2 \n 3             4 \n');
  });
});

describe('npm run job --dialect and --margin', () => {
  const job = (args: string[], input = '') => spawnSync(process.execPath, ['--import', 'tsx', 'server/job.ts', ...args], { input, encoding: 'utf8', timeout: 20_000 });
  it('chooses the dialect and the margin, and refuses bad values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-dialect-'));
    const f = join(dir, 'p.bas');
    writeFileSync(f, '10 A = 1: PRINT "ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n20 END\n');
    const ext = job(['--margin', '20', f]);
    expect(ext.stdout).toBe('ABCDEFGHIJKLMNOPQRST\nUVWXYZ\n');
    expect(ext.status).toBe(0);
    const ecma = job(['--dialect', 'ecma55', f]);
    expect(ecma.stderr).toMatch(/^LINE 10: /);
    expect(ecma.status).toBe(2);
    expect(job(['--dialect=extended', f]).status).toBe(0);
    expect(job(['--dialect', 'fortran', f]).stderr).toMatch(/--dialect must be ecma55 or extended/);
    expect(job(['--margin', '5', f]).status).toBe(2);
  });
});
