// The JIT's WebAssembly back end. A region (see jit.ts) becomes one WebAssembly function instead of
// one JavaScript function, when the machine's core lives in a WebAssembly.Memory (wasmCore()).
//
// Why: a fresh process spent most of a compute-bound program's time waiting for V8 to optimise the
// JavaScript regions. V8 runs new JavaScript unoptimised, optimises it only once it has type
// feedback, and throws the optimised code away ("insufficient type feedback") when a path it never
// ran is taken, then optimises again: on the benchmarks' programs that was 40-60 ms of warm-up per
// program against 10-25 ms of steady work. WebAssembly is typed, so there is nothing to speculate
// on: V8 compiles it at once with its baseline compiler (microseconds) and replaces it with
// optimised code in the background, and it never deoptimises.
//
// The translation is the JavaScript back end's, instruction for instruction: the same blocks, the
// same budget test at a block's start, the same give-back of cycles on a side exit, trap or SVC,
// the same traps with the same pc and address, the same checks for stores into code. Registers
// travel through a small exchange area after the core in the same memory.
import type { Context } from './context.ts';
import { Op, Stop, Trap } from './isa.ts';
import { blocksOf, ENDS_WALK, isBranch, REGION_LEFT, REGION_TAIL, type Ins, type JitState, type RegionFn } from './jit.ts';
import { F64, FuncWriter, I32, moduleBytes, O } from './wasm-code.ts';

// The exchange area (byte offsets from its start): r0-r15, f0-f15, then pc, used, tk, ta.
const X_R = 0, X_F = 64, X_PC = 192, X_USED = 196, X_TK = 200, X_TA = 204, X_BYTES = 208;

/** The largest budget handed to a region (its cycle count is an i32). */
const MAX_BUDGET = 2 ** 30;
/** Tuning, for tests: blocks spanning at most `denseSpan` words are dispatched by a table (one
 *  entry per word), others by a binary search. */
export const wasmOptions = { denseSpan: 1024 };
/** compiled modules kept per memory (least recently used go first) */
const CACHE_SIZE = 512;

// Locals: the parameters, then the i32 scratch and registers, then the f64 ones.
const P_PC = 0, P_BUDGET = 1, P_BASE = 2, P_LIMIT = 3, P_SL = 4, P_SH = 5;
const L_USED = 6, L_ST = 7, L_TK = 8, L_TA = 9, L_V = 10, L_SP = 11, L_MB = 12;
const L_R = (i: number) => 12 + i; // r1..r15: 13..27
const L_X = 28;
const L_F = (i: number) => 29 + i; // f0..f15: 29..44
const LOCALS: [number, number][] = [[22, I32], [17, F64]];

// Imported functions, by index.
// (a module imports only those it calls: instantiating compiles a wrapper for each import)
const FN_SIN = 0, FN_COS = 1, FN_TAN = 2, FN_ATAN = 3, FN_EXP = 4, FN_LOG = 5, FN_POW = 6, FN_SMC = 7, FN_SMCF = 8;
const TYPES = [
  { params: [F64], results: [F64] },
  { params: [F64, F64], results: [F64] },
  { params: [I32], results: [I32] },
  { params: [I32, I32, I32, I32, I32, I32], results: [I32] },
];
const IMPORTS = [
  { name: 'sin', type: 0 }, { name: 'cos', type: 0 }, { name: 'tan', type: 0 }, { name: 'atan', type: 0 },
  { name: 'exp', type: 0 }, { name: 'log', type: 0 }, { name: 'pow', type: 1 }, { name: 'smc', type: 2 }, { name: 'smcf', type: 2 },
];
const UNARY: Record<number, number> = { [Op.FSIN]: FN_SIN, [Op.FCOS]: FN_COS, [Op.FTAN]: FN_TAN, [Op.FATN]: FN_ATAN, [Op.FEXP]: FN_EXP, [Op.FLOG]: FN_LOG };
const INT_CMP: Record<number, O> = { [Op.BEQ]: O.i32_eq, [Op.BNE]: O.i32_ne, [Op.BLT]: O.i32_lt_s, [Op.BLE]: O.i32_le_s, [Op.BGT]: O.i32_gt_s, [Op.BGE]: O.i32_ge_s };
const FLT_CMP: Record<number, O> = { [Op.FBEQ]: O.f64_eq, [Op.FBNE]: O.f64_ne, [Op.FBLT]: O.f64_lt, [Op.FBLE]: O.f64_le, [Op.FBGT]: O.f64_gt, [Op.FBGE]: O.f64_ge };
const FLT_BIN: Record<number, O> = { [Op.FADD]: O.f64_add, [Op.FSUB]: O.f64_sub, [Op.FMUL]: O.f64_mul, [Op.FDIV]: O.f64_div };
const INT_BIN: Record<number, O> = { [Op.ADD]: O.i32_add, [Op.SUB]: O.i32_sub, [Op.MUL]: O.i32_mul, [Op.AND]: O.i32_and, [Op.OR]: O.i32_or, [Op.XOR]: O.i32_xor, [Op.SHL]: O.i32_shl, [Op.SHR]: O.i32_shr_u, [Op.SRA]: O.i32_shr_s };

