// The interpreter: the hot path of the whole system. Instructions are decoded once into the job's
// Context cache (typed arrays indexed by virtual address) as specialised internal ops ("ADD with
// an immediate" when c = 0, "LD from r[b]+imm" when c = 0, writes to r0 redirected to r[16]), then
// executed by one switch in one function with pc and the cycle count in locals. The budget is
// checked before every instruction, which makes slicing exact: a run is a sequence of whole
// instructions, and the only thing a slice boundary changes is where run() returns.
import { Context } from './context.ts';
import {
  CYCLES, HEAD_RESERVED_MASK, OP_BY_CODE, Op, SP, Stop, Trap,
} from './isa.ts';

// Internal ops. Dense small numbers so the switch compiles to a jump table; 0 = not decoded.
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
  COUNT,
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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class CPU {
  /** exact cycles used by the last run() */
  cycles = 0;
  private readonly core: Int32Array;
  private readonly f64: Float64Array;

  /** `core` is the whole machine's memory, shared by all partitions. Doubles are read through a
   *  Float64Array view of the same buffer, so core must start on an 8-byte boundary. */
  constructor(core: Int32Array) {
    if (!LITTLE_ENDIAN) throw new Error('cpu: this machine keeps doubles in little-endian word order; the host is big-endian');
    if (core.byteOffset % 8 !== 0) throw new Error('cpu: core must start on an 8-byte boundary');
    this.core = core;
    this.f64 = new Float64Array(core.buffer, core.byteOffset, core.length >> 1);
  }

  /** Decodes the instruction at virtual pc into cache slot i; returns its internal op. */
  private decode(ctx: Context, pc: number, i: number): number {
    const limit = ctx.limit;
    if ((pc >>> 0) >= limit || pc + 1 >= limit) {
      ctx.dOp[i] = K.FETCH;
      ctx.dImm[i] = (pc >>> 0) >= limit ? pc : pc + 1;
      return K.FETCH;
    }
    const w = this.core[ctx.base + pc];
    const imm = this.core[ctx.base + pc + 1];
    const code = w >>> 24;
    const spec = SPEC[code];
    let k: number;
    const a = (w >>> 20) & 15, b = (w >>> 16) & 15, c = (w >>> 12) & 15;
    if (spec === undefined || (w & HEAD_RESERVED_MASK) !== 0) k = K.ILLEGAL;
    else if (code === Op.JMP) k = b === 0 ? spec[1] : spec[0];
    else if (c === 0) k = spec[1];
    else if (imm === 0) k = spec[2];
    else k = spec[0];
    ctx.dOp[i] = k;
    ctx.dA[i] = a === 0 && WRITES_RA[code] === 1 ? 16 : a;
    ctx.dB[i] = b;
    ctx.dC[i] = c;
    ctx.dImm[i] = imm;
    return k;
  }

  /** Runs the job until `budget` cycles are used (the last instruction may overshoot), an SVC,
   *  a trap or HALT. Runs at least one instruction if budget > 0. */
  run(ctx: Context, budget: number): Stop {
    let used = 0;
    let stop: Stop = Stop.BUDGET;
    const r = ctx.r, f = ctx.f, core = this.core, f64 = this.f64;
    const base = ctx.base, limit = ctx.limit, codeEnd = ctx.codeEnd, cacheEnd = ctx.cacheEnd;
    const dOp = ctx.dOp, dA = ctx.dA, dB = ctx.dB, dC = ctx.dC, dImm = ctx.dImm;
    const kcyc = KCYC;
    let pc = ctx.pc | 0;
    let tKind = 0, tAddr = 0;
    let v = 0, sp = 0;

    loop: while (used < budget) {
      let i = pc;
      let k: number;
      if ((pc >>> 0) >= cacheEnd) { i = cacheEnd; k = this.decode(ctx, pc, i); }
      else if ((k = dOp[i]) === 0) k = this.decode(ctx, pc, i);
      used += kcyc[k];
      switch (k) {
        case K.ADDI: r[dA[i]] = (r[dB[i]] + dImm[i]) | 0; pc += 2; continue;
        case K.ADDR: r[dA[i]] = (r[dB[i]] + r[dC[i]]) | 0; pc += 2; continue;
        case K.ADDX: r[dA[i]] = (r[dB[i]] + ((r[dC[i]] + dImm[i]) | 0)) | 0; pc += 2; continue;
        case K.SUBI: r[dA[i]] = (r[dB[i]] - dImm[i]) | 0; pc += 2; continue;
        case K.SUBR: r[dA[i]] = (r[dB[i]] - r[dC[i]]) | 0; pc += 2; continue;
        case K.SUBX: r[dA[i]] = (r[dB[i]] - ((r[dC[i]] + dImm[i]) | 0)) | 0; pc += 2; continue;
        case K.LI: r[dA[i]] = dImm[i]; pc += 2; continue;
        case K.MOV: r[dA[i]] = r[dB[i]]; pc += 2; continue;
        case K.LDI:
          v = (r[dB[i]] + dImm[i]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          r[dA[i]] = core[base + v]; pc += 2; continue;
        case K.LDX:
          v = (r[dB[i]] + r[dC[i]] + dImm[i]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          r[dA[i]] = core[base + v]; pc += 2; continue;
        case K.STI:
          v = (r[dB[i]] + dImm[i]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          core[base + v] = r[dA[i]];
          if (v < codeEnd) { dOp[v] = 0; if (v > 0) dOp[v - 1] = 0; }
          pc += 2; continue;
        case K.STX:
          v = (r[dB[i]] + r[dC[i]] + dImm[i]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          core[base + v] = r[dA[i]];
          if (v < codeEnd) { dOp[v] = 0; if (v > 0) dOp[v - 1] = 0; }
          pc += 2; continue;
        case K.BEQ: pc = r[dA[i]] === r[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.BNE: pc = r[dA[i]] !== r[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.BLT: pc = r[dA[i]] < r[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.BLE: pc = r[dA[i]] <= r[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.BGT: pc = r[dA[i]] > r[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.BGE: pc = r[dA[i]] >= r[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.JMPI: pc = dImm[i]; continue;
        case K.JMPX: pc = (r[dB[i]] + dImm[i]) | 0; continue;
        case K.MULI: r[dA[i]] = Math.imul(r[dB[i]], dImm[i]); pc += 2; continue;
        case K.MULX: r[dA[i]] = Math.imul(r[dB[i]], (r[dC[i]] + dImm[i]) | 0); pc += 2; continue;
        case K.DIV:
          v = (r[dC[i]] + dImm[i]) | 0;
          if (v === 0) { tKind = Trap.DIVIDE; tAddr = 0; break loop; }
          r[dA[i]] = (r[dB[i]] / v) | 0; pc += 2; continue;
        case K.MOD:
          v = (r[dC[i]] + dImm[i]) | 0;
          if (v === 0) { tKind = Trap.DIVIDE; tAddr = 0; break loop; }
          r[dA[i]] = (r[dB[i]] % v) | 0; pc += 2; continue;
        case K.ANDI: r[dA[i]] = r[dB[i]] & dImm[i]; pc += 2; continue;
        case K.ANDX: r[dA[i]] = r[dB[i]] & (r[dC[i]] + dImm[i]); pc += 2; continue;
        case K.ORI: r[dA[i]] = r[dB[i]] | dImm[i]; pc += 2; continue;
        case K.ORX: r[dA[i]] = r[dB[i]] | (r[dC[i]] + dImm[i]); pc += 2; continue;
        case K.XORI: r[dA[i]] = r[dB[i]] ^ dImm[i]; pc += 2; continue;
        case K.XORX: r[dA[i]] = r[dB[i]] ^ (r[dC[i]] + dImm[i]); pc += 2; continue;
        case K.SHLI: r[dA[i]] = r[dB[i]] << dImm[i]; pc += 2; continue;
        case K.SHLX: r[dA[i]] = r[dB[i]] << (r[dC[i]] + dImm[i]); pc += 2; continue;
        case K.SHRI: r[dA[i]] = r[dB[i]] >>> dImm[i]; pc += 2; continue;
        case K.SHRX: r[dA[i]] = r[dB[i]] >>> (r[dC[i]] + dImm[i]); pc += 2; continue;
        case K.SRAI: r[dA[i]] = r[dB[i]] >> dImm[i]; pc += 2; continue;
        case K.SRAX: r[dA[i]] = r[dB[i]] >> (r[dC[i]] + dImm[i]); pc += 2; continue;
        case K.NEG: r[dA[i]] = -r[dB[i]] | 0; pc += 2; continue;
        case K.NOT: r[dA[i]] = ~r[dB[i]]; pc += 2; continue;
        case K.LA: r[dA[i]] = (r[dB[i]] + r[dC[i]] + dImm[i]) | 0; pc += 2; continue;
        case K.LDFI: case K.LDFX: case K.STFI: case K.STFX:
          v = (r[dB[i]] + r[dC[i]] + dImm[i]) | 0;
          if ((v >>> 0) >= limit) { tKind = Trap.ADDRESS; tAddr = v; break loop; }
          if (v + 1 >= limit) { tKind = Trap.ADDRESS; tAddr = v + 1; break loop; }
          if ((v & 1) !== 0) { tKind = Trap.ALIGNMENT; tAddr = v; break loop; }
          if (k === K.LDFI || k === K.LDFX) f[dA[i]] = f64[(base + v) >> 1];
          else {
            f64[(base + v) >> 1] = f[dA[i]];
            if (v - 1 < codeEnd) ctx.invalidate(v, v + 2);
          }
          pc += 2; continue;
        case K.FMOV: f[dA[i]] = f[dB[i]]; pc += 2; continue;
        case K.FADD: f[dA[i]] = f[dB[i]] + f[dC[i]]; pc += 2; continue;
        case K.FSUB: f[dA[i]] = f[dB[i]] - f[dC[i]]; pc += 2; continue;
        case K.FMUL: f[dA[i]] = f[dB[i]] * f[dC[i]]; pc += 2; continue;
        case K.FDIV: f[dA[i]] = f[dB[i]] / f[dC[i]]; pc += 2; continue;
        case K.FPOW: f[dA[i]] = Math.pow(f[dB[i]], f[dC[i]]); pc += 2; continue;
        case K.FNEG: f[dA[i]] = -f[dB[i]]; pc += 2; continue;
        case K.FABS: f[dA[i]] = Math.abs(f[dB[i]]); pc += 2; continue;
        case K.FSGN: { const x = f[dB[i]]; f[dA[i]] = x > 0 ? 1 : x < 0 ? -1 : 0; pc += 2; continue; }
        case K.FFLOOR: f[dA[i]] = Math.floor(f[dB[i]]); pc += 2; continue;
        case K.FSQRT: f[dA[i]] = Math.sqrt(f[dB[i]]); pc += 2; continue;
        case K.FSIN: f[dA[i]] = Math.sin(f[dB[i]]); pc += 2; continue;
        case K.FCOS: f[dA[i]] = Math.cos(f[dB[i]]); pc += 2; continue;
        case K.FTAN: f[dA[i]] = Math.tan(f[dB[i]]); pc += 2; continue;
        case K.FATN: f[dA[i]] = Math.atan(f[dB[i]]); pc += 2; continue;
        case K.FEXP: f[dA[i]] = Math.exp(f[dB[i]]); pc += 2; continue;
        case K.FLOG: f[dA[i]] = Math.log(f[dB[i]]); pc += 2; continue;
        case K.ITOF: f[dA[i]] = r[dB[i]]; pc += 2; continue;
        case K.FTOI: {
          const x = f[dB[i]];
          r[dA[i]] = x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : x | 0;
          pc += 2; continue;
        }
        case K.FBEQ: pc = f[dA[i]] === f[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.FBNE: pc = f[dA[i]] !== f[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.FBLT: pc = f[dA[i]] < f[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.FBLE: pc = f[dA[i]] <= f[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.FBGT: pc = f[dA[i]] > f[dB[i]] ? dImm[i] : pc + 2; continue;
        case K.FBGE: pc = f[dA[i]] >= f[dB[i]] ? dImm[i] : pc + 2; continue;
        // The stack: SP must stay inside [stackLow, stackHigh). Going below is STACK OVERFLOW,
        // popping at or above stackHigh is STACK UNDERFLOW; an SP the program moved elsewhere
        // traps ADDRESS. The loader keeps the stack above the cached code, so pushes need no
        // cache invalidation.
        case K.PUSH: case K.CALL:
          sp = (r[SP] - 1) | 0;
          if (sp < ctx.stackLow) { tKind = Trap.STACK_OVERFLOW; tAddr = sp; break loop; }
          if (sp >= ctx.stackHigh) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          r[SP] = sp;
          if (k === K.PUSH) { core[base + sp] = r[dA[i]]; pc += 2; }
          else { core[base + sp] = pc + 2; pc = (r[dB[i]] + dImm[i]) | 0; }
          continue;
        case K.POP: case K.RET:
          sp = r[SP];
          if (sp >= ctx.stackHigh) { tKind = Trap.STACK_UNDERFLOW; tAddr = sp; break loop; }
          if (sp < ctx.stackLow) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          r[SP] = sp + 1;
          if (k === K.POP) { r[dA[i]] = core[base + sp]; pc += 2; }
          else pc = core[base + sp];
          continue;
        case K.FPUSH:
          sp = (r[SP] - 2) | 0;
          if (sp < ctx.stackLow) { tKind = Trap.STACK_OVERFLOW; tAddr = sp; break loop; }
          if (sp + 1 >= ctx.stackHigh) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          if ((sp & 1) !== 0) { tKind = Trap.ALIGNMENT; tAddr = sp; break loop; }
          r[SP] = sp;
          f64[(base + sp) >> 1] = f[dA[i]];
          pc += 2; continue;
        case K.FPOP:
          sp = r[SP];
          if (sp + 1 >= ctx.stackHigh) { tKind = Trap.STACK_UNDERFLOW; tAddr = sp; break loop; }
          if (sp < ctx.stackLow) { tKind = Trap.ADDRESS; tAddr = sp; break loop; }
          if ((sp & 1) !== 0) { tKind = Trap.ALIGNMENT; tAddr = sp; break loop; }
          r[SP] = sp + 2;
          f[dA[i]] = f64[(base + sp) >> 1];
          pc += 2; continue;
        case K.NOP: pc += 2; continue;
        case K.SVC: ctx.svcNumber = dImm[i]; pc += 2; stop = Stop.SVC; break loop;
        case K.HALT: pc += 2; stop = Stop.HALT; break loop;
        case K.PRIV: case K.PRIV1: tKind = Trap.PRIVILEGED; tAddr = 0; break loop;
        case K.FETCH: tKind = Trap.ADDRESS; tAddr = dImm[i]; break loop;
        default: tKind = Trap.ILLEGAL; tAddr = 0; break loop;
      }
    }
    if (tKind !== 0) {
      stop = Stop.TRAP;
      ctx.trapKind = tKind;
      ctx.trapPc = pc;
      ctx.trapAddr = tAddr;
    }
    ctx.pc = pc;
    this.cycles = used;
    return stop;
  }
}
