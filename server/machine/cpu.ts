// The interpreter: the hot path of the whole system. Instructions are decoded once into the job's
// Context cache (typed arrays indexed by virtual address) as specialised internal ops ("ADD with
// an immediate" when c = 0, "LD from r[b]+imm" when c = 0, writes to r0 redirected to r[16]), then
// executed by one switch in one function with pc and the cycle count in locals. The budget is
// checked before every instruction, which makes slicing exact: a run is a sequence of whole
// instructions, and the only thing a slice boundary changes is where run() returns.
import type { Context } from './context.ts';
import { JitState, REGION_LEFT, REGION_TAIL, type Decoder } from './jit.ts';
import { wasmJitFor, type WasmJit } from './jit-wasm.ts';
import {
  CYCLES, HEAD_RESERVED_MASK, OP_BY_CODE, Op, SP, Stop, Trap,
} from './isa.ts';

// Internal ops. Dense small numbers (below 128: they share the decoded head word with a, b, c
// and the cycle cost) so the switch compiles to a jump table; 0 = not decoded.
const enum K {
  NONE = 0,
  ILLEGAL, PRIV, FETCH, HALT, NOP, SVC,
  LI, MOV,
  ADDI, ADDR, ADDX, SUBI, SUBR, SUBX, MULI, MULX, DIV, MOD,
  ANDI, ANDX, ORI, ORX, XORI, XORX, SHLI, SHLX, SHRI, SHRX, SRAI, SRAX, NEG, NOT,
  LDI, LDX, STI, STX, LA, LDFI, LDFX, STFI, STFX,
  FMOV, FADD, FSUB, FMUL, FDIV, FPOW, FNEG, FABS, FSGN, FFLOOR, FSQRT, FSIN, FCOS, FTAN, FATN,
  FEXP, FLOG, ITOF, FTOI,
  JMPI, JMPX, BEQ, BNE, BLT, BLE, BGT, BGE, FBEQ, FBNE, FBLT, FBLE, FBGT, FBGE,
  CALL, RET, PUSH, POP, FPUSH, FPOP, PRIV1,
  COUNT, // must stay below 128
}

// Cycle cost of each internal op, from the ISA table (ILLEGAL and FETCH cost 1: the attempt).
const KCYC = new Uint8Array(K.COUNT);
// Internal op for each ISA opcode: [general form, form when c = 0 (or b = 0 for JMP), form when imm = 0].
const SPEC: [number, number, number][] = new Array(256);
{
  const def = (op: number, general: K, c0: K = general, imm0: K = general) => {
    SPEC[op] = [general, c0, imm0];
    KCYC[general] = CYCLES[op]; KCYC[c0] = CYCLES[op]; KCYC[imm0] = CYCLES[op];
  };
  def(Op.HALT, K.HALT); def(Op.NOP, K.NOP); def(Op.SVC, K.SVC);
  def(Op.LI, K.LI); def(Op.MOV, K.MOV);
  def(Op.ADD, K.ADDX, K.ADDI, K.ADDR); def(Op.SUB, K.SUBX, K.SUBI, K.SUBR);
  def(Op.MUL, K.MULX, K.MULI); def(Op.DIV, K.DIV); def(Op.MOD, K.MOD);
  def(Op.AND, K.ANDX, K.ANDI); def(Op.OR, K.ORX, K.ORI); def(Op.XOR, K.XORX, K.XORI);
  def(Op.SHL, K.SHLX, K.SHLI); def(Op.SHR, K.SHRX, K.SHRI); def(Op.SRA, K.SRAX, K.SRAI);
  def(Op.NEG, K.NEG); def(Op.NOT, K.NOT);
  def(Op.LD, K.LDX, K.LDI); def(Op.ST, K.STX, K.STI); def(Op.LA, K.LA);
  def(Op.LDF, K.LDFX, K.LDFI); def(Op.STF, K.STFX, K.STFI);
  def(Op.FMOV, K.FMOV); def(Op.FADD, K.FADD); def(Op.FSUB, K.FSUB); def(Op.FMUL, K.FMUL);
  def(Op.FDIV, K.FDIV); def(Op.FPOW, K.FPOW); def(Op.FNEG, K.FNEG); def(Op.FABS, K.FABS);
  def(Op.FSGN, K.FSGN); def(Op.FFLOOR, K.FFLOOR); def(Op.FSQRT, K.FSQRT); def(Op.FSIN, K.FSIN);
  def(Op.FCOS, K.FCOS); def(Op.FTAN, K.FTAN); def(Op.FATN, K.FATN); def(Op.FEXP, K.FEXP);
  def(Op.FLOG, K.FLOG); def(Op.ITOF, K.ITOF); def(Op.FTOI, K.FTOI);
  def(Op.JMP, K.JMPX, K.JMPI);
  def(Op.BEQ, K.BEQ); def(Op.BNE, K.BNE); def(Op.BLT, K.BLT); def(Op.BLE, K.BLE);
  def(Op.BGT, K.BGT); def(Op.BGE, K.BGE);
  def(Op.FBEQ, K.FBEQ); def(Op.FBNE, K.FBNE); def(Op.FBLT, K.FBLT); def(Op.FBLE, K.FBLE);
  def(Op.FBGT, K.FBGT); def(Op.FBGE, K.FBGE);
  def(Op.CALL, K.CALL); def(Op.RET, K.RET); def(Op.PUSH, K.PUSH); def(Op.POP, K.POP);
  def(Op.FPUSH, K.FPUSH); def(Op.FPOP, K.FPOP);
  def(Op.SETR, K.PRIV); def(Op.SIO, K.PRIV); def(Op.IDLE, K.PRIV1);
  KCYC[K.ILLEGAL] = 1;
  KCYC[K.FETCH] = 1;
  for (let code = 0; code < 256; code++) {
    if (OP_BY_CODE[code] && !SPEC[code]) throw new Error(`cpu: opcode 0x${code.toString(16)} has no implementation`);
  }
}

