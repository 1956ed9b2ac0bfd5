// Programs the compiler must reject: every error at once, each naming its line and the text near it.
import { describe, expect, it } from 'vitest';
import { compileBasic } from '../../server/basic/compiler.ts';

// The standard's static errors are the ecma55 dialect's; tests of the extended dialect say so.
const errs = (src: string): string[] => compileBasic(src, { dialect: 'ecma55' }).errors;

describe('compile errors', () => {
  it('accepts a correct program and returns an image', () => {
    const r = compileBasic('10 PRINT "HI"\n20 END\n');
    expect(r.errors).toEqual([]);
    expect(r.image?.words.length).toBeGreaterThan(0);
    expect(r.image?.lineAt?.(r.image.codeEnd - 1)).toBeDefined();
  });
  const cases: [string, string, RegExp][] = [
    ['missing END', '10 PRINT 1\n', /^LINE 10: THE LAST LINE OF A PROGRAM MUST BE AN END STATEMENT/],
    ['END not last', '10 END\n20 PRINT 1\n', /^LINE 20: THE LAST LINE/],
    ['undefined GOTO target', '10 GOTO 50\n20 END\n', /^LINE 10: LINE 50 DOES NOT EXIST/],
    ['undefined line in ON', '10 ON X GOTO 20, 70\n20 END\n', /^LINE 10: LINE 70 DOES NOT EXIST/],
    ['FOR without NEXT', '10 FOR I = 1 TO 3\n20 END\n', /^LINE 10: FOR I HAS NO MATCHING NEXT/],
    ['NEXT without FOR', '10 NEXT I\n20 END\n', /^LINE 10: NEXT I WITHOUT FOR I/],
    ['DIM after use', '10 LET A(1) = 2\n20 DIM A(20)\n30 END\n', /^LINE 20: A IS DIMENSIONED TWICE OR USED BEFORE ITS DIM/],
    ['OPTION BASE after DIM', '10 DIM A(3)\n20 OPTION BASE 1\n30 END\n', /^LINE 20: OPTION BASE MUST COME BEFORE/],
    ['FN before DEF', '10 PRINT FNA(1)\n20 DEF FNA(X) = X\n30 END\n', /^LINE 10: FNA IS USED BEFORE ITS DEF/],
    ['recursive DEF', '10 DEF FNA(X) = FNA(X-1)\n20 END\n', /^LINE 10: FNA CANNOT USE ITSELF/],
    ['type mismatch', '10 LET A = "X"\n20 END\n', /^LINE 10: A NUMERIC VARIABLE NEEDS A NUMBER NEAR ""X""/],
    ['string minus', '10 LET A$ = "X" - "Y"\n20 END\n', /^LINE 10: A STRING CANNOT BE SUBTRACTED/],
    ['unclosed string', '10 PRINT "ABC\n20 END\n', /^LINE 10: A STRING HAS NO CLOSING QUOTE/],
    ['unknown statement', '10 FROB X\n20 END\n', /^LINE 10: /],
    ['bad character', '10 PRINT 1 # 2\n20 END\n', /^LINE 10: THE CHARACTER "#" IS NOT PART OF BASIC/],
    ['lines out of order', '20 PRINT 1\n10 PRINT 2\n30 END\n', /^LINE 10: LINE NUMBERS MUST GO UP/],
    ['line without number', 'PRINT 1\n10 END\n', /^LINE \?: TEXT LINE 1 \(PRINT 1\) HAS NO LINE NUMBER$/],
    ['three dimensions', '10 DIM A(2,2,2)\n20 END\n', /^LINE 10: AN ARRAY HAS ONE OR TWO DIMENSIONS/],
    ['wrong dimension count', '10 DIM A(3)\n20 LET A(1,2) = 0\n30 END\n', /^LINE 20: A HAS 1 DIMENSION\(S\), NOT 2/],
    ['incomplete expression', '10 PRINT 1 +\n20 END\n', /^LINE 10: THE EXPRESSION IS INCOMPLETE/],
    ['missing parenthesis', '10 PRINT (1 + 2\n20 END\n', /^LINE 10: A CLOSING "\)" EXPECTED/],
    ['OPTION BASE 2', '10 OPTION BASE 2\n20 END\n', /^LINE 10: OPTION BASE MUST BE 0 OR 1/],
  ];
  for (const [what, src, re] of cases) {
    it(`rejects: ${what}`, () => {
      const e = errs(src);
      expect(e.some((m) => re.test(m)), e.join('\n')).toBe(true);
    });
  }
  it('reports every error at once, in line order', () => {
    const e = errs('10 LET A = \n20 GOTO 99\n30 PRINT "X" - 1\n40 END\n');
    expect(e.map((m) => m.split(':')[0])).toEqual(['LINE 10', 'LINE 20', 'LINE 30']);
  });
  it('never throws on garbage', () => {
    for (const src of ['', '\n\n', '10', '10 IF', '10 FOR', '10 DEF FN', '10 PRINT ((((((((((((1))))))))))))\n20 END', '10 "', '99999999 END']) {
      const r = compileBasic(src);
      expect(Array.isArray(r.errors)).toBe(true);
    }
  });
  it('says when an expression is too deep for the registers instead of failing', () => {
    const deep = `10 PRINT ${'1+('.repeat(14)}1${')'.repeat(14)}\n20 END\n`;
    expect(errs(deep)[0]).toMatch(/^LINE 10: THIS EXPRESSION IS NESTED TOO DEEPLY/);
  });
  // (each line is also longer than ECMA-55's 72 characters: that error comes first)
  it('refuses pathological expressions from a file with a message, not a host stack overflow', () => {
    const parens = `10 PRINT ${'('.repeat(1000)}1${')'.repeat(1000)}\n20 END\n`;
    expect(errs(parens)[1]).toMatch(/^LINE 10: AN EXPRESSION IS NESTED MORE THAN 64 DEEP/);
    const sum = `10 PRINT ${Array(5000).fill('1').join('+')}\n20 END\n`;
    expect(errs(sum)[1]).toMatch(/^LINE 10: AN EXPRESSION HAS MORE THAN 1000 OPERATIONS/);
    const negs = `10 PRINT ${'-'.repeat(5000)}1\n20 END\n`;
    expect(errs(negs)[1]).toMatch(/^LINE 10: - FOLLOWED BY - IS NOT PART OF ECMA-55/); // ECMA-55 has one sign
    expect(compileBasic(negs).errors[0]).toMatch(/^LINE 10: AN EXPRESSION HAS MORE THAN 1000 OPERATIONS/);
  });
});
