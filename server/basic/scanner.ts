// The scanner: one program line's text (after its line number) to tokens. It follows Microsoft
// BASIC's "crunching" rules so that the classic programs run unchanged: keywords are recognised
// anywhere outside strings, even without spaces around them (FORI=1TO10), and a variable name is a
// letter followed by letters and digits up to the next keyword; only the first two characters count.
// In the ecma55 dialect (`strict`) it follows ECMA-55 instead: upper case only, names of a letter and
// an optional digit, keywords standing apart from names and numbers, and none of `? ' :`.

export type Token =
  | { k: 'num'; v: number; text: string; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'id'; name: string; text: string; str: boolean; pos: number }
  | { k: 'kw'; v: string; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'raw'; v: string; pos: number } // the text of a DATA statement up to ':' or the end
  | { k: 'eol'; pos: number };

/** Keywords, longest first so that GOSUB wins over GO and LEFT$ is one token. */
export const KEYWORDS: readonly string[] = [
  'RANDOMIZE', 'RESTORE', 'RETURN', 'OPTION', 'RIGHT$', 'INPUT', 'PRINT', 'GOSUB', 'LEFT$', 'CLEAR', 'WIDTH', 'THEN',
  'ELSE', 'STEP', 'NEXT', 'GOTO', 'STOP', 'DATA', 'READ', 'MID$', 'CHR$', 'STR$', 'LET', 'DIM',
  'DEF', 'REM', 'END', 'FOR', 'AND', 'NOT', 'TAB', 'SPC', 'ABS', 'ATN', 'COS', 'EXP', 'INT', 'LOG',
  'RND', 'SGN', 'SIN', 'SQR', 'TAN', 'LEN', 'ASC', 'VAL', 'POS', 'IF', 'ON', 'TO', 'OR', 'FN', 'GO',
];

// Keywords by first letter, longest first, so a lookup tries only a handful.
const BY_LETTER = new Map<string, string[]>();
for (const k of KEYWORDS) {
  const list = BY_LETTER.get(k[0]) ?? [];
  list.push(k);
  BY_LETTER.set(k[0], list);
}

function keywordAt(up: string, i: number): string | undefined {
  const list = BY_LETTER.get(up[i]);
  if (list) for (const k of list) if (up.startsWith(k, i)) return k;
  return undefined;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLetter = (c: string): boolean => c >= 'A' && c <= 'Z';

export class ScanError extends Error {}

/** Keywords that name functions: in ECMA-55 they are followed by "(" (RND by nothing). */
const FUNCTION_WORDS = new Set(['ABS', 'ATN', 'COS', 'EXP', 'INT', 'LOG', 'RND', 'SGN', 'SIN', 'SQR', 'TAN', 'TAB']);

/**
 * Upper-cases the ASCII letters outside strings and nothing else, so that every character keeps its
 * place: `toUpperCase` would turn `ß` into `SS` (moving every later position) and `ı` into `I`.
 */
export function upperOutsideStrings(text: string): string {
  let out = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) q = !q;
    out += !q && c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : text[i];
  }
  return out;
}