const backends = new WeakMap<ArrayBufferLike, WasmJit>();

/** A machine's core of `words` words in a WebAssembly.Memory, so that its JIT can translate to
 *  WebAssembly. Everything else sees an ordinary Int32Array. */
export function wasmCore(words: number): Int32Array {
  const xb = Math.ceil((words * 4) / 8) * 8;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((xb + X_BYTES) / 65536)) });
  } catch {
    // A memory reserves address space beyond its size; a process with a great many machines may
    // run out of it. Such a core is an ordinary array and its JIT translates to JavaScript.
    return new Int32Array(words);
  }
  const core = new Int32Array(memory.buffer, 0, words);
  backends.set(memory.buffer, new WasmJit(memory, xb));
  return core;
}

/** The WebAssembly back end for a core made by wasmCore(), or null. */
export function wasmJitFor(core: Int32Array): WasmJit | null {
  return core.byteOffset === 0 ? backends.get(core.buffer) ?? null : null;
}

/** Process-wide count of regions translated to WebAssembly (for tests and the bench). */
export const wasmCounters = { regions: 0, calls: 0, declined: 0 };

/** One memory's back end: its exchange area, its helpers, its compiled regions. */
export class WasmJit {
  private readonly xr: Int32Array;
  private readonly xf: Float64Array;
  private readonly cache = new Map<string, WebAssembly.Instance>();
  private readonly imports: WebAssembly.Imports;
  // the job whose region is running, for the store-into-code helpers
  private code: Int32Array = new Int32Array(0);
  private cover: Uint16Array = new Uint16Array(0);
  private J: JitState | null = null;
  private cacheEnd = 0;

  constructor(private readonly memory: WebAssembly.Memory, private readonly xb: number) {
    this.xr = new Int32Array(memory.buffer, xb, X_BYTES / 4);
    this.xf = new Float64Array(memory.buffer, xb + X_F, 16);
    // A store below codeEnd: forget the decoded slots it overlaps, as the interpreter does; 1 if it
    // wrote into translated code (the regions covering it are dropped and the region must leave).
    const smc = (v: number): number => {
      this.code[v << 1] = 0;
      if (v > 0) this.code[(v - 1) << 1] = 0;
      if (this.cover[v] !== 0) { this.J!.hit(v, v + 1); return 1; }
      return 0;
    };
    const smcf = (v: number): number => {
      if (v > 0) this.code[(v - 1) << 1] = 0;
      if (v < this.cacheEnd) this.code[v << 1] = 0;
      if (v + 1 < this.cacheEnd) this.code[(v + 1) << 1] = 0;
      if (this.cover[v] !== 0 || this.cover[v + 1] !== 0) { this.J!.hit(v, v + 2); return 1; }
      return 0;
    };
    this.imports = { m: { mem: memory, sin: Math.sin, cos: Math.cos, tan: Math.tan, atan: Math.atan, exp: Math.exp, log: Math.log, pow: Math.pow, smc, smcf } };
  }

