// The JIT tier. When the interpreter keeps arriving at the same branch target, the CPU asks for a
// *region* there: the code reachable from that target (fall-throughs, branch, jump and call
// targets, return points) that the interpreter has been seen to reach, translated into one
// JavaScript function with the guest registers in local variables and a `switch (pc)` over its
// blocks inside a loop, so loops and calls among those blocks never leave JavaScript. A block runs
// from one branch target to the next; a conditional branch inside it is a side exit (to another
// block, or out of the region where its target was never reached), so a loop body full of checks
// is one block, and a block that branches back to its own start becomes a plain JavaScript loop.
//
// Same results as the interpreter, always:
// - Translation reads the interpreter's decoded slots (decoding on demand), so both tiers see the
//   same instructions even when core was written without ctx.invalidate().
// - Cycles: a block is entered only if every one of its instructions would start below the budget
//   (used + cost-before-its-last < budget); otherwise the region returns REGION_TAIL and the CPU
//   finishes the slice in the interpreter. A trap, SVC or side exit inside a block gives back the
//   cycles of the instructions after it, so counts and stop points are exact for any slicing.
// - Traps set the same kind, pc and address; pc is left on the trapping instruction.
// - Stores check [0, codeEnd) like the interpreter, clear its decoded slots, and when the word is
//   covered by compiled code, drop the regions covering it and leave (the current region may be
//   among them).
// - base, limit and the stack region are read from the Context at every entry, never baked in,
//   so a partition may move between slices.
// Translated functions take everything as parameters, so one function serves every job running
// the same code: they are cached by their source text.
import type { Context } from './context.ts';
import { Op, Stop, Trap } from './isa.ts';
import type { WasmJit } from './jit-wasm.ts';

/** Access to the interpreter's decoder (decoded head: k | ra << 7 | rb << 12 | rc << 16 | cycles << 20). */
export interface Decoder {
  /** ISA opcode of each internal op; 0 for ops the JIT leaves to the interpreter (illegal, privileged) */
  readonly kop: Uint8Array;
  /** fills the decoded slot for pc if it is empty */
  slot(ctx: Context, core: Int32Array, pc: number): void;
}

export type RegionFn = (ctx: Context, r: Int32Array, f: Float64Array, core: Int32Array, f64: Float64Array,
  code: Int32Array, cover: Uint16Array, budget: number, J: JitState) => number;

/** Region result: pc left the region (a target it does not hold, or a store into compiled code). */
export const REGION_LEFT = -1;
/** Region result: the next block does not fit in the budget left; interpret the rest. */
export const REGION_TAIL = -2;

/** instructions in one region */
const MAX_REGION = 120;
/** instructions in one region translated to WebAssembly (compiled without speculation, in microseconds) */
const MAX_REGION_WASM = 240;
/** instructions one job may have translated, in all (bounds compile time and memory per job) */
const MAX_PER_JOB = 50_000;
/** times an entry's region may be dropped by stores into it before that entry stays interpreted */
const MAX_DROPS = 4;
/** translated functions kept for reuse, across jobs (least recently used go first) */
const CACHE_SIZE = 512;
const NEVER = -(2 ** 30);
/** times a WebAssembly region may be translated again to take in code it leaves for (see grow) */
const MAX_GROWTH = 3;

const fnCache = new Map<string, RegionFn>();

/** Process-wide totals, for tests and the bench. */
export const jitCounters = { regions: 0, instructions: 0, reused: 0 };

interface Region {
  fn: RegionFn;
  /** entries this region owns in JitState.entry */
  claimed: number[];
  /** pcs of its instructions (each covers pc and pc + 1) */
  pcs: number[];
  /** fall-throughs of its conditional branches inside its blocks (see JitState.inner) */
  inner: number[];
  /** where it was built from */
  entryPc: number;
  /** targets of its branches, jumps and calls (and fall-throughs) that it does not hold */
  exits: Set<number>;
  /** times it was translated again to take in one of its exits */
  growth: number;
}

/** A region translated, before it is installed. */
interface Built { fn: RegionFn; leaders: number[]; pcs: number[]; inner: number[]; exits: Set<number> }

/** One decoded instruction of a region. */
export interface Ins { pc: number; op: number; a: number; b: number; c: number; imm: number; cyc: number }

