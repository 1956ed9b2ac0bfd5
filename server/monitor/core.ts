// Core allocation: which partition of the machine's core each job holds.
//
// Policy (see README.md): first fit over the holes between partitions. When no single hole is big
// enough but the free words in total are, the partitions are compacted: slid down to the bottom of
// core in address order (copying their words and moving their relocation registers), which leaves
// one hole at the top. Jobs that do not fit wait in a strict FIFO (the monitor's business), so a
// big job is never starved by a stream of small ones.

export interface Partition {
  readonly owner: number;
  base: number;
  readonly size: number;
}

export class CoreMap {
  /** partitions sorted by base */
  private parts: Partition[] = [];
  private used = 0;

  constructor(readonly total: number) {}

  get usedWords(): number {
    return this.used;
  }

  get freeWords(): number {
    return this.total - this.used;
  }

  partitions(): readonly Partition[] {
    return this.parts;
  }

  /**
   * A partition of `size` words for `owner`, or null when the free words in total are too few.
   * `move(owner, newBase)` is called for every partition compaction moves, after its words have
   * been copied within `core`.
   */
  allocate(owner: number, size: number, core: Int32Array, move: (owner: number, base: number) => void): number | null {
    if (size <= 0 || size > this.freeWords) return null;
    let base = this.firstFit(size);
    if (base < 0) {
      this.compact(core, move);
      base = this.firstFit(size);
      if (base < 0) throw new Error('core map: compaction left no hole'); // cannot happen: freeWords >= size
    }
    const p: Partition = { owner, base, size };
    const i = this.parts.findIndex((q) => q.base > base);
    if (i < 0) this.parts.push(p);
    else this.parts.splice(i, 0, p);
    this.used += size;
    return base;
  }

  free(owner: number): void {
    const i = this.parts.findIndex((p) => p.owner === owner);
    if (i < 0) return;
    this.used -= this.parts[i].size;
    this.parts.splice(i, 1);
  }

  private firstFit(size: number): number {
    let at = 0;
    for (const p of this.parts) {
      if (p.base - at >= size) return at;
      at = p.base + p.size;
    }
    return this.total - at >= size ? at : -1;
  }

  private compact(core: Int32Array, move: (owner: number, base: number) => void): void {
    let at = 0;
    for (const p of this.parts) {
      if (p.base !== at) {
        // Moving down in address order never overwrites a partition not yet moved.
        core.copyWithin(at, p.base, p.base + p.size);
        p.base = at;
        move(p.owner, at);
      }
      at += p.size;
    }
  }
}
