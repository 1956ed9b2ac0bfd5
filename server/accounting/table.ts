// Fixed-width columns for a teletype: 72 columns, upper case, numbers right-aligned.

export const WIDTH = 72;

export interface Col {
  width: number;
  /** 'l' left or 'r' right */
  align: 'l' | 'r';
}

export function row(cols: readonly Col[], cells: readonly string[]): string {
  const out = cols.map((c, i) => {
    let s = cells[i] ?? '';
    if (s.length > c.width) s = c.align === 'l' ? s.slice(0, c.width) : s.slice(s.length - c.width);
    return c.align === 'l' ? s.padEnd(c.width) : s.padStart(c.width);
  });
  return out.join(' ').trimEnd();
}

export function rule(cols: readonly Col[]): string {
  return cols.map((c) => '-'.repeat(c.width)).join(' ');
}

/** Two strings on one line, the second flush right at column 72. */
export function spread(left: string, right: string): string {
  const gap = Math.max(1, WIDTH - left.length - right.length);
  return left + ' '.repeat(gap) + right;
}

/** h:mm:ss from milliseconds, truncated to the second (display only). */
export function hms(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A non-negative number with `d` decimals, rounded half-up (display only, never money). */
export function fixed(x: number, d: number): string {
  const f = 10 ** d;
  const n = Math.floor(x * f + 0.5 + 1e-9);
  if (d === 0) return String(n);
  return `${Math.floor(n / f)}.${String(n % f).padStart(d, '0')}`;
}