export const BR_INT: Record<number, string> = { [Op.BEQ]: '===', [Op.BNE]: '!==', [Op.BLT]: '<', [Op.BLE]: '<=', [Op.BGT]: '>', [Op.BGE]: '>=' };
export const BR_FLT: Record<number, string> = { [Op.FBEQ]: '===', [Op.FBNE]: '!==', [Op.FBLT]: '<', [Op.FBLE]: '<=', [Op.FBGT]: '>', [Op.FBGE]: '>=' };
export const ENDS_WALK = new Set([Op.JMP, Op.CALL, Op.RET, Op.SVC, Op.HALT]);

/** Per-job JIT state, kept in ctx.jit. */
export class JitState {
  /** cycles used by the last region call */
  used = 0;
  /** arrivals at each branch target, counted by the interpreter */
  readonly hot: Int32Array;
  /** the region to call when pc is at a block it owns */
  readonly entry: (RegionFn | undefined)[];
  /** for each word of [0, codeEnd + 2), how many live translated instructions cover it */
  readonly cover: Uint16Array;
  /** for each pc, how many live regions run through it as a branch's fall-through inside a block,
   *  with no entry of their own there. The interpreter arrives at such a pc only when it finishes
   *  a block a slice ended in the middle of; that is no reason to translate the code again. */
  private readonly inner: Uint16Array;
  private readonly drops: Uint8Array;
  /** WebAssembly: 1 where an instruction ran before the JIT started watching the job (see build) */
  private readonly ranCold: Uint8Array | null;
  private regions: Region[] = [];
  private translated = 0;

  /** `wasm`: the WebAssembly back end when the core lives in a WebAssembly.Memory (jit-wasm.ts) */
  constructor(private readonly ctx: Context, private readonly dec: Decoder, private readonly wasm: WasmJit | null = null) {
    this.hot = new Int32Array(ctx.cacheEnd);
    this.entry = new Array<RegionFn | undefined>(ctx.cacheEnd).fill(undefined);
    this.cover = new Uint16Array(ctx.codeEnd + 2);
    this.inner = new Uint16Array(ctx.cacheEnd);
    this.drops = new Uint8Array(ctx.cacheEnd);
    // The interpreter decodes an instruction when it first runs it: before any translation, the
    // decoded ones are the code that ran in the job's first cycles, before arrivals were counted.
    // (A JitState made again later also counts what translations decoded; only regions' shapes
    // depend on it, never results.)
    this.ranCold = wasm === null ? null : new Uint8Array(ctx.cacheEnd);
    if (this.ranCold !== null) {
      const code = ctx.code, ran = this.ranCold;
      for (let p = 0; p < ran.length; p++) if (code[p << 1] !== 0) ran[p] = 1;
    }
  }

  /** live regions and translated instructions (for tests and the bench) */
  stats(): { regions: number; instructions: number } {
    return { regions: this.regions.length, instructions: this.regions.reduce((n, g) => n + g.pcs.length, 0) };
  }

  /** Translates the region entered at pc (0 <= pc < cacheEnd); marks pc never-hot if it cannot. */
  compile(pc: number, core: Int32Array, hotAt: number): void {
    // Warm, so that a region built through it later still goes on past its branch.
    if (this.inner[pc] !== 0) { this.hot[pc] = 1; return; }
    if (this.grow(pc, core, hotAt)) return;
    const g = this.translated < MAX_PER_JOB ? this.build(pc, core) : null;
    if (g === null) { this.hot[pc] = NEVER; return; }
    this.install(g, pc, hotAt, 0);
  }

  private install(g: Built, entryPc: number, hotAt: number, growth: number): void {
    this.translated += g.pcs.length;
    jitCounters.regions++;
    jitCounters.instructions += g.pcs.length;
    const { fn, leaders } = g;
    const claimed: number[] = [];
    for (const s of leaders) {
      if (this.entry[s] === undefined && this.hot[s] !== NEVER) {
        this.entry[s] = fn;
        this.hot[s] = hotAt;
        claimed.push(s);
      }
    }
    for (const p of g.pcs) { this.cover[p]++; this.cover[p + 1]++; }
    for (const p of g.inner) this.inner[p]++;
    this.regions.push({ fn, claimed, pcs: g.pcs, inner: g.inner, entryPc, exits: g.exits, growth });
  }