// Ops whose a field names a destination integer register: a write to r0 goes to r[16].
const WRITES_RA = new Uint8Array(256);
for (const name of ['LI', 'MOV', 'ADD', 'SUB', 'MUL', 'DIV', 'MOD', 'AND', 'OR', 'XOR', 'SHL', 'SHR', 'SRA',
  'NEG', 'NOT', 'LD', 'LA', 'FTOI', 'POP']) WRITES_RA[Op[name]] = 1;

const OP_JMP = Op.JMP;

// What the JIT needs to translate exactly what the interpreter would run: the decoded slots
// (decoding on demand, as the interpreter does) and each internal op's ISA opcode.
const KOP = new Uint8Array(K.COUNT);
for (let op = 0; op < 256; op++) {
  const sp3 = SPEC[op];
  if (sp3 && sp3[0] !== K.PRIV && sp3[0] !== K.PRIV1) for (const k of sp3) KOP[k] = op;
}

/** Fills the decoded slot of the instruction at virtual pc (0 <= pc < ctx.cacheEnd) if empty;
 *  the same decoding as the interpreter's inline one. */
function decodeSlot(ctx: Context, core: Int32Array, pc: number): void {
  const code = ctx.code, j = pc << 1;
  if (code[j] !== 0) return;
  const w = core[ctx.base + pc];
  const imm = core[ctx.base + pc + 1];
  const op = w >>> 24;
  const sp3 = SPEC[op];
  const a = (w >>> 20) & 15, b = (w >>> 16) & 15, c = (w >>> 12) & 15;
  let k: number;
  if (sp3 === undefined || (w & HEAD_RESERVED_MASK) !== 0) k = K.ILLEGAL;
  else if (op === OP_JMP) k = b === 0 ? sp3[1] : sp3[0];
  else if (c === 0) k = sp3[1];
  else if (imm === 0) k = sp3[2];
  else k = sp3[0];
  code[j] = k | ((a === 0 && WRITES_RA[op] === 1 ? 16 : a) << 7) | (b << 12) | (c << 16) | (KCYC[k] << 20);
  code[j + 1] = imm;
}

