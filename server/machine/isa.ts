// The instruction set of the Timeshare mainframe: the single source of truth for opcodes, operand
// formats and cycle costs. The CPU, assembler, disassembler, BASIC code generator and the reference
// card (README.md beside this file) all follow this table.
//
// Every instruction is two 32-bit words:
//   word 0:  op (bits 31-24) | a (23-20) | b (19-16) | c (15-12) | zero (11-0)
//   word 1:  imm, a signed 32-bit immediate, displacement or absolute target
// A fixed two-word shape keeps decoding to a few shifts (and a JIT tier simple); every instruction
// has a full register triple and a full 32-bit constant, which makes hand-written code and the
// compiler's output easy to read. Reserved bits that are not zero make the instruction ILLEGAL.

/** Operand shapes, as the assembler writes them. */
export const enum Fmt {
  /** no operands: HALT, NOP, RET */
  None,
  /** r[a] <- imm: `LI r1, 42` */
  RI,
  /** r[a] <- op r[b]: `MOV r1, r2` */
  RR,
  /** r[a] <- r[b] op (r[c] + imm): `ADD r1, r2, r3` or `ADD r1, r2, 5` or `ADD r1, r2, r3+5` */
  RRX,
  /** memory: a, imm(b,c) -- address = r[b] + r[c] + imm: `LD r1, 4(r2)`, `ST r1, buf(r0,r3)`, `LD r1, count` */
  Mem,
  /** float memory: f[a], imm(b,c) */
  FMem,
  /** f[a] <- op f[b]: `FSQRT f1, f2` */
  FF,
  /** f[a] <- f[b] op f[c]: `FADD f1, f2, f3` */
  FFF,
  /** f[a] <- r[b]: `ITOF f1, r2` */
  FR,
  /** r[a] <- f[b]: `FTOI r1, f2` */
  RF,
  /** compare r[a], r[b], branch to imm: `BLT r1, r2, loop` */
  BrR,
  /** compare f[a], f[b], branch to imm: `FBLT f1, f2, loop` */
  BrF,
  /** jump target = r[b] + imm: `JMP loop`, `JMP 0(r3)`, `CALL sub` */
  Jump,
  /** one integer register: `PUSH r1` */
  R,
  /** one float register: `FPUSH f1` */
  F,
  /** a constant: `SVC 1` */
  Imm,
}

export interface OpInfo {
  readonly name: string;
  readonly code: number;
  readonly fmt: Fmt;
  readonly cycles: number;
  readonly effect: string;
}

