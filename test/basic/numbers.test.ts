// Number layout (ECMA-55 14.4 with significance width 6 and exrad width 2) and number parsing.
import { describe, expect, it } from 'vitest';
import { parseNumber, printNumber, strNumber } from '../../server/basic/numbers.ts';

describe('printNumber', () => {
  const cases: [number, string][] = [
    [0, ' 0 '], [1, ' 1 '], [-1, '-1 '], [123456, ' 123456 '], [-123456, '-123456 '],
    [1234567, ' 1.23457E+06 '], [1000000, ' 1E+06 '], [999999.4, ' 999999 '], [999999.6, ' 1E+06 '],
    [0.5, ' .5 '], [-0.25, '-.25 '], [1 / 3, ' .333333 '], [2 / 3, ' .666667 '], [12.5, ' 12.5 '],
    [0.001, ' .001 '], [0.000001, ' .000001 '], [0.0000001, ' 1E-07 '], [0.0000012, ' 1.2E-06 '],
    [0.0123456, ' 1.23456E-02 '], [0.012345, ' .012345 '],
    [1e10, ' 1E+10 '], [-1.5e-10, '-1.5E-10 '], [Number.MAX_VALUE, ' 1.79769E+308 '], [1e-300, ' 1E-300 '],
    [3.14159265, ' 3.14159 '], [31415.9265, ' 31415.9 '],
  ];
  for (const [x, s] of cases) it(`${x} prints as "${s}"`, () => expect(printNumber(x)).toBe(s));
});

describe('strNumber', () => {
  it('has no leading or trailing space', () => {
    expect(strNumber(7)).toBe('7');
    expect(strNumber(-12.5)).toBe('-12.5');
    expect(strNumber(0.5)).toBe('.5');
  });
  it("keeps the point of a one-digit significand in ECMA-55's explicit point layout (NBS program 10)", () => {
    expect(strNumber(1e30, false, true)).toBe('1.E+30');
    expect(strNumber(-1e-7, false, true)).toBe('-1.E-07');
    expect(strNumber(1.5e30, false, true)).toBe('1.5E+30');
    expect(strNumber(123456, false, true)).toBe('123456');
    expect(strNumber(1e30, true)).toBe('1E+30'); // Microsoft's
  });
});

describe('parseNumber', () => {
  it('reads constants with sign, point and exponent after leading spaces', () => {
    expect(parseNumber('  12.5')).toEqual({ value: 12.5, length: 6 });
    expect(parseNumber('-3E2')).toEqual({ value: -300, length: 4 });
    expect(parseNumber('.5e-1')).toEqual({ value: 0.05, length: 5 });
    expect(parseNumber('+7X')).toEqual({ value: 7, length: 2 });
  });
  it('finds nothing in text that is not a number', () => {
    expect(parseNumber('ABC')).toBeNull();
    expect(parseNumber('')).toBeNull();
    expect(parseNumber('.')).toBeNull();
  });
});