  /**
   * WebAssembly: code that became hot where a region leaves for it is taken into that region (the
   * region is translated again from its entry, now that the code is warm), rather than becoming a
   * region of its own. Code that runs in a fresh process before the JIT starts, or that only the
   * region itself reached, was never counted warm when the region was built: the extended dialect's
   * FOR calls a routine that pushes the loop's record, and each FOR of an inner loop left its region
   * for the routine's region and came back, two round trips through the dispatcher per FOR (12,000
   * in MATMUL, 20 ms in a fresh process). False when pc is no region's exit, or the region grew
   * enough, or the new translation does not hold pc (a full region): then pc gets a region of its own.
   */
  private grow(pc: number, core: Int32Array, hotAt: number): boolean {
    if (this.wasm === null || this.translated >= MAX_PER_JOB) return false;
    const old = this.regions.find((g) => g.exits.has(pc) && g.growth < MAX_GROWTH);
    if (old === undefined) return false;
    const g = this.build(old.entryPc, core);
    if (g === null || !g.leaders.includes(pc)) return false;
    this.release(old);
    this.regions = this.regions.filter((x) => x !== old);
    this.install(g, old.entryPc, hotAt, old.growth + 1);
    return true;
  }

  /** A store wrote words [lo, hi) covered by translated code: drop every region covering them. */
  hit(lo: number, hi: number): void {
    const keep: Region[] = [];
    for (const g of this.regions) {
      if (g.pcs.some((p) => p < hi && p + 1 >= lo)) this.drop(g);
      else keep.push(g);
    }
    this.regions = keep;
  }

  /** ctx.invalidate(start, end): words written from outside the CPU. */
  invalidate(start: number, end: number): void {
    const lo = Math.max(0, start), hi = Math.min(end, this.cover.length);
    for (let v = lo; v < hi; v++) if (this.cover[v] !== 0) { this.hit(lo, hi); return; }
  }

  /** Its code was overwritten: gone, and its entries counted towards never translating them again. */
  private drop(g: Region): void {
    this.release(g);
    for (const s of g.claimed) this.hot[s] = ++this.drops[s] >= MAX_DROPS ? NEVER : 0;
  }

  /** Its words and entries are no longer covered by it (dropped, or replaced by a grown copy). */
  private release(g: Region): void {
    for (const p of g.pcs) { this.cover[p]--; this.cover[p + 1]--; }
    for (const p of g.inner) this.inner[p]--;
    for (const s of g.claimed) this.entry[s] = undefined;
  }