const DECODER: Decoder = { kop: KOP, slot: decodeSlot };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Options for `new CPU(core, opts)`. */
export interface CPUOptions {
  /** translate hot code into JavaScript (default CPU.defaults.jit) */
  jit?: boolean;
  /** arrivals at a branch target before its region is compiled (default CPU.defaults.hotThreshold) */
  hotThreshold?: number;
  /** cycles a job runs in the interpreter alone before the JIT starts watching it, so that short
   *  and interactive jobs never pay for its tables (default CPU.defaults.jitAfter) */
  jitAfter?: number;
}

/** interp() result: a control transfer reached a hot or compiled target (pc is that target). */
const JIT_ENTRY = 4;
/** interp() result: a store wrote words [hitLo, hitHi) covered by compiled code (pc is past it). */
const JIT_HIT = 5;

export class CPU {
  /** Defaults for CPUs constructed without options (tests flip these to run a suite both ways). */
  // jitAfter: 20,000 cycles (2 ms of rated CPU) spares short and interactive jobs the JIT's tables;
  // it was 200,000, but in a fresh process the interpreter itself runs unoptimised at first (V8
  // has not compiled it yet), at 100-300 ns a cycle: the first 200,000 cycles of the benchmarks'
  // programs cost 20-80 ms, most of their time in the interpreter for 1-3% of their cycles.
  static defaults: Required<CPUOptions> = { jit: true, hotThreshold: 50, jitAfter: 20_000 };
  /** The same for a core in a WebAssembly.Memory (jit-wasm.ts). A WebAssembly region costs a
   *  fraction of a millisecond to build and never deoptimises, so translating early wins: an
   *  unoptimised interpreter in a fresh process costs far more per cycle. 2,000 cycles still
   *  spare a one-line program the tables. */
  static wasmDefaults: Required<CPUOptions> = { jit: true, hotThreshold: 10, jitAfter: 2_000 };
  /** exact cycles used by the last run() */
  cycles = 0;
  /** whether hot code is translated to JavaScript; may be switched between runs */
  jit: boolean;
  readonly hotThreshold: number;
  readonly jitAfter: number;
  private readonly core: Int32Array;
  private readonly f64: Float64Array;
  /** the WebAssembly back end, when core was made by wasmCore() */
  private readonly wasm: WasmJit | null;
  private hitLo = 0;
  private hitHi = 0;

  /** `core` is the whole machine's memory, shared by all partitions. Doubles are read through a
   *  Float64Array view of the same buffer, so core must start on an 8-byte boundary. */
  constructor(core: Int32Array, opts: CPUOptions = {}) {
    if (!LITTLE_ENDIAN) throw new Error('cpu: this machine keeps doubles in little-endian word order; the host is big-endian');
    if (core.byteOffset % 8 !== 0) throw new Error('cpu: core must start on an 8-byte boundary');
    this.core = core;
    this.f64 = new Float64Array(core.buffer, core.byteOffset, core.length >> 1);
    this.wasm = wasmJitFor(core);
    const d = this.wasm !== null ? CPU.wasmDefaults : CPU.defaults;
    this.jit = opts.jit ?? d.jit;
    this.hotThreshold = Math.max(1, Math.floor(opts.hotThreshold ?? d.hotThreshold));
    this.jitAfter = Math.max(0, opts.jitAfter ?? d.jitAfter);
  }