// Opcode 0 is deliberately illegal: a job that runs into zeroed core traps at once.
const table: OpInfo[] = [
  // control
  { name: 'HALT', code: 0x01, fmt: Fmt.None, cycles: 1, effect: 'stop the job normally (exit status 0)' },
  { name: 'NOP', code: 0x02, fmt: Fmt.None, cycles: 1, effect: 'nothing' },
  { name: 'SVC', code: 0x03, fmt: Fmt.Imm, cycles: 2, effect: 'supervisor call number imm (the service adds its own documented cost)' },
  // integer moves and arithmetic; operand 2 is r[c] + imm, so each is also an immediate form
  { name: 'LI', code: 0x10, fmt: Fmt.RI, cycles: 1, effect: 'r[a] <- imm' },
  { name: 'MOV', code: 0x11, fmt: Fmt.RR, cycles: 1, effect: 'r[a] <- r[b]' },
  { name: 'ADD', code: 0x12, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] + X (32-bit wrap-around)' },
  { name: 'SUB', code: 0x13, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] - X (32-bit wrap-around)' },
  { name: 'MUL', code: 0x14, fmt: Fmt.RRX, cycles: 4, effect: 'r[a] <- low 32 bits of r[b] * X' },
  { name: 'DIV', code: 0x15, fmt: Fmt.RRX, cycles: 12, effect: 'r[a] <- r[b] / X truncated toward zero; X = 0 traps DIVIDE; -2^31 / -1 = -2^31' },
  { name: 'MOD', code: 0x16, fmt: Fmt.RRX, cycles: 12, effect: 'r[a] <- remainder of r[b] / X, sign of r[b]; X = 0 traps DIVIDE' },
  { name: 'AND', code: 0x17, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] AND X (bitwise)' },
  { name: 'OR', code: 0x18, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] OR X (bitwise)' },
  { name: 'XOR', code: 0x19, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] XOR X (bitwise)' },
  { name: 'SHL', code: 0x1a, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] << (X AND 31)' },
  { name: 'SHR', code: 0x1b, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] >>> (X AND 31), zero fill' },
  { name: 'SRA', code: 0x1c, fmt: Fmt.RRX, cycles: 1, effect: 'r[a] <- r[b] >> (X AND 31), sign fill' },
  { name: 'NEG', code: 0x1d, fmt: Fmt.RR, cycles: 1, effect: 'r[a] <- -r[b] (32-bit wrap-around)' },
  { name: 'NOT', code: 0x1e, fmt: Fmt.RR, cycles: 1, effect: 'r[a] <- NOT r[b] (bitwise)' },
  // memory; address = r[b] + r[c] + imm, relative to the partition and checked against its limit
  { name: 'LD', code: 0x20, fmt: Fmt.Mem, cycles: 2, effect: 'r[a] <- M[addr]' },
  { name: 'ST', code: 0x21, fmt: Fmt.Mem, cycles: 2, effect: 'M[addr] <- r[a]' },
  { name: 'LA', code: 0x22, fmt: Fmt.Mem, cycles: 1, effect: 'r[a] <- addr (no memory access, no check)' },
  { name: 'LDF', code: 0x23, fmt: Fmt.FMem, cycles: 3, effect: 'f[a] <- double in M[addr], M[addr+1]; addr must be even' },
  { name: 'STF', code: 0x24, fmt: Fmt.FMem, cycles: 3, effect: 'M[addr], M[addr+1] <- f[a]; addr must be even' },
  // floating point (IEEE double, round to nearest; results follow IEEE: no float traps)
  { name: 'FMOV', code: 0x30, fmt: Fmt.FF, cycles: 1, effect: 'f[a] <- f[b]' },
  { name: 'FADD', code: 0x31, fmt: Fmt.FFF, cycles: 4, effect: 'f[a] <- f[b] + f[c]' },
  { name: 'FSUB', code: 0x32, fmt: Fmt.FFF, cycles: 4, effect: 'f[a] <- f[b] - f[c]' },
  { name: 'FMUL', code: 0x33, fmt: Fmt.FFF, cycles: 6, effect: 'f[a] <- f[b] * f[c]' },
  { name: 'FDIV', code: 0x34, fmt: Fmt.FFF, cycles: 12, effect: 'f[a] <- f[b] / f[c] (x/0 = +-Infinity, 0/0 = NaN)' },
  { name: 'FPOW', code: 0x35, fmt: Fmt.FFF, cycles: 40, effect: 'f[a] <- f[b] ** f[c] (JavaScript Math.pow)' },
  { name: 'FNEG', code: 0x36, fmt: Fmt.FF, cycles: 1, effect: 'f[a] <- -f[b]' },
  { name: 'FABS', code: 0x37, fmt: Fmt.FF, cycles: 1, effect: 'f[a] <- |f[b]|' },
  { name: 'FSGN', code: 0x38, fmt: Fmt.FF, cycles: 1, effect: 'f[a] <- -1, 0 or 1 by the sign of f[b] (NaN gives 0)' },
  { name: 'FFLOOR', code: 0x39, fmt: Fmt.FF, cycles: 2, effect: 'f[a] <- greatest integer <= f[b]' },
  { name: 'FSQRT', code: 0x3a, fmt: Fmt.FF, cycles: 20, effect: 'f[a] <- square root of f[b] (negative gives NaN)' },
  { name: 'FSIN', code: 0x3b, fmt: Fmt.FF, cycles: 40, effect: 'f[a] <- sine of f[b] radians' },
  { name: 'FCOS', code: 0x3c, fmt: Fmt.FF, cycles: 40, effect: 'f[a] <- cosine of f[b] radians' },
  { name: 'FTAN', code: 0x3d, fmt: Fmt.FF, cycles: 40, effect: 'f[a] <- tangent of f[b] radians' },
  { name: 'FATN', code: 0x3e, fmt: Fmt.FF, cycles: 40, effect: 'f[a] <- arctangent of f[b], in radians' },
  { name: 'FEXP', code: 0x3f, fmt: Fmt.FF, cycles: 40, effect: 'f[a] <- e ** f[b]' },
  { name: 'FLOG', code: 0x40, fmt: Fmt.FF, cycles: 40, effect: 'f[a] <- natural log of f[b] (0 gives -Infinity, negative NaN)' },
  { name: 'ITOF', code: 0x41, fmt: Fmt.FR, cycles: 2, effect: 'f[a] <- r[b] as a double (exact)' },
  { name: 'FTOI', code: 0x42, fmt: Fmt.RF, cycles: 2, effect: 'r[a] <- f[b] truncated toward zero, saturated to [-2^31, 2^31-1]; NaN gives 0' },
  // branches; the target is an absolute address in the partition
  { name: 'JMP', code: 0x50, fmt: Fmt.Jump, cycles: 1, effect: 'pc <- r[b] + imm' },
  { name: 'BEQ', code: 0x51, fmt: Fmt.BrR, cycles: 1, effect: 'if r[a] = r[b] then pc <- imm' },
  { name: 'BNE', code: 0x52, fmt: Fmt.BrR, cycles: 1, effect: 'if r[a] <> r[b] then pc <- imm' },
  { name: 'BLT', code: 0x53, fmt: Fmt.BrR, cycles: 1, effect: 'if r[a] < r[b] (signed) then pc <- imm' },
  { name: 'BLE', code: 0x54, fmt: Fmt.BrR, cycles: 1, effect: 'if r[a] <= r[b] (signed) then pc <- imm' },
  { name: 'BGT', code: 0x55, fmt: Fmt.BrR, cycles: 1, effect: 'if r[a] > r[b] (signed) then pc <- imm' },
  { name: 'BGE', code: 0x56, fmt: Fmt.BrR, cycles: 1, effect: 'if r[a] >= r[b] (signed) then pc <- imm' },
  { name: 'FBEQ', code: 0x57, fmt: Fmt.BrF, cycles: 2, effect: 'if f[a] = f[b] then pc <- imm (NaN never equal)' },
  { name: 'FBNE', code: 0x58, fmt: Fmt.BrF, cycles: 2, effect: 'if f[a] <> f[b] then pc <- imm (true if either is NaN)' },
  { name: 'FBLT', code: 0x59, fmt: Fmt.BrF, cycles: 2, effect: 'if f[a] < f[b] then pc <- imm (false if either is NaN)' },
  { name: 'FBLE', code: 0x5a, fmt: Fmt.BrF, cycles: 2, effect: 'if f[a] <= f[b] then pc <- imm (false if either is NaN)' },
  { name: 'FBGT', code: 0x5b, fmt: Fmt.BrF, cycles: 2, effect: 'if f[a] > f[b] then pc <- imm (false if either is NaN)' },
  { name: 'FBGE', code: 0x5c, fmt: Fmt.BrF, cycles: 2, effect: 'if f[a] >= f[b] then pc <- imm (false if either is NaN)' },
  // the stack: r15 is SP, growing down; each job has a stack region [SL, SH) set by the monitor
  { name: 'CALL', code: 0x60, fmt: Fmt.Jump, cycles: 3, effect: 'push pc+2; pc <- r[b] + imm' },
  { name: 'RET', code: 0x61, fmt: Fmt.None, cycles: 3, effect: 'pop pc' },
  { name: 'PUSH', code: 0x62, fmt: Fmt.R, cycles: 2, effect: 'SP <- SP-1; M[SP] <- r[a]' },
  { name: 'POP', code: 0x63, fmt: Fmt.R, cycles: 2, effect: 'r[a] <- M[SP]; SP <- SP+1' },
  { name: 'FPUSH', code: 0x64, fmt: Fmt.F, cycles: 3, effect: 'SP <- SP-2; M[SP], M[SP+1] <- f[a] (SP must stay even)' },
  { name: 'FPOP', code: 0x65, fmt: Fmt.F, cycles: 3, effect: 'f[a] <- M[SP], M[SP+1]; SP <- SP+2' },
  // privileged: the monitor's own instructions; in a job (user mode) they trap PRIVILEGED
  { name: 'SETR', code: 0xf0, fmt: Fmt.RR, cycles: 2, effect: 'privileged: load relocation r[a] and limit r[b]' },
  { name: 'SIO', code: 0xf1, fmt: Fmt.RI, cycles: 2, effect: 'privileged: start I/O on channel imm' },
  { name: 'IDLE', code: 0xf2, fmt: Fmt.None, cycles: 1, effect: 'privileged: wait for an interrupt' },
];