  /** The region's function, or null if it cannot be translated here (the caller uses JavaScript). */
  region(starts: number[], seen: Map<number, Ins>, codeEnd: number): RegionFn | null {
    const w = new RegionWriter(starts, codeEnd, this.xb);
    const bytes = w.module(seen);
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    let inst = this.cache.get(key);
    if (inst === undefined) {
      inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), this.imports);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    } else this.cache.delete(key);
    this.cache.set(key, inst);
    wasmCounters.regions++;
    return this.wrap(inst.exports.run as (pc: number, budget: number, base: number, limit: number, sl: number, sh: number) => number,
      Int8Array.from(w.usedR), Int8Array.from(w.wroteR), Int8Array.from(w.usedF), Int8Array.from(w.wroteF), w.sites);
  }

  private wrap(run: (pc: number, budget: number, base: number, limit: number, sl: number, sh: number) => number,
    usedR: Int8Array, wroteR: Int8Array, usedF: Int8Array, wroteF: Int8Array, sites: Sites): RegionFn {
    const xr = this.xr, xf = this.xf;
    return (ctx: Context, r: Int32Array, f: Float64Array, _core: Int32Array, _f64: Float64Array,
      code: Int32Array, cover: Uint16Array, budget: number, J: JitState): number => {
      for (let i = 0; i < usedR.length; i++) xr[usedR[i]] = r[usedR[i]];
      for (let i = 0; i < usedF.length; i++) xf[usedF[i]] = f[usedF[i]];
      this.code = code; this.cover = cover; this.J = J; this.cacheEnd = ctx.cacheEnd;
      const b = budget > MAX_BUDGET ? MAX_BUDGET : budget;
      let st = run(ctx.pc, b, ctx.base, ctx.limit, ctx.stackLow, ctx.stackHigh);
      wasmCounters.calls++;
      for (let i = 0; i < wroteR.length; i++) r[wroteR[i]] = xr[wroteR[i]];
      for (let i = 0; i < wroteF.length; i++) f[wroteF[i]] = xf[wroteF[i]];
      ctx.pc = xr[X_PC >> 2];
      J.used = xr[X_USED >> 2];
      if (st === AT_SITE) {
        // left at a site, its number in tk: where it goes on, the cycles to give back, and why
        const i = xr[X_TK >> 2], v = xr[X_TA >> 2], kind = sites.kind[i];
        ctx.pc = sites.pc[i];
        J.used -= sites.back[i];
        if (kind === SIDE_EXIT) st = REGION_LEFT;
        // a budget cut to fit: the block that did not fit may fit in the rest
        else if (kind === TAIL) st = b !== budget ? REGION_LEFT : REGION_TAIL;
        else {
          st = Stop.TRAP;
          ctx.trapPc = ctx.pc;
          if (kind !== DOUBLE_ACCESS) { ctx.trapKind = kind; ctx.trapAddr = v; }
          // the interpreter's order: the first word, the second, then the alignment
          else if ((v >>> 0) >= ctx.limit) { ctx.trapKind = Trap.ADDRESS; ctx.trapAddr = v; }
          else if (v + 1 >= ctx.limit) { ctx.trapKind = Trap.ADDRESS; ctx.trapAddr = v + 1; }
          else { ctx.trapKind = Trap.ALIGNMENT; ctx.trapAddr = v; }
        }
      } else if (st === Stop.SVC) ctx.svcNumber = xr[X_TK >> 2];
      else if (st === REGION_TAIL) wasmCounters.declined++;
      return st;
    };
  }
}

/** st of a region that left at one of its sites (the site's number in tk) */
const AT_SITE = -3;
/** Kinds of site besides a trap's kind: a conditional branch out of the region, a block that does
 *  not fit in the budget left (pc at its start), LDF/STF at a computed address (one test in the
 *  region covers the three traps it may raise; the wrapper tells which from the address). */
const SIDE_EXIT = -1, TAIL = -2, DOUBLE_ACCESS = -3;

/** The places a region leaves from, by number, other than its blocks' ends, SVC and HALT: it leaves
 *  with only that number (and an address) set, a few bytes where setting pc, cycles, kind and
 *  state took up to thirty. The extended dialect's MATMUL region has 95 of them, and every
 *  byte is written by the translator (unoptimised in a fresh process), compiled by the baseline
 *  compiler and again by the optimising one, which a short program's process waits for at exit. */
interface Sites { pc: number[]; back: number[]; kind: number[] }

