// Every program in the shared library compiles and runs to its normal end with scripted input.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBasic } from '../../server/basic/compiler.ts';
import { messages, runBasic } from './run.ts';

const dir = fileURLToPath(new URL('../../server/library/', import.meta.url));
const programs = readdirSync(dir).filter((f) => f.endsWith('.bas'));
const src = (name: string): string => readFileSync(join(dir, `${name}.bas`), 'utf8');

describe('program library', () => {
  it('has at least ten BASIC programs, each compiling cleanly', () => {
    expect(programs.length).toBeGreaterThanOrEqual(10);
    for (const f of programs) expect(compileBasic(readFileSync(join(dir, f), 'utf8')).errors, f).toEqual([]);
  });
  const runs: [string, string, (out: string) => void][] = [
    ['PRIMES', '1\n50\n', (o) => { expect(o).toContain('15 PRIMES BELOW 51'); expect(o).toMatch(/ 2 +3 +5 +7 +11 /); }],
    ['LOAN', '1000\n6\n12\n', (o) => { expect(o).toContain('MONTHLY PAYMENT: 86.07'); expect(o).toContain('TOTAL INTEREST PAID: 32.8'); }],
    ['SORT', '55\n', (o) => { expect(o).toContain(' 0  2  9  11  13 '); expect(o).toContain('APPLE BANANA CHERRY DATE ELDERBERRY FIG KIWI PEAR'); expect(o).toContain('IS NUMBER 14'); }],
    ['GUESS', `${Array.from({ length: 100 }, (_, i) => i + 1).join('\n')}\nNO\n`, (o) => expect(o).toMatch(/RIGHT! YOU GOT IT IN \d+ GUESSES/)],
    ['LUNAR', `${'200\n'.repeat(60)}`, (o) => expect(o).toContain('IMPACT SPEED')],
    ['HANGMAN', `${'ETAOINSHRDLUCMPKYBFGVWXZJQ'.split('').join('\n')}\n`, (o) => expect(o).toMatch(/YOU GOT IT|HANGED/)],
    ['TEMPS', '', (o) => { expect(o).toMatch(/^-40 +-40 +-20 +-4 $/m); expect(o).toMatch(/^ 100 +37\.8 +50 +122 $/m); }],
    ['FIBO', '', (o) => { expect(o).toMatch(/^ 30 +832040 +1\.61803 $/m); }],
    ['CALENDAR', '1500, 1\n1969, 7\n', (o) => { expect(o).toContain('NOT A MONTH I KNOW.'); expect(o).toContain('JULY 1969'); expect(o).toContain('          1   2   3   4   5'); }],
    ['BOUNCE', '', (o) => { expect(o).toContain('AT REST.'); expect(o).toContain('*'); }],
    ['DICE', '2000\n', (o) => { expect(o).toMatch(/^ 7 +\d+ +[\d.]+ +16\.7 $/m); }],
  ];
  for (const [name, input, check] of runs) {
    it(`${name} runs to its end`, async () => {
      const r = await runBasic(src(name), input);
      expect(messages(r.stderr)).toEqual([]);
      expect(r.exitCode).toBe(0);
      check(r.stdout);
    });
  }
});
