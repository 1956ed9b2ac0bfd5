// A small machine-word emitter: code, an initialised data area after it, and zeroed storage (bss)
// after that. Addresses are labels resolved when the image is finished, so the code generator never
// needs to know the final layout while it emits.
import { encodeHead, Op } from '../machine/isa.ts';

const enum Region { Code, Data, Bss }

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

export class Emitter {
  private codeBuf = new Int32Array(4096);
  private codeLen = 0;
  readonly data: number[] = [];
  private bssSize = 0;
  private labelRegion: Region[] = [];
  private labelOff: number[] = [];
  private codeFix: number[] = []; // pairs: word index, label
  private dataFix: number[] = [];
  private numConsts = new Map<string, number>();
  private strConsts = new Map<string, number>();
  private bssEnds: number[] = [];
  /** pc where each source line's code begins, and the line (-1 for run-time routines) */
  readonly lineStarts: number[] = [];
  readonly lineNums: number[] = [];

  label(): number { this.labelRegion.push(Region.Code); this.labelOff.push(-1); return this.labelRegion.length - 1; }
  bind(l: number): void { this.labelOff[l] = this.codeLen; }
  isBound(l: number): boolean { return this.labelOff[l] >= 0; }
  get pc(): number { return this.codeLen; }

  /** Marks where the code of a source line (or, with -1, of the run-time library) begins. */
  markLine(line: number): void {
    const n = this.lineStarts.length;
    if (n > 0 && this.lineStarts[n - 1] === this.pc) { this.lineNums[n - 1] = line; return; }
    this.lineStarts.push(this.pc);
    this.lineNums.push(line);
  }

  /** An instruction with a literal immediate. */
  op(op: number, a = 0, b = 0, c = 0, imm = 0): void {
    if (this.codeLen + 2 > this.codeBuf.length) this.grow();
    this.codeBuf[this.codeLen++] = encodeHead(op, a, b, c);
    this.codeBuf[this.codeLen++] = imm;
  }
  /** An instruction whose immediate is a label's address (plus addend). */
  opL(op: number, a: number, b: number, c: number, label: number, addend = 0): void {
    this.op(op, a, b, c, addend);
    this.codeFix.push(this.codeLen - 1, label);
  }

  private grow(): void {
    const n = new Int32Array(this.codeBuf.length * 2);
    n.set(this.codeBuf);
    this.codeBuf = n;
  }

  /** Zeroed words after the data; the label is even-aligned. */
  bss(words: number): number {
    this.bssSize += this.bssSize & 1;
    const l = this.labelFor(Region.Bss, this.bssSize);
    this.bssSize += words;
    return l;
  }
  /** The first word of bss, and (resolved when finishing) the word after its last. */
  bssStartLabel(): number { return this.labelFor(Region.Bss, 0); }
  bssEndLabel(): number { const l = this.labelFor(Region.Bss, 0); this.bssEnds.push(l); return l; }
  /** Initialised words in the data area (even-aligned start). */
  dataWords(words: number[], fix?: { at: number; label: number }[]): number {
    if (this.data.length & 1) this.data.push(0);
    const l = this.labelFor(Region.Data, this.data.length);
    const at = this.data.length;
    for (const w of words) this.data.push(w | 0);
    if (fix) for (const f of fix) this.dataFix.push(at + f.at, f.label);
    return l;
  }
  /** A double constant in the data area (shared). */
  num(v: number): number {
    const key = Object.is(v, -0) ? '-0' : String(v);
    let l = this.numConsts.get(key);
    if (l === undefined) { l = this.dataWords(doubleWords(v)); this.numConsts.set(key, l); }
    return l;
  }
  /** A string constant in BASIC's layout: a length word, then one character per word (shared). */
  str(s: string): number {
    let l = this.strConsts.get(s);
    if (l === undefined) {
      const w = [s.length];
      for (let i = 0; i < s.length; i++) w.push(s.charCodeAt(i));
      l = this.dataWords(w);
      this.strConsts.set(s, l);
    }
    return l;
  }

  private labelFor(r: Region, off: number): number {
    this.labelRegion.push(r);
    this.labelOff.push(off);
    return this.labelRegion.length - 1;
  }

  /** Resolves every label; returns the words, the end of code, and where bss starts and ends. */
  finish(): { words: Int32Array; codeEnd: number; bssStart: number; bssWords: number; unbound: number[] } {
    const codeEnd = this.codeLen;
    const code = this.codeBuf;
    const dataStart = codeEnd;
    const bssStart = (dataStart + this.data.length + 1) & ~1;
    for (const l of this.bssEnds) this.labelOff[l] = this.bssSize + (this.bssSize & 1);
    const unbound: number[] = [];
    const addr = (l: number): number => {
      const off = this.labelOff[l];
      switch (this.labelRegion[l]) {
        case Region.Code: if (off < 0) unbound.push(l); return off;
        case Region.Data: return dataStart + off;
        default: return bssStart + off;
      }
    };
    for (let i = 0; i < this.codeFix.length; i += 2) code[this.codeFix[i]] = (code[this.codeFix[i]] + addr(this.codeFix[i + 1])) | 0;
    for (let i = 0; i < this.dataFix.length; i += 2) this.data[this.dataFix[i]] = (this.data[this.dataFix[i]] + addr(this.dataFix[i + 1])) | 0;
    const words = new Int32Array(bssStart);
    words.set(code.subarray(0, codeEnd), 0);
    words.set(this.data, dataStart);
    return { words, codeEnd, bssStart, bssWords: this.bssSize + (this.bssSize & 1), unbound };
  }
}

export function doubleWords(v: number): number[] {
  f64[0] = v;
  return [i32[0], i32[1]];
}

export { Op };