/** Tokens of one statement line. Lower-case letters outside strings, REM and DATA read as capitals. */
export function scanLine(text: string, strict = false): Token[] {
  // DATA and REM text is taken from `text` itself.
  const up = upperOutsideStrings(text);
  // ECMA-55's character set has no lower case (remarks are taken as typed; strings: strictString)
  const lower = (from: number, to: number): void => {
    if (strict && /[a-z]/.test(text.slice(from, to))) throw new ScanError('LOWER CASE IS NOT PART OF ECMA-55 BASIC');
  };
  const alnum = (j: number): boolean => j >= 0 && j < up.length && (isLetter(up[j]) || isDigit(up[j]));
  const out: Token[] = [];
  let inMat = false;
  const n = up.length;
  let i = 0;
  while (i < n) {
    const c = up[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    const pos = i;
    if (isDigit(c) || (c === '.' && i + 1 < n && isDigit(up[i + 1]))) {
      let j = i;
      while (j < n && isDigit(up[j])) j++;
      if (j < n && up[j] === '.') { j++; while (j < n && isDigit(up[j])) j++; }
      if (j < n && up[j] === 'E') {
        let k = j + 1;
        if (k < n && (up[k] === '+' || up[k] === '-')) k++;
        if (k < n && isDigit(up[k])) { while (k < n && isDigit(up[k])) k++; j = k; }
      }
      lower(i, j);
      const t = up.slice(i, j);
      out.push({ k: 'num', v: Number(t), text: t, pos });
      i = j;
      continue;
    }
    if (c === '"') {
      const end = up.indexOf('"', i + 1);
      if (end < 0) throw new ScanError('A STRING HAS NO CLOSING QUOTE');
      if (strict) strictString(up.slice(i + 1, end), up[end + 1] === '"');
      out.push({ k: 'str', v: up.slice(i + 1, end), pos });
      i = end + 1;
      continue;
    }
    if (strict && (c === "'" || c === '?' || c === ':')) throw new ScanError(`THE CHARACTER ${c} IS NOT PART OF ECMA-55 BASIC`);
    if (c === "'") { out.push({ k: 'kw', v: 'REM', pos }); out.push({ k: 'raw', v: text.slice(i + 1), pos }); break; }
    if (isLetter(c)) {
      // in a MAT statement, Dartmouth's matrix functions are names, not a name and a keyword (CON)
      const matWord = inMat && /^(ZER|CON|IDN|TRN|INV)(?![A-Z0-9$])/.exec(up.slice(i, i + 4));
      if (matWord) { out.push({ k: 'id', name: matWord[1].slice(0, 2), text: matWord[1], str: false, pos }); i += 3; continue; }
      const kw = keywordAt(up, i);
      if (kw) {
        if (strict) { lower(i, i + kw.length); strictKeyword(up, i, kw, alnum); }
        i += kw.length;
        if (kw === 'GO') {
          let j = i;
          while (j < n && up[j] === ' ') j++;
          if (up.startsWith('TO', j)) { out.push({ k: 'kw', v: 'GOTO', pos }); i = j + 2; continue; }
          if (up.startsWith('SUB', j)) { out.push({ k: 'kw', v: 'GOSUB', pos }); i = j + 3; continue; }
          throw new ScanError('GO MUST BE FOLLOWED BY TO OR SUB');
        }
        out.push({ k: 'kw', v: kw, pos });
        if (kw === 'REM') { out.push({ k: 'raw', v: text.slice(i), pos: i }); i = n; }
        else if (kw === 'DATA') {
          let j = i;
          let q = false;
          while (j < n && (q || up[j] !== ':')) { if (up[j] === '"') q = !q; j++; }
          out.push({ k: 'raw', v: text.slice(i, j), pos: i });
          i = j;
        }
        continue;
      }
      let j = i + 1;
      const afterOption = out.length > 0 && out[out.length - 1].k === 'kw' && (out[out.length - 1] as { v: string }).v === 'OPTION';
      if (strict && afterOption) while (j < n && isLetter(up[j])) j++; // OPTION BASE
      else if (strict) {
        // ECMA-55: a letter, then at most one digit; a string variable is a letter and "$".
        if (j < n && isDigit(up[j])) j++;
        if (up.startsWith('MAT', i) && !isLetter(up[i + 3] ?? ' ')) throw new ScanError('MAT IS NOT PART OF ECMA-55 MINIMAL BASIC');
        if (j < n && (isLetter(up[j]) || isDigit(up[j])) && !keywordAt(up, j)) {
          throw new ScanError(`${up.slice(i, j + 1)}: A NAME IN ECMA-55 BASIC IS A LETTER AND AT MOST ONE DIGIT`);
        }
        if (j < n && isLetter(up[j])) throw new ScanError(`${up.slice(i, j)}${keywordAt(up, j)}: A KEYWORD MUST BE SET APART BY SPACES IN ECMA-55 BASIC`);
        if (j === i + 2 && up[j] === '$') throw new ScanError(`${up.slice(i, j + 1)}: A STRING VARIABLE IN ECMA-55 BASIC IS A LETTER AND $`);
      } else while (j < n && (isLetter(up[j]) || isDigit(up[j])) && !keywordAt(up, j)) j++;
      lower(i, j);
      const word = up.slice(i, j);
      let str = false;
      let int = false;
      if (j < n && up[j] === '$') { str = true; j++; }
      // Microsoft's integer variables (A%, I%(3)): names of their own, holding whole numbers
      else if (!strict && j < n && up[j] === '%') { int = true; j++; }
      const name = word.slice(0, 2) + (str ? '$' : int ? '%' : '');
      out.push({ k: 'id', name, text: up.slice(i, j), str, pos });
      const prev = out[out.length - 2];
      if (word === 'MAT' && (prev === undefined || (prev.k === 'op' && prev.v === ':'))) inMat = true;
      i = j;
      continue;
    }
    const two = up.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '<>' || two === '=<' || two === '=>' || two === '><') {
      const v = two === '=<' ? '<=' : two === '=>' ? '>=' : two === '><' ? '<>' : two;
      out.push({ k: 'op', v, pos });
      i += 2;
      continue;
    }
    if (c === ':') inMat = false;
    if ('+-*/^=<>(),;:'.includes(c)) { out.push({ k: 'op', v: c, pos }); i++; continue; }
    if (c === '?') { out.push({ k: 'kw', v: 'PRINT', pos }); i++; continue; }
    throw new ScanError(`THE CHARACTER ${JSON.stringify(text[i])} IS NOT PART OF BASIC`);
  }
  out.push({ k: 'eol', pos: n });
  return out;
}