  private build(entryPc: number, core: Int32Array): Built | null {
    const ctx = this.ctx, code = ctx.code, cacheEnd = ctx.cacheEnd, kop = this.dec.kop, hot = this.hot;
    const seen = new Map<number, Ins>();
    const leaders = new Set<number>([entryPc]);
    const queue = [entryPc];
    const inRange = (p: number) => p >= 0 && p < cacheEnd;
    // JavaScript: only code the interpreter has been seen to reach goes in: a branch target or a
    // branch's fall-through that no one arrived at stays outside (leaving the region there). V8
    // optimises a region once it is hot and gives up that optimisation ("insufficient type
    // feedback") the first time a path it never ran is taken, then optimises it again, each time
    // for tens of milliseconds: code that is not run yet is better left out.
    // WebAssembly is compiled without speculation, so code not reached yet goes in too, after all
    // the code that was (`cold`): branches' fall-throughs, backward branches' targets and jumps'
    // targets, which is how the loops around a hot inner loop go on after it and start again. So
    // they join its region at once instead of becoming regions of their own as they warm up, each
    // one a translation in a process that has not optimised the translator yet. Forward targets of
    // conditional branches nobody took stay out: error reports and slow paths (which made V8's
    // optimising compile of MATMUL's region four times as long), and any other code they lead to
    // is reached by a fall-through too, or becomes a region of its own if it gets hot.
    const wasm = this.wasm !== null;
    const max = wasm ? MAX_REGION_WASM : MAX_REGION;
    const cold: number[] = [];
    // Code that ran before the JIT watched the job is warm too: the extended dialect's FOR calls a
    // routine that pushes the loop's record, and MATMUL's first FORs called it only then; left out,
    // it made the region be translated again (grow) as soon as the region left for it, 3-5 ms.
    const ranCold = this.ranCold;
    const warm = (p: number) => hot[p] !== 0 || (ranCold !== null && ranCold[p] !== 0);
    while ((queue.length > 0 || cold.length > 0) && seen.size < max) {
      let p = queue.length > 0 ? queue.shift()! : cold.shift()!;
      while (inRange(p) && !seen.has(p) && seen.size < max) {
        this.dec.slot(ctx, core, p);
        const h = code[p << 1];
        const op = kop[h & 127];
        if (op === 0) break;
        const ins: Ins = { pc: p, op, a: (h >>> 7) & 31, b: (h >>> 12) & 15, c: (h >>> 16) & 15, imm: code[(p << 1) + 1], cyc: h >>> 20 };
        seen.set(p, ins);
        const cond = isBranch(op);
        const target = ((op === Op.JMP || op === Op.CALL) && ins.b === 0) || cond ? ins.imm : -1;
        if (target >= 0 && inRange(target)) {
          leaders.add(target);
          if (warm(target)) queue.push(target);
          // (a subroutine nobody called yet, a BASIC program's PRINT at the end, stays out too)
          else if (wasm && (op === Op.JMP || (cond && target < p))) cold.push(target);
        }
        // return points: a subroutine or the supervisor comes back there
        if (op === Op.CALL || op === Op.SVC) { leaders.add(p + 2); queue.push(p + 2); }
        // A loop's closing branch ends its block, so that a body branching back to its own start
        // becomes a loop of its own (blocksOf's selfLoop) and not a pass through the region's
        // dispatch at every iteration: the extended dialect's NEXT goes on after its branch back
        // (popping the loop's record), and MATMUL's inner loop ran 3-4 times slower that way.
        if (cond && target >= 0 && target <= p) leaders.add(p + 2);
        if (ENDS_WALK.has(op)) break;
        if (cond && !warm(p + 2)) { if (wasm) cold.push(p + 2); break; }
        p += 2;
      }
    }
    if (!seen.has(entryPc)) return null;
    const starts = [...leaders].filter((s) => seen.has(s)).sort((x, y) => x - y);
    const inner = [...seen.values()].filter((x) => isBranch(x.op) && seen.has(x.pc + 2) && !leaders.has(x.pc + 2)).map((x) => x.pc + 2);
    const exits = new Set<number>();
    for (const x of seen.values()) {
      const t = ((x.op === Op.JMP || x.op === Op.CALL) && x.b === 0) || isBranch(x.op) ? x.imm : -1;
      if (t >= 0 && !seen.has(t)) exits.add(t);
      if (!ENDS_WALK.has(x.op) && !seen.has(x.pc + 2)) exits.add(x.pc + 2);
    }
    const wasmFn = this.wasm !== null ? this.wasm.region(starts, seen, ctx.codeEnd) : null;
    if (wasmFn !== null) return { fn: wasmFn, leaders: starts, pcs: [...seen.keys()], inner, exits };
    const src = emitRegion(starts, seen, ctx.codeEnd);
    let fn = fnCache.get(src);
    if (fn === undefined) {
      fn = new Function('ctx', 'r', 'f', 'core', 'f64', 'code', 'cover', 'budget', 'J', src) as RegionFn;
      if (fnCache.size >= CACHE_SIZE) fnCache.delete(fnCache.keys().next().value!);
    } else {
      fnCache.delete(src);
      jitCounters.reused++;
    }
    fnCache.set(src, fn);
    return { fn, leaders: starts, pcs: [...seen.keys()], inner, exits };
  }
}

const lit = (n: number) => (n < 0 ? `(${n})` : String(n));
const R = (i: number) => (i === 0 ? '0' : `r${i}`);
export const isBranch = (op: number): boolean => BR_INT[op] !== undefined || BR_FLT[op] !== undefined;

// How a region's JavaScript hands control back: `st` holds REGION_LEFT, REGION_TAIL or a Stop.
const LEFT = `st = ${REGION_LEFT}; break out;`;
const TAIL = `st = ${REGION_TAIL}; break out;`;

