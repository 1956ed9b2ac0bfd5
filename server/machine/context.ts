// One job's CPU state. The monitor keeps one Context per job and hands it to CPU.run(); the CPU
// itself holds no per-job state. A Context also owns the job's decoded-instruction cache, which is
// indexed by VIRTUAL address so that moving a partition (changing `base`) leaves it valid.
//
// Construct with `new Context()` (everything zero, an empty cache); loadImage() fills it in. Code
// that builds a Context by hand must call setCode() after choosing codeEnd and keep the invariant
// codeEnd <= stackLow <= stackHigh <= limit (stack pushes are not checked against the cache).

import type { JitState } from './jit.ts';

export class Context {
  /** r0..r15; r[16] is where writes to r0 go, so r[0] always reads 0. r15 is SP. */
  readonly r = new Int32Array(17);
  /** f0..f15 (IEEE doubles) */
  readonly f = new Float64Array(16);
  /** virtual address of the next instruction */
  pc = 0;
  /** relocation register: physical core address of virtual 0 (even) */
  base = 0;
  /** partition size in words (even); valid virtual addresses are [0, limit) */
  limit = 0;
  /** the stack region [stackLow, stackHigh), virtual */
  stackLow = 0;
  stackHigh = 0;
  /** the decoded-instruction cache covers instructions wholly inside [0, codeEnd) */
  codeEnd = 0;
  /** set when run() returns Stop.SVC */
  svcNumber = 0;
  /** set when run() returns Stop.TRAP: the Trap kind, the pc of the offending instruction and the
   *  address involved (0 when no address is) */
  trapKind = 0;
  trapPc = 0;
  trapAddr = 0;

  // The decoded cache: slot v holds the instruction starting at virtual address v, for
  // v < cacheEnd (= codeEnd - 1, so both of its words lie in [0, codeEnd)); slot cacheEnd is scratch
  // space for instructions fetched from outside the cached range. Slot v is code[2v] (internal op
  // | a << 7 | b << 12 | c << 16 | cycles << 20; 0 means "not decoded yet") and code[2v+1]
  // (the immediate).
  // Internal (specialised) op numbers are private to cpu.ts.
  /** @internal */ code = new Int32Array(2);
  /** @internal */ cacheEnd = 0;
  /** @internal the JIT's compiled regions for this job's code (created by the CPU on first use) */
  jit: JitState | null = null;
  /** @internal cycles run before the JIT started watching this job */
  coldCycles = 0;

  /** Sets codeEnd and empties the decoded cache (sized for it). */
  setCode(codeEnd: number): void {
    const end = Math.max(0, Math.floor(codeEnd));
    this.codeEnd = end;
    this.cacheEnd = Math.max(0, end - 1);
    this.code = new Int32Array(2 * (this.cacheEnd + 1));
    this.jit = null;
    this.coldCycles = 0;
  }

  /** Forgets cached decodes of instructions overlapping virtual words [start, end). Whoever writes
   *  into a job's core from outside the CPU (a supervisor call filling a buffer) must call this. */
  invalidate(start: number, end: number): void {
    const from = Math.max(0, start - 1);
    const to = Math.min(end, this.cacheEnd);
    for (let v = from; v < to; v++) this.code[2 * v] = 0;
    if (this.jit !== null) this.jit.invalidate(start, end);
  }
}