/** An address known when translating, small enough that its byte offset is a memory immediate. */
const isFixed = (x: Ins): boolean => x.b === 0 && x.c === 0 && x.imm >= 0 && x.imm < 2 ** 28;

/** LDF/STF at a fixed even address (STF above the code, so it needs no check for self-modification). */
const fixedDouble = (x: Ins, codeEnd: number): boolean =>
  isFixed(x) && (x.imm & 1) === 0 && (x.op === Op.LDF || (x.op === Op.STF && x.imm >= codeEnd + 1));

/** The highest word the region's fixed-address loads and stores touch, or -1 if none. */
function fixedNeed(seen: Map<number, Ins>, codeEnd: number): number {
  let need = -1;
  for (const x of seen.values()) {
    if ((x.op === Op.LD || x.op === Op.ST) && isFixed(x)) need = Math.max(need, x.imm);
    else if (fixedDouble(x, codeEnd)) need = Math.max(need, x.imm + 1);
  }
  return need;
}

/** Where one instruction stands in its block (as in jit.ts). */
interface Site { ins: Ins; back: number; loopBack: boolean; last: boolean; next: number }

/** One region's WebAssembly function. */
class RegionWriter {
  readonly usedR = new Set<number>();
  readonly wroteR = new Set<number>();
  readonly usedF = new Set<number>();
  readonly wroteF = new Set<number>();
  private readonly isLeader: Set<number>;
  private readonly w = new FuncWriter();
  /** the helpers called, in the order of their function indices in the module */
  readonly imports: number[] = [];
  readonly sites: Sites = { pc: [], back: [], kind: [] };

  constructor(private readonly starts: number[], private readonly codeEnd: number, private readonly xb: number) {
    this.isLeader = new Set(starts);
  }

  module(seen: Map<number, Ins>): Uint8Array {
    const w = this.w, starts = this.starts;
    const blocks = blocksOf(starts, seen);
    const lo = starts[0], span = starts[starts.length - 1] - lo + 1;
    w.block('exit').block('site');
    // The fixed addresses (a BASIC program's variables) are checked against the limit once, at
    // entry, not at every access: if one is outside the partition, the region declines to run and
    // the slice is interpreted, which traps exactly where it must (nothing has run yet).
    const need = fixedNeed(seen, this.codeEnd);
    if (need >= 0) {
      w.i32(need).get(P_LIMIT).op(O.i32_ge_s).if_();
      w.i32(REGION_TAIL).set(L_ST).br('exit').end();
    }
    w.loop('disp').block('leave');
    for (let i = blocks.length - 1; i >= 0; i--) w.block(`c${blocks[i].start}`);
    // Dispatch on pc to the blocks' labels (block i's label is i deep, 'leave' n deep): a table
    // with an entry per word from the lowest start when the starts are close together (one
    // region's own code), else a binary search (a region that also holds subroutines far away).
    if (span <= wasmOptions.denseSpan) {
      const depths = new Int32Array(span).fill(blocks.length);
      for (let i = 0; i < blocks.length; i++) depths[blocks[i].start - lo] = i;
      w.get(P_PC).i32(lo).op(O.i32_sub).brTableDepths(depths, blocks.length);
    } else this.search(blocks.map((b) => b.start), 0, blocks.length - 1);
    for (const block of blocks) {
      w.end(); // the code of this case follows the end of its label's block
      const { start, ins, cost, selfLoop, next } = block;
      const last = ins[ins.length - 1];
      if (selfLoop) w.loop('self');
      // enter only if every instruction of the block would start inside the budget
      w.get(L_USED).i32(cost - last.cyc).op(O.i32_add).get(P_BUDGET).op(O.i32_ge_s).if_();
      this.site(start, 0, TAIL); w.end();
      w.get(L_USED).i32(cost).op(O.i32_add).set(L_USED);
      let done = 0;
      for (const x of ins) {
        done += x.cyc;
        this.ins({ ins: x, back: cost - done, loopBack: selfLoop && x === last, last: x === last, next });
      }
      if (selfLoop) { w.end(); this.goTo(last.pc + 2, next); }
      else if (!ENDS_WALK.has(last.op) && !isBranch(last.op)) this.goTo(last.pc + 2, next);
    }
    w.end(); // 'leave': pc is not a block of this region (st is already REGION_LEFT)
    w.end().br('exit'); // 'disp'
    w.end().i32(AT_SITE).set(L_ST); // 'site': tk (and ta) are set
    w.end(); // 'exit'
    // prologue and epilogue, now that the registers used are known
    const f = new FuncWriter();
    f.get(P_BASE).i32(2).op(O.i32_shl).set(L_MB).i32(REGION_LEFT).set(L_ST);
    for (const i of [...this.usedR].sort((x, y) => x - y)) f.i32(0).mem(O.i32_load, 2, this.xb + X_R + 4 * i).set(L_R(i));
    for (const i of [...this.usedF].sort((x, y) => x - y)) f.i32(0).mem(O.f64_load, 3, this.xb + X_F + 8 * i).set(L_F(i));
    f.bytes(w);
    for (const i of this.wroteR) f.i32(0).get(L_R(i)).mem(O.i32_store, 2, this.xb + X_R + 4 * i);
    for (const i of this.wroteF) f.i32(0).get(L_F(i)).mem(O.f64_store, 3, this.xb + X_F + 8 * i);
    f.i32(0).get(P_PC).mem(O.i32_store, 2, this.xb + X_PC);
    f.i32(0).get(L_USED).mem(O.i32_store, 2, this.xb + X_USED);
    f.i32(0).get(L_TK).mem(O.i32_store, 2, this.xb + X_TK);
    f.i32(0).get(L_TA).mem(O.i32_store, 2, this.xb + X_TA);
    f.get(L_ST);
    return moduleBytes(TYPES, this.imports.map((i) => IMPORTS[i]), 3, LOCALS, f);
  }