/** A basic block: entered only at its start; it may leave early at a conditional branch whose
 *  other path leaves the block (a side exit), and always leaves at its end. */
export interface Block { start: number; ins: Ins[]; cost: number; selfLoop: boolean; next: number }

/** What one instruction's translation needs to know about where it stands. */
interface Site {
  ins: Ins;
  /** cycles of the block's instructions after this one, given back when it leaves early */
  back: number;
  /** the block's closing branch back to its own start (the block is a JavaScript loop) */
  loopBack: boolean;
  /** the last instruction of its block */
  last: boolean;
  /** the start of the next block in the switch (falling into it needs no jump), or -1 */
  next: number;
}

/** The state of one region's translation: registers used and written (to load and store them
 *  around the switch), the blocks' starts, and the exits. */
class RegionWriter {
  readonly usedR = new Set<number>();
  readonly wroteR = new Set<number>();
  readonly usedF = new Set<number>();
  readonly wroteF = new Set<number>();

  constructor(private readonly isLeader: Set<number>, readonly codeEnd: number) {}

  /** an integer register read (r0 reads 0) */
  rd(i: number): string { if (i !== 0) this.usedR.add(i); return R(i); }
  /** an integer destination; a = 16 is the interpreter's sink for writes to r0: null, nothing to write */
  dst(i: number): string | null { if (i === 16 || i === 0) return null; this.usedR.add(i); this.wroteR.add(i); return `r${i}`; }
  fr(i: number): string { this.usedF.add(i); return `f${i}`; }
  fw(i: number): string { this.usedF.add(i); this.wroteF.add(i); return `f${i}`; }
  /** sp is written by every stack instruction */
  sp(): void { this.usedR.add(15); this.wroteR.add(15); }

  /** Control to t: a block of this region (nothing to do when it is `next`, the case that follows)
   *  or out of the region. */
  goTo(t: number, next = -1): string {
    if (!this.isLeader.has(t)) return `pc = ${t}; ${LEFT}`;
    return t === next ? '' : `pc = ${t}; continue out;`;
  }

  /** Leaves at s: a trap there, with the cycles of the instructions after it given back. */
  trap(s: Site, kind: number, addr: string): string {
    return `{ pc = ${s.ins.pc}; ${giveBack(s)}tk = ${kind}; ta = ${addr}; st = ${Stop.TRAP}; break out; }`;
  }

  /** Leaves after s (a store into translated code: this region may be one of those dropped). */
  leave(s: Site): string {
    return `{ pc = ${s.ins.pc + 2}; ${giveBack(s)}${LEFT} }`;
  }

  /** A conditional branch at s: taken, control goes to its target (early in the block, with the
   *  rest of the block's cycles given back); not taken, on to the next instruction. */
  branch(s: Site, cond: string): string {
    if (s.loopBack) return `if (!(${cond})) break;`;
    const taken = `if (${cond}) { ${giveBack(s)}${this.goTo(s.ins.imm)} }`;
    return s.last ? `${taken} ${this.goTo(s.ins.pc + 2, s.next)}` : taken;
  }
}

const giveBack = (s: Site): string => (s.back ? `used -= ${s.back}; ` : '');

/** The blocks at `starts`: each runs to the next start, an instruction that ends a walk, or a
 *  conditional branch whose fall-through is outside the region. */
export function blocksOf(starts: number[], seen: Map<number, Ins>): Block[] {
  const isLeader = new Set(starts);
  return starts.map((start, si) => {
    const ins: Ins[] = [];
    for (let p = start; ; p += 2) {
      const x = seen.get(p);
      if (x === undefined || (p !== start && isLeader.has(p))) break;
      ins.push(x);
      if (ENDS_WALK.has(x.op) || (isBranch(x.op) && !seen.has(p + 2))) break;
    }
    const last = ins[ins.length - 1];
    return {
      start, ins, cost: ins.reduce((n, x) => n + x.cyc, 0),
      selfLoop: isBranch(last.op) && last.imm === start,
      next: si + 1 < starts.length ? starts[si + 1] : -1,
    };
  });
}

