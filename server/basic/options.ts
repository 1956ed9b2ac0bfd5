// What a BASIC program is compiled as: its dialect and the margin of the terminal it prints on.

/**
 * `ecma55`: exactly ECMA-55 Minimal BASIC; every extension is refused and every exception reported.
 * `extended` (the default): the BASICs of the 1970s game programs (Microsoft 8K BASIC, DEC BASIC-PLUS)
 * where they differ from ECMA-55, plus Dartmouth's MAT statements. README lists each difference.
 */
export type Dialect = 'ecma55' | 'extended';
export const DIALECTS: readonly Dialect[] = ['ecma55', 'extended'];
export const DEFAULT_DIALECT: Dialect = 'extended';

/** The ASR-33's 72 columns. */
export const DEFAULT_MARGIN = 72;
export const MIN_MARGIN = 16;
export const MAX_MARGIN = 255;

export interface BasicOptions {
  dialect?: Dialect;
  /** columns in a printed line; output is folded there (16 to 255) */
  margin?: number;
}

export interface Settings {
  dialect: Dialect;
  margin: number;
  /** ECMA-55 rules, checks and layouts */
  strict: boolean;
}

export function settings(o: BasicOptions = {}): Settings {
  const dialect = o.dialect ?? DEFAULT_DIALECT;
  const m = o.margin ?? DEFAULT_MARGIN;
  const margin = Number.isInteger(m) ? Math.min(MAX_MARGIN, Math.max(MIN_MARGIN, m)) : DEFAULT_MARGIN;
  return { dialect, margin, strict: dialect === 'ecma55' };
}

export function isDialect(s: string): s is Dialect {
  return (DIALECTS as readonly string[]).includes(s);
}