  /** The module's function index of helper FN_x (imported on first use). */
  private fn(helper: number): number {
    let i = this.imports.indexOf(helper);
    if (i < 0) { i = this.imports.length; this.imports.push(helper); }
    return i;
  }

  /** Branches to the block of starts[i..j] that pc names, or leaves. */
  private search(starts: number[], i: number, j: number): void {
    const w = this.w;
    if (i === j) { w.get(P_PC).i32(starts[i]).op(O.i32_eq).brIf(`c${starts[i]}`).br('leave'); return; }
    const m = (i + j) >> 1;
    w.get(P_PC).i32(starts[m + 1]).op(O.i32_lt_s).if_();
    this.search(starts, i, m);
    w.end();
    this.search(starts, m + 1, j);
  }

  // registers: reading r0 gives 0; writes to r0 (its sink is 16) are dropped
  private rd(i: number): void { if (i === 0) this.w.i32(0); else { this.usedR.add(i); this.w.get(L_R(i)); } }
  private dst(i: number): number | null { if (i === 0 || i === 16) return null; this.usedR.add(i); this.wroteR.add(i); return L_R(i); }
  private fr(i: number): void { this.usedF.add(i); this.w.get(L_F(i)); }
  private fw(i: number): number { this.usedF.add(i); this.wroteF.add(i); return L_F(i); }
  private sp(): void { this.usedR.add(15); this.wroteR.add(15); }
  private setPc(pc: number): void { this.w.i32(pc).set(P_PC); }
  private giveBack(s: Site): void { if (s.back) this.w.get(L_USED).i32(s.back).op(O.i32_sub).set(L_USED); }

  /** Control to t: a block of this region (nothing to do when it is `next`) or out of the region. */
  private goTo(t: number, next = -1): void {
    if (!this.isLeader.has(t)) { this.setPc(t); this.w.br('exit'); return; }
    if (t !== next) { this.setPc(t); this.w.br('disp'); }
  }

  /** A trap at s: addr() pushes the address reported. */
  private trap(s: Site, kind: number, addr: () => void): void {
    addr(); this.w.set(L_TA);
    this.site(s.ins.pc, s.back, kind);
  }

  /** Leaves at a new site: on at pc, `back` cycles given back. */
  private site(pc: number, back: number, kind: number): void {
    const t = this.sites;
    this.w.i32(t.pc.length).set(L_TK).br('site');
    t.pc.push(pc); t.back.push(back); t.kind.push(kind);
  }