/**
 * ECMA-55 3: a quoted string holds the standard's characters only: none of `@ [ \\ ] ` { | } ~`, and
 * no quote (`"A""B"` is not a quote inside a string, NBS program 193). Lower case is the one
 * exception, accepted and documented as an implementation's choice may be: the NBS programs as
 * distributed print lower case in standard programs (25 and 108) as well as in the two error
 * programs about it (204 and 205), so accepting it is the reading that lets all four run.
 */
export function strictString(s: string, doubledQuote = false): void {
  if (doubledQuote) throw new ScanError('"" (A QUOTE INSIDE A STRING) IS NOT PART OF ECMA-55 BASIC');
  for (const ch of s) {
    if (!isStandardChar(ch)) throw new ScanError(`THE CHARACTER ${JSON.stringify(ch)} IN A STRING IS NOT PART OF ECMA-55 BASIC`);
  }
}

/** ECMA-55 3's string characters (positions 2/0-3/15 of the 7-bit code but the quote, A-Z, ^ and _), and a-z. */
function isStandardChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return ch.length === 1 && ((c >= 0x20 && c <= 0x3f && c !== 0x22) || (c >= 0x41 && c <= 0x5a) || c === 0x5e || c === 0x5f || (c >= 0x61 && c <= 0x7a));
}

// ECMA-55 keeps keywords apart from names and numbers (FORI=1TO10 is Microsoft's); FN is followed
// by its letter, and GO TO / GO SUB may have their space.
function strictKeyword(up: string, i: number, kw: string, alnum: (j: number) => boolean): void {
  const end = i + kw.length;
  if (alnum(i - 1) && !(up[i - 1] === 'F' && up.startsWith('FN', i - 1))) {
    throw new ScanError(`${kw}: A KEYWORD MUST BE SET APART BY SPACES IN ECMA-55 BASIC`);
  }
  if (kw === 'FN' || kw === 'GO' || kw === 'REM') return;
  if (alnum(end) && !(FUNCTION_WORDS.has(kw) && up[end] === '(')) {
    throw new ScanError(`${kw}: A KEYWORD MUST BE SET APART BY SPACES IN ECMA-55 BASIC`);
  }
}
