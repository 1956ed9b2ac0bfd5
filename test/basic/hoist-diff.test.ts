// Differential test of loop-invariant subscripts (server/basic/hoist.ts): random loops over arrays
// with invariant subscripts in range, out of range, fractional, or changed inside the loop, run with
// hoisting and without; what the user sees (output, messages, exit status) must be the same.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hoistOptions } from '../../server/basic/hoist.ts';
import type { Dialect } from '../../server/basic/options.ts';
import { fuzzParams } from '../hostile/fuzz-seed.ts';
import { runBasic } from './run.ts';

const sub = fc.constantFrom('I', 'J', 'K', 'I + 1', '2', 'J - 1');
const term = fc.oneof(
  fc.tuple(sub, sub).map(([a, b]) => `A(${a},${b})`),
  sub.map((a) => `B(${a})`),
  fc.constantFrom('K', 'S', '1.5', 'Z'),
);
const expr = fc.array(fc.tuple(fc.constantFrom('+', '-', '*'), term), { minLength: 1, maxLength: 4 })
  .map((ts) => ts.map(([op, t], i) => (i === 0 ? t : `${op} ${t}`)).join(' '));
const stmt = fc.oneof(
  { weight: 4, arbitrary: expr.map((x) => `LET S = S + ${x}`) },
  { weight: 2, arbitrary: fc.tuple(sub, sub, expr).map(([a, b, x]) => `LET A(${a},${b}) = ${x}`) },
  { weight: 1, arbitrary: fc.constantFrom('LET Y = K / Z', 'LET I = I + 1', 'LET J = K', 'LET Z = Z + 1', 'LET N = N - 1', 'LET T = T + 1', 'LET K = K + T') },
);
const value = fc.constantFrom('0', '1', '2.4', '2.6', '3', '4', '5', '-1', '7');
const program = (dialect: Dialect) => fc.record({ i: value, j: value, z: fc.constantFrom('0', '1'), from: fc.constantFrom('1', '2', '4'),
  to: fc.constantFrom('0', '3', '4', '6', 'N', 'N + 1'), step: fc.constantFrom('', ' STEP 2', ' STEP -1', ' STEP T', ' STEP T / 2'),
  n: fc.constantFrom('0', '3', '5'), t: fc.constantFrom('1', '2', '-1'), body: fc.array(stmt, { minLength: 1, maxLength: 4 }) })
  .map((p) => [
    '10 DIM A(4,4), B(4)',
    '20 FOR I = 0 TO 4',
    '30 FOR J = 0 TO 4',
    '40 LET A(I,J) = I * 10 + J',
    '50 NEXT J',
    '60 LET B(I) = I * I',
    '70 NEXT I',
    `80 LET I = ${p.i}`,
    `90 LET J = ${p.j}`,
    `100 LET Z = ${p.z}`,
    '110 LET S = 0',
    `112 LET N = ${p.n}`,
    `114 LET T = ${p.t}`,
    '116 FOR R = 1 TO 2',
    `120 FOR K = ${p.from} TO ${p.to}${p.step}`,
    ...p.body.map((s, n) => `${130 + n} ${s}`),
    '190 NEXT K',
    // extended: a bare NEXT closes the innermost active loop, which is R once K's record is gone
    dialect === 'extended' ? '195 NEXT' : '195 NEXT R',
    '200 PRINT S; I; J; K; N; T',
    '210 END',
  ].join('\n'));

async function both(text: string, dialect: Dialect): Promise<[unknown, unknown]> {
  hoistOptions.enabled = true;
  const a = await runBasic(text, '', { dialect });
  hoistOptions.enabled = false;
  const b = await runBasic(text, '', { dialect });
  hoistOptions.enabled = true;
  const seen = (r: typeof a) => ({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode });
  return [seen(a), seen(b)];
}

describe('loop-invariant subscripts, differential', () => {
  afterEach(() => { hoistOptions.enabled = true; });
  for (const dialect of ['ecma55', 'extended'] as Dialect[]) {
    it(`${dialect}: random loops give the same output, messages and exit status with and without hoisting`, async () => {
      await fc.assert(fc.asyncProperty(program(dialect), async (text) => {
        const [a, b] = await both(text, dialect);
        expect(a, text).toEqual(b);
      }), fuzzParams({ numRuns: 100 }));
    });
  }
});