  /** if (cond on the stack) trap */
  private trapIf(s: Site, kind: number, addr: () => void): void { this.w.if_(); this.trap(s, kind, addr); this.w.end(); }

  /** Leaves after s (a store into translated code). */
  private leave(s: Site): void { this.setPc(s.ins.pc + 2); this.giveBack(s); this.w.br('exit'); }

  /** operand 2 of integer arithmetic: r[c] + imm */
  private X(c: number, imm: number): void {
    if (c === 0) this.w.i32(imm);
    else if (imm === 0) this.rd(c);
    else { this.rd(c); this.w.i32(imm).op(O.i32_add); }
  }

  /** r[b] + r[c] + imm, wrapped */
  private addr(b: number, c: number, imm: number): void {
    let n = 0;
    if (b !== 0) { this.rd(b); n++; }
    if (c !== 0) { this.rd(c); if (n++ > 0) this.w.op(O.i32_add); }
    if (imm !== 0 || n === 0) { this.w.i32(imm); if (n++ > 0) this.w.op(O.i32_add); }
  }

  /** the byte address in memory of virtual word `v` (a local) */
  private byteAddr(local: number): void { this.w.get(L_MB).get(local).i32(2).op(O.i32_shl).op(O.i32_add); }

  /** v = address; trap ADDRESS unless 0 <= v < limit */
  private checkedAddr(s: Site): void {
    const w = this.w, { b, c, imm } = s.ins;
    this.addr(b, c, imm); w.tee(L_V).get(P_LIMIT).op(O.i32_ge_u);
    this.trapIf(s, Trap.ADDRESS, () => w.get(L_V));
  }

  private branch(s: Site, cond: () => void): void {
    const w = this.w;
    cond();
    if (s.loopBack) { w.brIf('self'); return; }
    w.if_();
    if (this.isLeader.has(s.ins.imm)) { this.giveBack(s); this.goTo(s.ins.imm); } else this.site(s.ins.imm, s.back, SIDE_EXIT);
    w.end();
    if (s.last) this.goTo(s.ins.pc + 2, s.next);
  }

