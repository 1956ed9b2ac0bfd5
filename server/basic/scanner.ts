// The scanner: one program line's text (after its line number) to tokens. It follows Microsoft
// BASIC's "crunching" rules so that the classic programs run unchanged: keywords are recognised
// anywhere outside strings, even without spaces around them (FORI=1TO10), and a variable name is a
// letter followed by letters and digits up to the next keyword; only the first two characters count.

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
  'RANDOMIZE', 'RESTORE', 'RETURN', 'OPTION', 'RIGHT$', 'INPUT', 'PRINT', 'GOSUB', 'LEFT$', 'THEN',
  'ELSE', 'STEP', 'NEXT', 'GOTO', 'STOP', 'DATA', 'READ', 'MID$', 'CHR$', 'STR$', 'LET', 'DIM',
  'DEF', 'REM', 'END', 'FOR', 'AND', 'NOT', 'TAB', 'SPC', 'ABS', 'ATN', 'COS', 'EXP', 'INT', 'LOG',
  'RND', 'SGN', 'SIN', 'SQR', 'TAN', 'LEN', 'ASC', 'VAL', 'IF', 'ON', 'TO', 'OR', 'FN', 'GO',
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

/** Tokens of one statement line. Lower-case letters outside strings, REM and DATA read as capitals. */
export function scanLine(text: string): Token[] {
  // Upper-case everything outside quotes; DATA and REM text is taken from `text` itself.
  const up = text.replace(/"[^"]*"?|[^"]+/g, (m) => (m[0] === '"' ? m : m.toUpperCase()));
  const out: Token[] = [];
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
      const t = up.slice(i, j);
      out.push({ k: 'num', v: Number(t), text: t, pos });
      i = j;
      continue;
    }
    if (c === '"') {
      const end = up.indexOf('"', i + 1);
      if (end < 0) throw new ScanError('A STRING HAS NO CLOSING QUOTE');
      out.push({ k: 'str', v: up.slice(i + 1, end), pos });
      i = end + 1;
      continue;
    }
    if (c === "'") { out.push({ k: 'kw', v: 'REM', pos }); out.push({ k: 'raw', v: text.slice(i + 1), pos }); break; }
    if (isLetter(c)) {
      const kw = keywordAt(up, i);
      if (kw) {
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
      while (j < n && (isLetter(up[j]) || isDigit(up[j])) && !keywordAt(up, j)) j++;
      const word = up.slice(i, j);
      let str = false;
      if (j < n && up[j] === '$') { str = true; j++; }
      const name = word.slice(0, 2) + (str ? '$' : '');
      out.push({ k: 'id', name, text: up.slice(i, j), str, pos });
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
    if ('+-*/^=<>(),;:'.includes(c)) { out.push({ k: 'op', v: c, pos }); i++; continue; }
    if (c === '?') { out.push({ k: 'kw', v: 'PRINT', pos }); i++; continue; }
    throw new ScanError(`THE CHARACTER ${JSON.stringify(text[i])} IS NOT PART OF BASIC`);
  }
  out.push({ k: 'eol', pos: n });
  return out;
}