export const OPS: readonly OpInfo[] = table;

/** Opcode number -> info, undefined for illegal opcodes. */
export const OP_BY_CODE: readonly (OpInfo | undefined)[] = (() => {
  const a: (OpInfo | undefined)[] = new Array(256).fill(undefined);
  for (const o of table) a[o.code] = o;
  return a;
})();

export const OP_BY_NAME: ReadonlyMap<string, OpInfo> = new Map(table.map((o) => [o.name, o]));

/** Named opcode numbers, for code generators. */
export const Op = Object.fromEntries(table.map((o) => [o.name, o.code])) as Record<string, number> & {
  readonly HALT: number; readonly NOP: number; readonly SVC: number; readonly LI: number; readonly MOV: number;
  readonly ADD: number; readonly SUB: number; readonly MUL: number; readonly DIV: number; readonly MOD: number;
  readonly AND: number; readonly OR: number; readonly XOR: number; readonly SHL: number; readonly SHR: number;
  readonly SRA: number; readonly NEG: number; readonly NOT: number; readonly LD: number; readonly ST: number;
  readonly LA: number; readonly LDF: number; readonly STF: number; readonly FMOV: number; readonly FADD: number;
  readonly FSUB: number; readonly FMUL: number; readonly FDIV: number; readonly FPOW: number; readonly FNEG: number;
  readonly FABS: number; readonly FSGN: number; readonly FFLOOR: number; readonly FSQRT: number; readonly FSIN: number;
  readonly FCOS: number; readonly FTAN: number; readonly FATN: number; readonly FEXP: number; readonly FLOG: number;
  readonly ITOF: number; readonly FTOI: number; readonly JMP: number; readonly BEQ: number; readonly BNE: number;
  readonly BLT: number; readonly BLE: number; readonly BGT: number; readonly BGE: number; readonly FBEQ: number;
  readonly FBNE: number; readonly FBLT: number; readonly FBLE: number; readonly FBGT: number; readonly FBGE: number;
  readonly CALL: number; readonly RET: number; readonly PUSH: number; readonly POP: number; readonly FPUSH: number;
  readonly FPOP: number; readonly SETR: number; readonly SIO: number; readonly IDLE: number;
};