  private ins(s: Site): void {
    const w = this.w;
    const { op, a, b, c, imm, pc } = s.ins;
    // a fixed address: known when translating (a BASIC variable, a constant); small enough that
    // its byte offset is a memory immediate
    const fixed = isFixed(s.ins);
    const setR = (value: () => void) => { const d = this.dst(a); if (d !== null) { value(); w.set(d); } };
    switch (op) {
      case Op.NOP: return;
      case Op.LI: setR(() => w.i32(imm)); return;
      case Op.MOV: setR(() => this.rd(b)); return;
      case Op.ADD: case Op.SUB: case Op.MUL: case Op.AND: case Op.OR: case Op.XOR: case Op.SHL: case Op.SHR: case Op.SRA:
        setR(() => { this.rd(b); this.X(c, imm); w.op(INT_BIN[op]); });
        return;
      case Op.DIV: case Op.MOD: {
        this.X(c, imm); w.tee(L_V).op(O.i32_eqz);
        this.trapIf(s, Trap.DIVIDE, () => w.i32(0));
        setR(() => {
          if (op === Op.MOD) { this.rd(b); w.get(L_V).op(O.i32_rem_s); return; }
          // JavaScript's (x / v) | 0 gives -2^31 for -2^31 / -1, where i32.div_s would trap
          w.get(L_V).i32(-1).op(O.i32_eq).if_(I32).i32(0); this.rd(b); w.op(O.i32_sub).else_();
          this.rd(b); w.get(L_V).op(O.i32_div_s).end();
        });
        return;
      }
      case Op.NEG: setR(() => { w.i32(0); this.rd(b); w.op(O.i32_sub); }); return;
      case Op.NOT: setR(() => { this.rd(b); w.i32(-1).op(O.i32_xor); }); return;
      case Op.LA: setR(() => this.addr(b, c, imm)); return;
      case Op.LD: {
        const d = this.dst(a);
        if (fixed) { // inside the partition: checked at entry
          if (d !== null) w.get(L_MB).mem(O.i32_load, 2, imm * 4).set(d);
          return;
        }
        this.checkedAddr(s);
        if (d !== null) { this.byteAddr(L_V); w.mem(O.i32_load, 2, 0).set(d); }
        return;
      }
      case Op.ST:
        if (fixed) { // inside the partition: checked at entry
          w.get(L_MB); this.rd(a); w.mem(O.i32_store, 2, imm * 4);
          // a fixed address above the code (a BASIC variable) needs no check for self-modification
          if (imm < this.codeEnd) { w.i32(imm).call(this.fn(FN_SMC)).if_(); this.leave(s); w.end(); }
          return;
        }
        this.checkedAddr(s);
        this.byteAddr(L_V); this.rd(a); w.mem(O.i32_store, 2, 0);
        w.get(L_V).i32(this.codeEnd).op(O.i32_lt_s).if_().get(L_V).call(this.fn(FN_SMC)).if_(); this.leave(s); w.end().end();
        return;
      case Op.LDF: case Op.STF: {
        if (fixedDouble(s.ins, this.codeEnd)) {
          // both words inside the partition (checked at entry), known aligned
          if (op === Op.LDF) w.get(L_MB).mem(O.f64_load, 3, imm * 4).set(this.fw(a));
          else { w.get(L_MB); this.fr(a); w.mem(O.f64_store, 3, imm * 4); }
          return;
        }
        // v >= limit, v + 1 >= limit or v odd, in one test: v >= limit - 1 as unsigned (a partition
        // is never empty when its code runs)
        this.addr(b, c, imm); w.tee(L_V).get(P_LIMIT).i32(1).op(O.i32_sub).op(O.i32_ge_u);
        w.get(L_V).i32(1).op(O.i32_and).op(O.i32_or);
        this.trapIf(s, DOUBLE_ACCESS, () => w.get(L_V));
        if (op === Op.LDF) { this.byteAddr(L_V); w.mem(O.f64_load, 3, 0).set(this.fw(a)); return; }
        this.byteAddr(L_V); this.fr(a); w.mem(O.f64_store, 3, 0);
        w.get(L_V).i32(this.codeEnd).op(O.i32_le_s).if_().get(L_V).call(this.fn(FN_SMCF)).if_(); this.leave(s); w.end().end();
        return;
      }
      case Op.FMOV: this.fr(b); w.set(this.fw(a)); return;
      case Op.FADD: case Op.FSUB: case Op.FMUL: case Op.FDIV: this.fr(b); this.fr(c); w.op(FLT_BIN[op]).set(this.fw(a)); return;
      case Op.FPOW: this.fr(b); this.fr(c); w.call(this.fn(FN_POW)).set(this.fw(a)); return;
      case Op.FNEG: this.fr(b); w.op(O.f64_neg).set(this.fw(a)); return;
      case Op.FABS: this.fr(b); w.op(O.f64_abs).set(this.fw(a)); return;
      case Op.FSGN:
        this.fr(b); w.set(L_X);
        w.get(L_X).f64c(0).op(O.f64_gt).if_(F64).f64c(1).else_()
          .get(L_X).f64c(0).op(O.f64_lt).if_(F64).f64c(-1).else_().f64c(0).end().end().set(this.fw(a));
        return;
      case Op.FFLOOR: this.fr(b); w.op(O.f64_floor).set(this.fw(a)); return;
      case Op.FSQRT: this.fr(b); w.op(O.f64_sqrt).set(this.fw(a)); return;
      case Op.FSIN: case Op.FCOS: case Op.FTAN: case Op.FATN: case Op.FEXP: case Op.FLOG:
        this.fr(b); w.call(this.fn(UNARY[op])).set(this.fw(a)); return;
      case Op.ITOF: this.rd(b); w.op(O.f64_convert_i32_s).set(this.fw(a)); return;
      // saturating, NaN to 0: exactly the interpreter's FTOI
      case Op.FTOI: setR(() => { this.fr(b); w.truncSat(); }); return;
      case Op.JMP:
        if (b === 0) { this.goTo(imm); return; }
        this.rd(b); w.i32(imm).op(O.i32_add).set(P_PC).br('disp');
        return;
      case Op.CALL:
        this.push(s, () => w.i32(pc + 2));
        if (b === 0) { this.goTo(imm); return; }
        this.rd(b); w.i32(imm).op(O.i32_add).set(P_PC).br('disp');
        return;
      case Op.RET:
        this.pop(s);
        w.get(L_MB).get(L_SP).i32(2).op(O.i32_shl).op(O.i32_add).mem(O.i32_load, 2, 0).set(P_PC).br('disp');
        return;
      case Op.PUSH: this.push(s, () => this.rd(a)); return;
      case Op.POP: {
        this.pop(s);
        const d = this.dst(a);
        if (d !== null) { this.byteAddr(L_SP); w.mem(O.i32_load, 2, 0).set(d); }
        return;
      }
      case Op.FPUSH:
        this.sp();
        w.get(L_R(15)).i32(2).op(O.i32_sub).tee(L_SP).get(P_SL).op(O.i32_lt_s);
        this.trapIf(s, Trap.STACK_OVERFLOW, () => w.get(L_SP));
        w.get(L_SP).get(P_SH).i32(1).op(O.i32_sub).op(O.i32_ge_s);
        this.trapIf(s, Trap.ADDRESS, () => w.get(L_SP));
        w.get(L_SP).i32(1).op(O.i32_and);
        this.trapIf(s, Trap.ALIGNMENT, () => w.get(L_SP));
        w.get(L_SP).set(L_R(15));
        this.byteAddr(L_SP); this.fr(a); w.mem(O.f64_store, 3, 0);
        return;
      case Op.FPOP:
        this.sp();
        w.get(L_R(15)).tee(L_SP).get(P_SH).i32(1).op(O.i32_sub).op(O.i32_ge_s);
        this.trapIf(s, Trap.STACK_UNDERFLOW, () => w.get(L_SP));
        w.get(L_SP).get(P_SL).op(O.i32_lt_s);
        this.trapIf(s, Trap.ADDRESS, () => w.get(L_SP));
        w.get(L_SP).i32(1).op(O.i32_and);
        this.trapIf(s, Trap.ALIGNMENT, () => w.get(L_SP));
        w.get(L_SP).i32(2).op(O.i32_add).set(L_R(15));
        this.byteAddr(L_SP); w.mem(O.f64_load, 3, 0).set(this.fw(a));
        return;
      case Op.SVC: w.i32(imm).set(L_TK); this.setPc(pc + 2); w.i32(Stop.SVC).set(L_ST).br('exit'); return;
      case Op.HALT: this.setPc(pc + 2); w.i32(Stop.HALT).set(L_ST).br('exit'); return;
      default: {
        const ci = INT_CMP[op], cf = FLT_CMP[op];
        if (ci !== undefined) { this.branch(s, () => { this.rd(a); this.rd(b); w.op(ci); }); return; }
        if (cf !== undefined) { this.branch(s, () => { this.fr(a); this.fr(b); w.op(cf); }); return; }
        throw new Error(`jit: no translation for opcode 0x${op.toString(16)}`);
      }
    }
  }