  /** Runs the job until `budget` cycles are used (the last instruction may overshoot), an SVC,
   *  a trap or HALT. Runs at least one instruction if budget > 0. */
  run(ctx: Context, budget: number): Stop {
    if (!this.jit || ctx.cacheEnd === 0) {
      // Compiled code that the interpreter's stores would not invalidate must not survive.
      if (ctx.jit !== null) ctx.jit = null;
      return this.interp(ctx, budget, null) as Stop;
    }
    let used = 0;
    if (ctx.jit === null && ctx.coldCycles < this.jitAfter) {
      // Interpret only up to jitAfter, not the whole slice: a long slice (a private machine runs
      // 1,000,000 cycles at a time) would otherwise run all of it in the interpreter, unoptimised
      // in a fresh process. Stopping early and going on is invisible: slicing is exact.
      const cold = Math.min(budget, this.jitAfter - ctx.coldCycles);
      const s = this.interp(ctx, cold, null);
      ctx.coldCycles += this.cycles;
      if (s !== Stop.BUDGET || this.cycles >= budget) return s as Stop;
      used = this.cycles;
    }
    const jit = ctx.jit ?? (ctx.jit = new JitState(ctx, DECODER, this.wasm));
    const entry = jit.entry;
    const core = this.core, f64 = this.f64, r = ctx.r, f = ctx.f;
    // Once a region finds its next block does not fit in the budget left, the rest of the slice
    // is interpreted instruction by instruction, exactly as the interpreter alone would.
    let tail = false;
    for (;;) {
      if (used >= budget) { this.cycles = used; return Stop.BUDGET; }
      const pc = ctx.pc;
      const fn = !tail && (pc >>> 0) < ctx.cacheEnd ? entry[pc] : undefined;
      if (fn !== undefined) {
        const st = fn(ctx, r, f, core, f64, ctx.code, jit.cover, budget - used, jit);
        used += jit.used;
        if (st === REGION_LEFT) {
          // Leaving a region for code no region holds is an arrival there, as a control transfer
          // in the interpreter is: the code after a translated loop becomes hot and is translated
          // in turn (with the loop inside it), instead of being interpreted at every exit.
          const p = ctx.pc;
          if ((p >>> 0) < ctx.cacheEnd && entry[p] === undefined && ++jit.hot[p] >= this.hotThreshold) jit.compile(p, core, this.hotThreshold);
          continue;
        }
        if (st === REGION_TAIL) { tail = true; continue; }
        this.cycles = used;
        return st as Stop;
      }
      const s = this.interp(ctx, budget - used, tail ? null : jit.hot, this.hotThreshold, jit.cover);
      used += this.cycles;
      if (s === JIT_HIT) jit.hit(this.hitLo, this.hitHi);
      else if (s === JIT_ENTRY) { if (entry[ctx.pc] === undefined) jit.compile(ctx.pc, core, this.hotThreshold); }
      else { this.cycles = used; return s as Stop; }
    }
  }

