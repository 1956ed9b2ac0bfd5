// Where a program's data lives in its partition: variable cells, arrays, the DATA table, string
// temporaries, DEF FN parameters and the extended dialect's run-time state (the stack of active FOR
// loops, DEF flags, the heap DIM draws from). Code labels for all of it come from here.
import type { ArrayInfo, Checked, Datum } from './ast.ts';
import { SLOT_WORDS } from './checks.ts';
import type { Emitter } from './emitter.ts';

/**
 * An array's place. Static arrays (bounds known when compiling) are addressed with constants.
 * Dynamic ones (DIM with expressions, matrices MAT may redimension) have a descriptor:
 * [0] address of element (lo, lo), [1] upper bound 1, [2] upper bound 2 (0 for one dimension),
 * [3] elements per row, [4] capacity in elements, [5] 1 once a DIM has run.
 */
export interface ArrayPlace {
  info: ArrayInfo;
  label: number;
  lo: number;
  hi: number[];
  cols: number;
  esize: number;
  /** descriptor label for dynamic arrays */
  desc: number | null;
  capacity: number;
}
export const DESC_WORDS = 6;

/** Loop records on the FOR stack of the extended dialect: var address, body pc, limit, step, loop id.
 * 256 of them (8 KB of core): a subroutine that GOTOs out of its own loops leaves them open, as in 8K
 * BASIC, and H-I-Q does it on every illegal move (64 ended a long game). */
export const LOOP_WORDS = 8;
export const MAX_LOOPS = 256;
/** Words the extended dialect's DIM with expressions may take in all. */
export const HEAP_WORDS = 64 * 1024;

export class Storage {
  private readonly vars = new Map<string, number>();
  readonly arrays = new Map<string, ArrayPlace>();
  private readonly params = new Map<string, number>();
  private readonly temps: number[] = [];
  private readonly fnFlags = new Map<string, number>();
  /** the DATA table: per datum [kind (0 number, 1 string, 2 number beyond machine infinity), string address, double] */
  readonly dataTable: number;
  /** the index of the next datum READ takes */
  readonly dataPointer: number;
  private loopStack: { base: number; top: number; floor: number } | null = null;
  private heap: { base: number; next: number } | null = null;
  private cells = new Map<string, number>();

  constructor(private readonly e: Emitter, data: Datum[], checked: Checked) {
    const words: number[] = [];
    const fix: { at: number; label: number }[] = [];
    for (const d of data) {
      const at = words.length;
      words.push(d.kind === 'num' ? (d.overflow ? 2 : 0) : 1, 0, 0, 0);
      fix.push({ at: at + 1, label: e.str(d.str) });
      if (d.kind === 'num') {
        const w = new Int32Array(new Float64Array([d.num]).buffer);
        words[at + 2] = w[0];
        words[at + 3] = w[1];
      }
    }
    this.dataTable = e.dataWords(words, fix);
    this.dataPointer = e.bss(1);
    const lo = checked.base;
    for (const a of checked.arrays.values()) {
      const cols = a.bounds.length === 2 ? a.bounds[1] - lo + 1 : 1;
      const count = a.bounds.reduce((n, b) => n * (b - lo + 1), 1);
      const esize = a.str ? SLOT_WORDS : 2;
      const label = e.bss(count * esize);
      let desc: number | null = null;
      if (a.dynamic) {
        desc = e.dataWords([0, a.bounds[0], a.bounds[1] ?? 0, cols, count, 0], [{ at: 0, label }]);
      }
      this.arrays.set(a.name, { info: a, label, lo, hi: a.bounds, cols, esize, desc, capacity: count });
    }
  }

  variable(name: string): number {
    let l = this.vars.get(name);
    if (l === undefined) { l = this.e.bss(name.endsWith('$') ? SLOT_WORDS : 2); this.vars.set(name, l); }
    return l;
  }
  param(fn: string, name: string): number {
    const key = `${fn}:${name}`;
    let l = this.params.get(key);
    if (l === undefined) { l = this.e.bss(2); this.params.set(key, l); }
    return l;
  }
  /** A string slot for intermediate results at string depth d. */
  temp(d: number): number {
    while (this.temps.length <= d) this.temps.push(this.e.bss(SLOT_WORDS));
    return this.temps[d];
  }
  array(name: string): ArrayPlace {
    const a = this.arrays.get(name);
    if (!a) throw new Error(`no array ${name}`);
    return a;
  }
  /** Which DEF of a function has run (0: none yet): the extended dialect's DEF takes effect when
   *  executed. A data word, not bss, so CLEAR (which zeroes bss) leaves definitions alone. */
  fnFlag(name: string): number {
    let l = this.fnFlags.get(name);
    if (l === undefined) { l = this.e.dataWords([0]); this.fnFlags.set(name, l); }
    return l;
  }
  /** A named cell of `words` zeroed words (the last RND value, DET, ...). */
  cell(name: string, words = 2): number {
    let l = this.cells.get(name);
    if (l === undefined) { l = this.e.bss(words); this.cells.set(name, l); }
    return l;
  }
  /**
   * The FOR stack: `base` (records), `top` (a cell: the offset of the next free record, 0 before the
   * first FOR) and `floor` (a cell: where the running subroutine's loops begin; loops below it
   * belong to its callers).
   */
  loops(): { base: number; top: number; floor: number } {
    if (!this.loopStack) {
      // an empty record just below the stack: its loop id (0) matches no loop, so NEXT's short path
      // needs no test for an empty stack (loop ids are stored plus one)
      this.e.bss(LOOP_WORDS);
      this.loopStack = { base: this.e.bss(LOOP_WORDS * MAX_LOOPS), top: this.e.bss(2), floor: this.e.bss(2) };
    }
    return this.loopStack;
  }
  /** The heap: `base` and `next` (a cell: words used so far). */
  heapArea(): { base: number; next: number } {
    this.heap ??= { base: this.e.bss(HEAP_WORDS), next: this.e.bss(2) };
    return this.heap;
  }
}