  /** sp = r15 - 1, checked; r15 = sp; M[sp] = value */
  private push(s: Site, value: () => void): void {
    const w = this.w;
    this.sp();
    w.get(L_R(15)).i32(1).op(O.i32_sub).tee(L_SP).get(P_SL).op(O.i32_lt_s);
    this.trapIf(s, Trap.STACK_OVERFLOW, () => w.get(L_SP));
    w.get(L_SP).get(P_SH).op(O.i32_ge_s);
    this.trapIf(s, Trap.ADDRESS, () => w.get(L_SP));
    w.get(L_SP).set(L_R(15));
    this.byteAddr(L_SP); value(); w.mem(O.i32_store, 2, 0);
  }

  /** sp = r15, checked; r15 = sp + 1 (the caller loads M[sp]) */
  private pop(s: Site): void {
    const w = this.w;
    this.sp();
    w.get(L_R(15)).tee(L_SP).get(P_SH).op(O.i32_ge_s);
    this.trapIf(s, Trap.STACK_UNDERFLOW, () => w.get(L_SP));
    w.get(L_SP).get(P_SL).op(O.i32_lt_s);
    this.trapIf(s, Trap.ADDRESS, () => w.get(L_SP));
    w.get(L_SP).i32(1).op(O.i32_add).set(L_R(15));
  }
}