  /** The interpreter. With `hot`, it also returns JIT_ENTRY after a control transfer to a target
   *  whose arrival count reached `hotAt`; with `cover`, JIT_HIT after a store into compiled code. */
  private interp(ctx: Context, budget: number, hot: Int32Array | null, hotAt = 0, cover: Uint16Array | null = null): number {
    let used = 0;
    let stop: number = Stop.BUDGET;
    const r = ctx.r, f = ctx.f, core = this.core, f64 = this.f64;
    const base = ctx.base, limit = ctx.limit, codeEnd = ctx.codeEnd, cacheEnd = ctx.cacheEnd;
    const code = ctx.code;
    const scratch = cacheEnd << 1;
    const kcyc = KCYC, spec = SPEC, writesRa = WRITES_RA;
    let pc = ctx.pc | 0;
    let tKind = 0, tAddr = 0;
    let v = 0, sp = 0, hitLo = 0, hitHi = 0;

    // No calls in this loop (they would make V8 reload every typed array's base on each access):
    // decoding is inline, and so is cache invalidation.
    loop: while (used < budget) {
      let j: number;
      if ((pc >>> 0) < cacheEnd) j = pc << 1;
      else { j = scratch; code[j] = 0; }
      let h = code[j];
      if (h === 0) {
        if ((pc >>> 0) >= limit || pc + 1 >= limit) {
          h = K.FETCH | (kcyc[K.FETCH] << 20);
          code[j + 1] = (pc >>> 0) >= limit ? pc : pc + 1;
        } else {
          const w = core[base + pc];
          const imm = core[base + pc + 1];
          const op = w >>> 24;
          const sp3 = spec[op];
          const a = (w >>> 20) & 15, b = (w >>> 16) & 15, c = (w >>> 12) & 15;
          let k: number;
          if (sp3 === undefined || (w & HEAD_RESERVED_MASK) !== 0) k = K.ILLEGAL;
          else if (op === OP_JMP) k = b === 0 ? sp3[1] : sp3[0];
          else if (c === 0) k = sp3[1];
          else if (imm === 0) k = sp3[2];
          else k = sp3[0];
          h = k | ((a === 0 && writesRa[op] === 1 ? 16 : a) << 7) | (b << 12) | (c << 16) | (kcyc[k] << 20);
          code[j + 1] = imm;
        }
        code[j] = h;
      }
      const k = h & 127;
      const ra = (h >>> 7) & 31, rb = (h >>> 12) & 15;
      used += h >>> 20;
      switch (k) {
        case K.ADDI: r[ra] = (r[rb] + code[j + 1]) | 0; pc += 2; continue;
        case K.ADDR: r[ra] = (r[rb] + r[(h >>> 16) & 15]) | 0; pc += 2; continue;
        case K.ADDX: r[ra] = (r[rb] + r[(h >>> 16) & 15] + code[j + 1]) | 0; pc += 2; continue;
        case K.SUBI: r[ra] = (r[rb] - code[j + 1]) | 0; pc += 2; continue;
        case K.SUBR: r[ra] = (r[rb] - r[(h >>> 16) & 15]) | 0; pc += 2; continue;
        case K.SUBX: r[ra] = (r[rb] - ((r[(h >>> 16) & 15] + code[j + 1]) | 0)) | 0; pc += 2; continue;
        case K.LI: r[ra] = code[j + 1]; pc += 2; continue;
        case K.MOV: r[ra] = r[rb]; pc += 2; continue;
        case K.LDI:
          v = (r[rb] + code[j + 1]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          r[ra] = core[base + v]; pc += 2; continue;
        case K.LDX:
          v = (r[rb] + r[(h >>> 16) & 15] + code[j + 1]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          r[ra] = core[base + v]; pc += 2; continue;
        case K.STI:
          v = (r[rb] + code[j + 1]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          core[base + v] = r[ra];
          if (v < codeEnd) {
            code[v << 1] = 0; if (v > 0) code[(v - 1) << 1] = 0;
            if (cover !== null && cover[v] !== 0) { hitLo = v; hitHi = v + 1; pc += 2; stop = JIT_HIT; break loop; }
          }
          pc += 2; continue;
        case K.STX:
          v = (r[rb] + r[(h >>> 16) & 15] + code[j + 1]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          core[base + v] = r[ra];
          if (v < codeEnd) {
            code[v << 1] = 0; if (v > 0) code[(v - 1) << 1] = 0;
            if (cover !== null && cover[v] !== 0) { hitLo = v; hitHi = v + 1; pc += 2; stop = JIT_HIT; break loop; }
          }
          pc += 2; continue;
        case K.BEQ: pc = r[ra] === r[rb] ? code[j + 1] : pc + 2; break;
        case K.BNE: pc = r[ra] !== r[rb] ? code[j + 1] : pc + 2; break;
        case K.BLT: pc = r[ra] < r[rb] ? code[j + 1] : pc + 2; break;
        case K.BLE: pc = r[ra] <= r[rb] ? code[j + 1] : pc + 2; break;
        case K.BGT: pc = r[ra] > r[rb] ? code[j + 1] : pc + 2; break;
        case K.BGE: pc = r[ra] >= r[rb] ? code[j + 1] : pc + 2; break;
        case K.JMPI: pc = code[j + 1]; break;
        case K.JMPX: pc = (r[rb] + code[j + 1]) | 0; break;
        case K.MULI: r[ra] = Math.imul(r[rb], code[j + 1]); pc += 2; continue;
        case K.MULX: r[ra] = Math.imul(r[rb], (r[(h >>> 16) & 15] + code[j + 1]) | 0); pc += 2; continue;
        case K.DIV:
          v = (r[(h >>> 16) & 15] + code[j + 1]) | 0;
          if (v === 0) { tKind = Trap.DIVIDE; tAddr = 0; break loop; }
          r[ra] = (r[rb] / v) | 0; pc += 2; continue;
        case K.MOD:
          v = (r[(h >>> 16) & 15] + code[j + 1]) | 0;
          if (v === 0) { tKind = Trap.DIVIDE; tAddr = 0; break loop; }
          r[ra] = (r[rb] % v) | 0; pc += 2; continue;
        case K.ANDI: r[ra] = r[rb] & code[j + 1]; pc += 2; continue;
        case K.ANDX: r[ra] = r[rb] & (r[(h >>> 16) & 15] + code[j + 1]); pc += 2; continue;
        case K.ORI: r[ra] = r[rb] | code[j + 1]; pc += 2; continue;
        case K.ORX: r[ra] = r[rb] | (r[(h >>> 16) & 15] + code[j + 1]); pc += 2; continue;
        case K.XORI: r[ra] = r[rb] ^ code[j + 1]; pc += 2; continue;
        case K.XORX: r[ra] = r[rb] ^ (r[(h >>> 16) & 15] + code[j + 1]); pc += 2; continue;
        case K.SHLI: r[ra] = r[rb] << code[j + 1]; pc += 2; continue;
        case K.SHLX: r[ra] = r[rb] << (r[(h >>> 16) & 15] + code[j + 1]); pc += 2; continue;
        case K.SHRI: r[ra] = r[rb] >>> code[j + 1]; pc += 2; continue;
        case K.SHRX: r[ra] = r[rb] >>> (r[(h >>> 16) & 15] + code[j + 1]); pc += 2; continue;
        case K.SRAI: r[ra] = r[rb] >> code[j + 1]; pc += 2; continue;
        case K.SRAX: r[ra] = r[rb] >> (r[(h >>> 16) & 15] + code[j + 1]); pc += 2; continue;
        case K.NEG: r[ra] = -r[rb] | 0; pc += 2; continue;
        case K.NOT: r[ra] = ~r[rb]; pc += 2; continue;
        case K.LA: r[ra] = (r[rb] + r[(h >>> 16) & 15] + code[j + 1]) | 0; pc += 2; continue;
        case K.LDFI: case K.LDFX: case K.STFI: case K.STFX:
          v = (r[rb] + r[(h >>> 16) & 15] + code[j + 1]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          if (v + 1 >= limit) { tKind = Trap.ADDRESS; tAddr = v + 1; break loop; }
          if ((v & 1) !== 0) { tKind = Trap.ALIGNMENT; tAddr = v; break loop; }
          if (k === K.LDFI || k === K.LDFX) f[ra] = f64[(base + v) >> 1];
          else {
            f64[(base + v) >> 1] = f[ra];
            if (v <= codeEnd) {
              if (v > 0) code[(v - 1) << 1] = 0;
              if (v < cacheEnd) code[v << 1] = 0;
              if (v + 1 < cacheEnd) code[(v + 1) << 1] = 0;
              if (cover !== null && (cover[v] !== 0 || cover[v + 1] !== 0)) { hitLo = v; hitHi = v + 2; pc += 2; stop = JIT_HIT; break loop; }
            }
          }
          pc += 2; continue;
        case K.FMOV: f[ra] = f[rb]; pc += 2; continue;
        case K.FADD: f[ra] = f[rb] + f[(h >>> 16) & 15]; pc += 2; continue;
        case K.FSUB: f[ra] = f[rb] - f[(h >>> 16) & 15]; pc += 2; continue;
        case K.FMUL: f[ra] = f[rb] * f[(h >>> 16) & 15]; pc += 2; continue;
        case K.FDIV: f[ra] = f[rb] / f[(h >>> 16) & 15]; pc += 2; continue;
        case K.FPOW: f[ra] = Math.pow(f[rb], f[(h >>> 16) & 15]); pc += 2; continue;
        case K.FNEG: f[ra] = -f[rb]; pc += 2; continue;
        case K.FABS: f[ra] = Math.abs(f[rb]); pc += 2; continue;
        case K.FSGN: { const x = f[rb]; f[ra] = x > 0 ? 1 : x < 0 ? -1 : 0; pc += 2; continue; }
        case K.FFLOOR: f[ra] = Math.floor(f[rb]); pc += 2; continue;
        case K.FSQRT: f[ra] = Math.sqrt(f[rb]); pc += 2; continue;
        case K.FSIN: f[ra] = Math.sin(f[rb]); pc += 2; continue;
        case K.FCOS: f[ra] = Math.cos(f[rb]); pc += 2; continue;
        case K.FTAN: f[ra] = Math.tan(f[rb]); pc += 2; continue;
        case K.FATN: f[ra] = Math.atan(f[rb]); pc += 2; continue;
        case K.FEXP: f[ra] = Math.exp(f[rb]); pc += 2; continue;
        case K.FLOG: f[ra] = Math.log(f[rb]); pc += 2; continue;
        case K.ITOF: f[ra] = r[rb]; pc += 2; continue;
        case K.FTOI: {
          const x = f[rb];
          r[ra] = x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : x | 0;
          pc += 2; continue;
        }
        case K.FBEQ: pc = f[ra] === f[rb] ? code[j + 1] : pc + 2; break;
        case K.FBNE: pc = f[ra] !== f[rb] ? code[j + 1] : pc + 2; break;
        case K.FBLT: pc = f[ra] < f[rb] ? code[j + 1] : pc + 2; break;
        case K.FBLE: pc = f[ra] <= f[rb] ? code[j + 1] : pc + 2; break;
        case K.FBGT: pc = f[ra] > f[rb] ? code[j + 1] : pc + 2; break;
        case K.FBGE: pc = f[ra] >= f[rb] ? code[j + 1] : pc + 2; break;
        // The stack: SP must stay inside [stackLow, stackHigh). Going below is STACK OVERFLOW,
        // popping at or above stackHigh is STACK UNDERFLOW; an SP the program moved elsewhere
        // traps ADDRESS. The loader keeps the stack above the cached code, so pushes need no
        // cache invalidation.
        case K.PUSH: case K.CALL:
          sp = (r[SP] - 1) | 0;
          if (sp < ctx.stackLow) { tKind = Trap.STACK_OVERFLOW; tAddr = sp; break loop; }
          if (sp >= ctx.stackHigh) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          r[SP] = sp;
          if (k === K.PUSH) { core[base + sp] = r[ra]; pc += 2; continue; }
          core[base + sp] = pc + 2; pc = (r[rb] + code[j + 1]) | 0;
          break;
        case K.POP: case K.RET:
          sp = r[SP];
          if (sp >= ctx.stackHigh) { tKind = Trap.STACK_UNDERFLOW; tAddr = sp; break loop; }
          if (sp < ctx.stackLow) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          r[SP] = sp + 1;
          if (k === K.POP) { r[ra] = core[base + sp]; pc += 2; continue; }
          pc = core[base + sp];
          break;
        case K.FPUSH:
          sp = (r[SP] - 2) | 0;
          if (sp < ctx.stackLow) { tKind = Trap.STACK_OVERFLOW; tAddr = sp; break loop; }
          if (sp + 1 >= ctx.stackHigh) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          if ((sp & 1) !== 0) { tKind = Trap.ALIGNMENT; tAddr = sp; break loop; }
          r[SP] = sp;
          f64[(base + sp) >> 1] = f[ra];
          pc += 2; continue;
        case K.FPOP:
          sp = r[SP];
          if (sp + 1 >= ctx.stackHigh) { tKind = Trap.STACK_UNDERFLOW; tAddr = sp; break loop; }
          if (sp < ctx.stackLow) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          if ((sp & 1) !== 0) { tKind = Trap.ALIGNMENT; tAddr = sp; break loop; }
          r[SP] = sp + 2;
          f[ra] = f64[(base + sp) >> 1];
          pc += 2; continue;
        case K.NOP: pc += 2; continue;
        case K.SVC: ctx.svcNumber = code[j + 1]; pc += 2; stop = Stop.SVC; break loop;
        case K.HALT: pc += 2; stop = Stop.HALT; break loop;
        case K.PRIV: case K.PRIV1: tKind = Trap.PRIVILEGED; tAddr = 0; break loop;
        case K.FETCH: tKind = Trap.ADDRESS; tAddr = code[j + 1]; break loop;
        default: tKind = Trap.ILLEGAL; tAddr = 0; break loop;
      }
      // Only control transfers get here. With the JIT on, count arrivals at each target and hand
      // back to run() when the target is hot (or already compiled).
      if (hot !== null && (pc >>> 0) < cacheEnd && ++hot[pc] >= hotAt) { stop = JIT_ENTRY; break loop; }
    }
    if (tKind !== 0) {
      stop = Stop.TRAP;
      ctx.trapKind = tKind;
      ctx.trapPc = pc;
      ctx.trapAddr = tAddr;
    }
    ctx.pc = pc;
    this.cycles = used;
    if (stop === JIT_HIT) { this.hitLo = hitLo; this.hitHi = hitHi; }
    return stop;
  }
}