/** Cycle cost by opcode number (0 for illegal opcodes). */
export const CYCLES: Uint8Array = (() => {
  const c = new Uint8Array(256);
  for (const o of table) c[o.code] = o.cycles;
  return c;
})();

/** Words per instruction. */
export const INSTRUCTION_WORDS = 2;

/** The stack pointer register. */
export const SP = 15;

/** First word of an instruction. Registers are 0-15. */
export function encodeHead(op: number, a = 0, b = 0, c = 0): number {
  return ((op & 0xff) << 24) | ((a & 15) << 20) | ((b & 15) << 16) | ((c & 15) << 12);
}

export function headOp(w: number): number { return w >>> 24; }
export function headA(w: number): number { return (w >>> 20) & 15; }
export function headB(w: number): number { return (w >>> 16) & 15; }
export function headC(w: number): number { return (w >>> 12) & 15; }
/** Bits that must be zero in a legal instruction head. */
export const HEAD_RESERVED_MASK = 0xfff;

/** Traps: why the CPU gave a job back to the monitor against its will. */
export const enum Trap {
  /** an address (data or instruction fetch) outside the partition */
  ADDRESS = 1,
  /** an undefined opcode, or reserved bits set */
  ILLEGAL = 2,
  /** a privileged instruction in user mode */
  PRIVILEGED = 3,
  /** integer DIV or MOD by zero */
  DIVIDE = 4,
  /** PUSH/CALL/FPUSH below the stack region */
  STACK_OVERFLOW = 5,
  /** POP/RET/FPOP above the stack region */
  STACK_UNDERFLOW = 6,
  /** LDF/STF/FPUSH/FPOP at an odd address */
  ALIGNMENT = 7,
}

export const TRAP_NAMES: Readonly<Record<number, string>> = {
  1: 'ADDRESS',
  2: 'ILLEGAL INSTRUCTION',
  3: 'PRIVILEGED INSTRUCTION',
  4: 'DIVIDE BY ZERO',
  5: 'STACK OVERFLOW',
  6: 'STACK UNDERFLOW',
  7: 'ALIGNMENT',
};

/** Why run() returned. */
export const enum Stop {
  /** the cycle budget is spent; the job can be resumed */
  BUDGET = 0,
  /** an SVC instruction executed; pc already points past it; the number is in svcNumber */
  SVC = 1,
  /** a trap; details in trapKind, trapPc, trapAddr; the job cannot be resumed */
  TRAP = 2,
  /** HALT executed */
  HALT = 3,
}
