// How BASIC lays out and reads numbers (ECMA-55 section 12.4 and 5). Used by the PUTNUM, FMTNUM
// and PARSENUM supervisor calls, so that every job formats numbers identically on every host.

/** FMTNUM's r3 bits: Microsoft's layout (numbers below .01 in E-notation, 1E+30)... */
export const FMT_MICROSOFT = 1;
/** ...or ECMA-55's explicit point in E-notation (1.E+30). */
export const FMT_EXPLICIT_POINT = 2;

/** Significance width: digits kept when a number is printed (ECMA-55 requires at least 6). */
export const SIGNIFICANCE = 6;
/** Exrad width: digits of the exponent in E-notation (at least 2 by the standard: E-05). */
export const EXRAD_WIDTH = 2;

/**
 * The number as STR$ gives it: '-' for negatives, no leading or trailing space. `microsoft`: numbers
 * below .01 in E-notation (1E-03), as Microsoft BASIC prints them; ECMA-55 prints .001.
 * `explicitPoint`: a significand of one digit keeps its point (1.E+30), as ECMA-55 14.4's "explicit
 * point scaled" notation has it (NBS program 10 asks for the period); Microsoft prints 1E+30.
 */
export function strNumber(x: number, microsoft = false, explicitPoint = false): string {
  if (Number.isNaN(x)) return 'NAN';
  if (x === Infinity) return 'INF';
  if (x === -Infinity) return '-INF';
  if (x === 0) return '0';
  const neg = x < 0;
  const ax = Math.abs(x);
  const d = SIGNIFICANCE;
  // Round to d significant digits, then pick a layout.
  const [mant, exp] = roundSignificant(ax, d); // ax ~= mant * 10^(exp - d + 1), mant has d digits
  let body: string;
  const digits = String(mant);
  if (exp >= 0 && exp < d) {
    // unscaled: the point falls inside (or just after) the d digits
    const intPart = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    body = frac ? `${intPart}.${frac}` : intPart;
  } else if (exp < 0 && fitsUnscaled(digits, exp, d) && !(microsoft && exp < -2)) {
    const frac = ('0'.repeat(-exp - 1) + digits).replace(/0+$/, '');
    body = `.${frac}`;
  } else {
    const m = digits.slice(0, 1);
    const rest = digits.slice(1).replace(/0+$/, '');
    const e = Math.abs(exp);
    const es = String(e).padStart(EXRAD_WIDTH, '0');
    body = `${m}${rest || explicitPoint ? '.' + rest : ''}E${exp < 0 ? '-' : '+'}${es}`;
  }
  return neg ? `-${body}` : body;
}

// A number below 1 is printed unscaled only if that needs at most d digits after the point
// (ECMA-55: .000001 but 1E-07 with d = 6), so no significant digit is lost.
function fitsUnscaled(digits: string, exp: number, d: number): boolean {
  const sig = digits.replace(/0+$/, '').length;
  return -exp - 1 + sig <= d;
}

function roundSignificant(ax: number, d: number): [number, number] {
  // toExponential does correct decimal rounding of the binary value.
  const s = ax.toExponential(d - 1); // "d.ddddde+x"
  const [m, e] = s.split('e');
  return [Number(m.replace('.', '')), Number(e)];
}

/** The number as PRINT types it: a leading space or '-', the digits, and a trailing space. */
export function printNumber(x: number, microsoft = false): string {
  const s = strNumber(x, microsoft);
  return (s.startsWith('-') ? s : ` ${s}`) + ' ';
}

/**
 * Reads a numeric constant (sign, digits, point, E-exponent) after leading spaces.
 * Returns the value and the characters consumed, or null when there is no number there.
 */
export function parseNumber(text: string): { value: number; length: number } | null {
  const m = /^ *([+-]?)(\d+\.?\d*|\.\d+)(?:E([+-]?\d+))?/i.exec(text);
  if (!m) return null;
  const value = Number(`${m[1]}${m[2]}${m[3] !== undefined ? 'e' + m[3] : ''}`);
  return { value, length: m[0].length };
}