/** JavaScript source of a region: blocks at `starts`, instructions in `seen`. */
function emitRegion(starts: number[], seen: Map<number, Ins>, codeEnd: number): string {
  const w = new RegionWriter(new Set(starts), codeEnd);
  const out: string[] = [];
  for (const block of blocksOf(starts, seen)) {
    const { start, ins, cost, selfLoop, next } = block;
    const last = ins[ins.length - 1];
    out.push(`case ${start}:`);
    if (selfLoop) out.push('for (;;) {');
    // Enter only if every instruction of the block would start inside the budget.
    out.push(`if (used + ${cost - last.cyc} >= budget) { pc = ${start}; ${TAIL} }`, `used += ${cost};`);
    let done = 0;
    for (const x of ins) {
      done += x.cyc;
      out.push(emitIns(w, { ins: x, back: cost - done, loopBack: selfLoop && x === last, last: x === last, next }));
    }
    if (selfLoop) out.push('}', w.goTo(last.pc + 2, next));
    else if (!ENDS_WALK.has(last.op) && !isBranch(last.op)) out.push(w.goTo(last.pc + 2, next));
  }
  const regs = [...w.usedR].sort((x, y) => x - y), fregs = [...w.usedF].sort((x, y) => x - y);
  return [
    '"use strict";',
    // codeEnd is baked into the checks below; this line keeps it in the cache key too
    `// codeEnd ${codeEnd}`,
    `const base = ctx.base, hb = base >> 1, limit = ctx.limit, codeEnd = ${codeEnd}, cacheEnd = ${Math.max(0, codeEnd - 1)}, sl = ctx.stackLow, sh = ctx.stackHigh;`,
    `let pc = ctx.pc, used = 0, st = ${REGION_LEFT}, tk = 0, ta = 0, v = 0, sp = 0, x = 0;`,
    ...regs.map((i) => `let r${i} = r[${i}];`),
    ...fregs.map((i) => `let f${i} = f[${i}];`),
    'out: for (;;) { switch (pc) {',
    ...out,
    `default: ${LEFT}`,
    '} }',
    ...[...w.wroteR].sort((x, y) => x - y).map((i) => `r[${i}] = r${i};`),
    ...[...w.wroteF].sort((x, y) => x - y).map((i) => `f[${i}] = f${i};`),
    'ctx.pc = pc;',
    `if (st === ${Stop.TRAP}) { ctx.trapKind = tk; ctx.trapPc = pc; ctx.trapAddr = ta; }`,
    'J.used = used;',
    'return st;',
  ].join('\n');
}

