// The disassembler: words back to assembly text that the assembler turns into the same words.
// A word pair is shown as an instruction only if it is one in canonical form (a known opcode, zero
// reserved bits, zero in every field its format does not use); anything else is a `.word`.
// Addresses are absolute numbers (branch targets included), with each line's address as a comment.
import { Fmt, OP_BY_CODE, HEAD_RESERVED_MASK, headA, headB, headC, headOp, type OpInfo } from './isa.ts';
import { SERVICE_BY_NUMBER } from './services.ts';

// Which of a, b, c, imm each format uses.
const USES: Record<number, [boolean, boolean, boolean, boolean]> = {
  [Fmt.None]: [false, false, false, false],
  [Fmt.RI]: [true, false, false, true],
  [Fmt.RR]: [true, true, false, false],
  [Fmt.RRX]: [true, true, true, true],
  [Fmt.Mem]: [true, true, true, true],
  [Fmt.FMem]: [true, true, true, true],
  [Fmt.FF]: [true, true, false, false],
  [Fmt.FFF]: [true, true, true, false],
  [Fmt.FR]: [true, true, false, false],
  [Fmt.RF]: [true, true, false, false],
  [Fmt.BrR]: [true, true, false, true],
  [Fmt.BrF]: [true, true, false, true],
  [Fmt.Jump]: [false, true, false, true],
  [Fmt.R]: [true, false, false, false],
  [Fmt.F]: [true, false, false, false],
  [Fmt.Imm]: [false, false, false, true],
};

/** The instruction in words (head, imm) as text, or undefined if it is not a canonical instruction. */
export function formatInstruction(head: number, imm: number): string | undefined {
  const info: OpInfo | undefined = OP_BY_CODE[headOp(head)];
  if (!info || (head & HEAD_RESERVED_MASK) !== 0) return undefined;
  const a = headA(head), b = headB(head), c = headC(head);
  const [ua, ub, uc, ui] = USES[info.fmt];
  if ((!ua && a) || (!ub && b) || (!uc && c) || (!ui && imm)) return undefined;
  const r = (n: number) => `r${n}`;
  const f = (n: number) => `f${n}`;
  const addr = (bb: number, cc: number, d: number) =>
    bb === 0 && cc === 0 ? `${d}` : cc === 0 ? `${d}(${r(bb)})` : `${d}(${r(bb)},${r(cc)})`;
  let ops: string;
  switch (info.fmt) {
    case Fmt.None: ops = ''; break;
    case Fmt.RI: ops = `${r(a)}, ${imm}`; break;
    case Fmt.RR: ops = `${r(a)}, ${r(b)}`; break;
    case Fmt.RRX: {
      const x = c === 0 ? `${imm}` : imm === 0 ? r(c) : imm > 0 ? `${r(c)}+${imm}` : `${r(c)}${imm}`;
      ops = `${r(a)}, ${r(b)}, ${x}`;
      break;
    }
    case Fmt.Mem: ops = `${r(a)}, ${addr(b, c, imm)}`; break;
    case Fmt.FMem: ops = `${f(a)}, ${addr(b, c, imm)}`; break;
    case Fmt.FF: ops = `${f(a)}, ${f(b)}`; break;
    case Fmt.FFF: ops = `${f(a)}, ${f(b)}, ${f(c)}`; break;
    case Fmt.FR: ops = `${f(a)}, ${r(b)}`; break;
    case Fmt.RF: ops = `${r(a)}, ${f(b)}`; break;
    case Fmt.BrR: ops = `${r(a)}, ${r(b)}, ${imm}`; break;
    case Fmt.BrF: ops = `${f(a)}, ${f(b)}, ${imm}`; break;
    case Fmt.Jump: ops = b === 0 ? `${imm}` : `${imm}(${r(b)})`; break;
    case Fmt.R: ops = r(a); break;
    case Fmt.F: ops = f(a); break;
    case Fmt.Imm: ops = info.name === 'SVC' && SERVICE_BY_NUMBER.has(imm) ? SERVICE_BY_NUMBER.get(imm)!.name : `${imm}`; break;
    default: return undefined;
  }
  return ops ? `${info.name} ${ops}` : info.name;
}

function wordComment(w: number): string {
  return w >= 32 && w < 127 ? `  '${String.fromCharCode(w)}'` : '';
}

/** Disassembles words[start, end) (default: all of them). The text assembles back to the same
 *  words (placed from address 0). */
export function disassemble(words: Int32Array, start = 0, end = words.length): string {
  const out: string[] = [];
  const stop = Math.min(end, words.length);
  let p = Math.max(0, start);
  while (p < stop) {
    const text = p + 1 < stop ? formatInstruction(words[p], words[p + 1]) : undefined;
    if (text !== undefined) {
      out.push(`        ${text.padEnd(28)}; ${p}`);
      p += 2;
    } else {
      out.push(`        ${`.word ${words[p]}`.padEnd(28)}; ${p}${wordComment(words[p])}`);
      p += 1;
    }
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
