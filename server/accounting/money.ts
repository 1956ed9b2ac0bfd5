// Money is integer micro-dollars (µ$), never a float. Charges are computed in BigInt so that a
// quantity times a price cannot lose precision, then rounded once, half-up, to the micro-dollar.

export const MICROS_PER_DOLLAR = 1_000_000;

/** round(a * b / c) with ties away from zero (half-up for the non-negative values we charge). */
export function mulDivHalfUp(a: bigint, b: bigint, c: bigint): bigint {
  if (c <= 0n) throw new RangeError('divisor must be positive');
  const n = a * b;
  const neg = n < 0n;
  const m = neg ? -n : n;
  const q = (m * 2n + c) / (c * 2n);
  return neg ? -q : q;
}

/** Micro-dollars as dollars with all six decimals: 570012 -> "0.570012". Exact, so columns add up. */
export function formatMicros(micros: number): string {
  const neg = micros < 0;
  const m = Math.abs(micros);
  const whole = Math.floor(m / MICROS_PER_DOLLAR);
  const frac = String(m % MICROS_PER_DOLLAR).padStart(6, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** Micro-dollars rounded half-up to cents, for prices and summaries: 1995000 -> "19.95". */
export function formatCents(micros: number): string {
  const neg = micros < 0;
  const cents = Math.floor((Math.abs(micros) + 5_000) / 10_000);
  return `${neg ? '-' : ''}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * Parses a dollar amount typed by an operator ("25", "25.5", "$0.125", "1234.567890") into micro-dollars.
 * Returns undefined for anything else (more than six decimals, signs, exponents, junk).
 */
export function parseDollars(text: string): number | undefined {
  const m = /^\s*\$?(\d{1,9})(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!m) return undefined;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_DOLLAR + frac;
}

/** Micro-dollars as an operator reads a budget: "$12.50", "$0.000001" (trailing zeros past cents dropped). */
export function formatDollars(micros: number): string {
  return `$${Math.floor(micros / MICROS_PER_DOLLAR)}.${String(micros % MICROS_PER_DOLLAR).padStart(6, '0').replace(/0{1,4}$/, '')}`;
}