/** One instruction, in the interpreter's order of effects. */
function emitIns(w: RegionWriter, s: Site): string {
  const { op, a, b, c, imm, pc } = s.ins;
  const rd = (i: number): string => w.rd(i), fr = (i: number): string => w.fr(i), fw = (i: number): string => w.fw(i);
  const trap = (kind: number, addr: string) => w.trap(s, kind, addr);
  const set = (e: string) => { const d = w.dst(a); return d === null ? '' : `${d} = ${e};`; };
  // operand 2 of RRX forms, as int32: r[c] + imm
  const X = c === 0 ? lit(imm) : imm === 0 ? rd(c) : `((${rd(c)} + ${lit(imm)}) | 0)`;
  // a memory address r[b] + r[c] + imm, as int32
  const addr = () => {
    const t = [b !== 0 ? rd(b) : '', c !== 0 ? rd(c) : '', imm !== 0 ? lit(imm) : ''].filter((e) => e !== '');
    return t.length === 0 ? '0' : t.length === 1 ? t[0] : `(${t.join(' + ')}) | 0`;
  };
  // a fixed address: known when translating (a BASIC variable, a constant)
  const fixed = b === 0 && c === 0 && imm >= 0;
  const ADDR = Trap.ADDRESS;
  const fixedAbove = (end: number) => fixed && imm >= end;
  switch (op) {
    case Op.NOP: return '';
    case Op.LI: return set(lit(imm));
    case Op.MOV: return set(rd(b));
    case Op.ADD: return set(`(${rd(b)} + ${X}) | 0`);
    case Op.SUB: return set(`(${rd(b)} - ${X}) | 0`);
    case Op.MUL: return set(`Math.imul(${rd(b)}, ${X})`);
    case Op.DIV: case Op.MOD:
      return `v = ${X}; if (v === 0) ${trap(Trap.DIVIDE, '0')} ` + set(`(${rd(b)} ${op === Op.DIV ? '/' : '%'} v) | 0`);
    case Op.AND: return set(`${rd(b)} & ${X}`);
    case Op.OR: return set(`${rd(b)} | ${X}`);
    case Op.XOR: return set(`${rd(b)} ^ ${X}`);
    case Op.SHL: return set(`${rd(b)} << ${X}`);
    case Op.SHR: return set(`(${rd(b)} >>> ${X}) | 0`);
    case Op.SRA: return set(`${rd(b)} >> ${X}`);
    case Op.NEG: return set(`(-${rd(b)}) | 0`);
    case Op.NOT: return set(`~${rd(b)}`);
    case Op.LA: return set(addr());
    case Op.LD: {
      const d = w.dst(a);
      if (fixed) return `if (${imm} >= limit) ${trap(ADDR, String(imm))}` + (d === null ? '' : ` ${d} = core[base + ${imm}];`);
      return `v = ${addr()}; if ((v >>> 0) >= limit) ${trap(ADDR, 'v')}` + (d === null ? '' : ` ${d} = core[base + v];`);
    }
    case Op.ST:
      if (fixed) {
        // a fixed address above the code (a BASIC variable) needs no check for self-modification
        return `if (${imm} >= limit) ${trap(ADDR, String(imm))} core[base + ${imm}] = ${rd(a)};` + (fixedAbove(w.codeEnd) ? '' :
          ` if (${imm} < codeEnd) { code[${imm << 1}] = 0; ${imm > 0 ? `code[${(imm - 1) << 1}] = 0; ` : ''}if (cover[${imm}] !== 0) { J.hit(${imm}, ${imm + 1}); ${w.leave(s)} } }`);
      }
      return `v = ${addr()}; if ((v >>> 0) >= limit) ${trap(ADDR, 'v')} core[base + v] = ${rd(a)};` +
        ` if (v < codeEnd) { code[v << 1] = 0; if (v > 0) code[(v - 1) << 1] = 0; if (cover[v] !== 0) { J.hit(v, v + 1); ${w.leave(s)} } }`;
    case Op.LDF: case Op.STF: {
      if (fixed && (imm & 1) === 0) {
        // both words inside the partition, known aligned: one check
        const head = `if (${imm + 1} >= limit) ${trap(ADDR, `${imm} >= limit ? ${imm} : ${imm + 1}`)}`;
        const cell = `f64[hb + ${imm >> 1}]`;
        if (op === Op.LDF) return `${head} ${fw(a)} = ${cell};`;
        if (fixedAbove(w.codeEnd + 1)) return `${head} ${cell} = ${fr(a)};`;
      }
      const head = `v = ${addr()}; if ((v >>> 0) >= limit) ${trap(ADDR, 'v')} if (v + 1 >= limit) ${trap(ADDR, 'v + 1')}` +
        ` if ((v & 1) !== 0) ${trap(Trap.ALIGNMENT, 'v')}`;
      if (op === Op.LDF) return `${head} ${fw(a)} = f64[(base + v) >> 1];`;
      return `${head} f64[(base + v) >> 1] = ${fr(a)}; if (v <= codeEnd) { if (v > 0) code[(v - 1) << 1] = 0;` +
        ` if (v < cacheEnd) code[v << 1] = 0; if (v + 1 < cacheEnd) code[(v + 1) << 1] = 0;` +
        ` if (cover[v] !== 0 || cover[v + 1] !== 0) { J.hit(v, v + 2); ${w.leave(s)} } }`;
    }
    case Op.FMOV: return `${fw(a)} = ${fr(b)};`;
    case Op.FADD: return `${fw(a)} = ${fr(b)} + ${fr(c)};`;
    case Op.FSUB: return `${fw(a)} = ${fr(b)} - ${fr(c)};`;
    case Op.FMUL: return `${fw(a)} = ${fr(b)} * ${fr(c)};`;
    case Op.FDIV: return `${fw(a)} = ${fr(b)} / ${fr(c)};`;
    case Op.FPOW: return `${fw(a)} = Math.pow(${fr(b)}, ${fr(c)});`;
    case Op.FNEG: return `${fw(a)} = -${fr(b)};`;
    case Op.FABS: return `${fw(a)} = Math.abs(${fr(b)});`;
    case Op.FSGN: return `x = ${fr(b)}; ${fw(a)} = x > 0 ? 1 : x < 0 ? -1 : 0;`;
    case Op.FFLOOR: return `${fw(a)} = Math.floor(${fr(b)});`;
    case Op.FSQRT: return `${fw(a)} = Math.sqrt(${fr(b)});`;
    case Op.FSIN: return `${fw(a)} = Math.sin(${fr(b)});`;
    case Op.FCOS: return `${fw(a)} = Math.cos(${fr(b)});`;
    case Op.FTAN: return `${fw(a)} = Math.tan(${fr(b)});`;
    case Op.FATN: return `${fw(a)} = Math.atan(${fr(b)});`;
    case Op.FEXP: return `${fw(a)} = Math.exp(${fr(b)});`;
    case Op.FLOG: return `${fw(a)} = Math.log(${fr(b)});`;
    case Op.ITOF: return `${fw(a)} = ${rd(b)};`;
    case Op.FTOI:
      return `x = ${fr(b)}; ` + set('x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : x | 0');
    case Op.JMP: return b === 0 ? w.goTo(imm) : `pc = (${rd(b)} + ${lit(imm)}) | 0; continue out;`;
    case Op.CALL: {
      w.sp();
      const push = `sp = (r15 - 1) | 0; if (sp < sl) ${trap(Trap.STACK_OVERFLOW, 'sp')} if (sp >= sh) ${trap(ADDR, 'sp')}` +
        ` r15 = sp; core[base + sp] = ${pc + 2};`;
      return b === 0 ? `${push} ${w.goTo(imm)}` : `${push} pc = (${rd(b)} + ${lit(imm)}) | 0; continue out;`;
    }
    case Op.RET:
      w.sp();
      return `sp = r15; if (sp >= sh) ${trap(Trap.STACK_UNDERFLOW, 'sp')} if (sp < sl) ${trap(ADDR, 'sp')}` +
        ' r15 = sp + 1; pc = core[base + sp]; continue out;';
    case Op.PUSH:
      w.sp();
      return `sp = (r15 - 1) | 0; if (sp < sl) ${trap(Trap.STACK_OVERFLOW, 'sp')} if (sp >= sh) ${trap(ADDR, 'sp')}` +
        ` r15 = sp; core[base + sp] = ${rd(a)};`;
    case Op.POP: {
      w.sp();
      const d = w.dst(a);
      return `sp = r15; if (sp >= sh) ${trap(Trap.STACK_UNDERFLOW, 'sp')} if (sp < sl) ${trap(ADDR, 'sp')}` +
        ` r15 = sp + 1;` + (d === null ? '' : ` ${d} = core[base + sp];`);
    }
    case Op.FPUSH:
      w.sp();
      return `sp = (r15 - 2) | 0; if (sp < sl) ${trap(Trap.STACK_OVERFLOW, 'sp')} if (sp + 1 >= sh) ${trap(ADDR, 'sp')}` +
        ` if ((sp & 1) !== 0) ${trap(Trap.ALIGNMENT, 'sp')} r15 = sp; f64[(base + sp) >> 1] = ${fr(a)};`;
    case Op.FPOP:
      w.sp();
      return `sp = r15; if (sp + 1 >= sh) ${trap(Trap.STACK_UNDERFLOW, 'sp')} if (sp < sl) ${trap(ADDR, 'sp')}` +
        ` if ((sp & 1) !== 0) ${trap(Trap.ALIGNMENT, 'sp')} r15 = sp + 2; ${fw(a)} = f64[(base + sp) >> 1];`;
    case Op.SVC: return `ctx.svcNumber = ${imm}; pc = ${pc + 2}; st = ${Stop.SVC}; break out;`;
    case Op.HALT: return `pc = ${pc + 2}; st = ${Stop.HALT}; break out;`;
    default: {
      const ci = BR_INT[op], cf = BR_FLT[op];
      if (ci) return w.branch(s, `${rd(a)} ${ci} ${rd(b)}`);
      if (cf) return w.branch(s, `${fr(a)} ${cf} ${fr(b)}`);
      throw new Error(`jit: no translation for opcode 0x${op.toString(16)}`);
    }
  }
}
