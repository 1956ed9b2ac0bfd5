// The JIT tier. When the interpreter keeps arriving at the same branch target, the CPU asks for a
// *region* there: the code statically reachable from that target (fall-throughs, branch, jump
// and call targets, return points), translated into one JavaScript function with the guest
// registers in local variables and a `switch (pc)` over its basic blocks inside a loop, so loops
// and calls among those blocks never leave JavaScript. A block that branches back to itself
// becomes a plain JavaScript loop.
//
// Same results as the interpreter, always:
// - Translation reads the interpreter's decoded slots (decoding on demand), so both tiers see the
//   same instructions even when core was written without ctx.invalidate().
// - Cycles: a block is entered only if every one of its instructions would start below the budget
//   (used + cost-before-its-last < budget); otherwise the region returns REGION_TAIL and the CPU
//   finishes the slice in the interpreter. A trap or SVC inside a block gives back the cycles of
//   the instructions after it, so counts and stop points are exact for any slicing.
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
/** instructions one job may have translated, in all (bounds compile time and memory per job) */
const MAX_PER_JOB = 50_000;
/** times an entry's region may be dropped by stores into it before that entry stays interpreted */
const MAX_DROPS = 4;
/** translated functions kept for reuse, across jobs (least recently used go first) */
const CACHE_SIZE = 512;
const NEVER = -(2 ** 30);

const fnCache = new Map<string, RegionFn>();

/** Process-wide totals, for tests and the bench. */
export const jitCounters = { regions: 0, instructions: 0, reused: 0 };

interface Region {
  fn: RegionFn;
  /** entries this region owns in JitState.entry */
  claimed: number[];
  /** pcs of its instructions (each covers pc and pc + 1) */
  pcs: number[];
}

interface Ins { pc: number; op: number; a: number; b: number; c: number; imm: number; cyc: number }

const BR_INT: Record<number, string> = { [Op.BEQ]: '===', [Op.BNE]: '!==', [Op.BLT]: '<', [Op.BLE]: '<=', [Op.BGT]: '>', [Op.BGE]: '>=' };
const BR_FLT: Record<number, string> = { [Op.FBEQ]: '===', [Op.FBNE]: '!==', [Op.FBLT]: '<', [Op.FBLE]: '<=', [Op.FBGT]: '>', [Op.FBGE]: '>=' };
const ENDS_WALK = new Set([Op.JMP, Op.CALL, Op.RET, Op.SVC, Op.HALT]);

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
  private readonly drops: Uint8Array;
  private regions: Region[] = [];
  private translated = 0;

  constructor(private readonly ctx: Context, private readonly dec: Decoder) {
    this.hot = new Int32Array(ctx.cacheEnd);
    this.entry = new Array<RegionFn | undefined>(ctx.cacheEnd).fill(undefined);
    this.cover = new Uint16Array(ctx.codeEnd + 2);
    this.drops = new Uint8Array(ctx.cacheEnd);
  }

  /** live regions and translated instructions (for tests and the bench) */
  stats(): { regions: number; instructions: number } {
    return { regions: this.regions.length, instructions: this.regions.reduce((n, g) => n + g.pcs.length, 0) };
  }

  /** Translates the region entered at pc (0 <= pc < cacheEnd); marks pc never-hot if it cannot. */
  compile(pc: number, core: Int32Array, hotAt: number): void {
    const g = this.translated < MAX_PER_JOB ? this.build(pc, core) : null;
    if (g === null) { this.hot[pc] = NEVER; return; }
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
    this.regions.push({ fn, claimed, pcs: g.pcs });
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

  private drop(g: Region): void {
    for (const p of g.pcs) { this.cover[p]--; this.cover[p + 1]--; }
    for (const s of g.claimed) {
      this.entry[s] = undefined;
      this.hot[s] = ++this.drops[s] >= MAX_DROPS ? NEVER : 0;
    }
  }

  private build(entryPc: number, core: Int32Array): { fn: RegionFn; leaders: number[]; pcs: number[] } | null {
    const ctx = this.ctx, code = ctx.code, cacheEnd = ctx.cacheEnd, kop = this.dec.kop;
    const seen = new Map<number, Ins>();
    const leaders = new Set<number>([entryPc]);
    const queue = [entryPc];
    const inRange = (p: number) => p >= 0 && p < cacheEnd;
    while (queue.length > 0 && seen.size < MAX_REGION) {
      let p = queue.shift()!;
      while (inRange(p) && !seen.has(p) && seen.size < MAX_REGION) {
        this.dec.slot(ctx, core, p);
        const h = code[p << 1];
        const op = kop[h & 127];
        if (op === 0) break;
        const ins: Ins = { pc: p, op, a: (h >>> 7) & 31, b: (h >>> 12) & 15, c: (h >>> 16) & 15, imm: code[(p << 1) + 1], cyc: h >>> 20 };
        seen.set(p, ins);
        const target = (op === Op.JMP || op === Op.CALL) && ins.b === 0 ? ins.imm : BR_INT[op] || BR_FLT[op] ? ins.imm : -1;
        if (target >= 0 && inRange(target)) { leaders.add(target); queue.push(target); }
        if (BR_INT[op] || BR_FLT[op] || op === Op.CALL || op === Op.SVC) leaders.add(p + 2);
        if (op === Op.CALL || op === Op.SVC) queue.push(p + 2);
        if (ENDS_WALK.has(op)) break;
        p += 2;
      }
    }
    if (!seen.has(entryPc)) return null;
    const starts = [...leaders].filter((s) => seen.has(s)).sort((x, y) => x - y);
    const isLeader = new Set(starts);
    const src = emitRegion(starts, isLeader, seen, ctx.codeEnd);
    let fn = fnCache.get(src);
    if (fn === undefined) {
      fn = new Function('ctx', 'r', 'f', 'core', 'f64', 'code', 'cover', 'budget', 'J', src) as RegionFn;
      if (fnCache.size >= CACHE_SIZE) fnCache.delete(fnCache.keys().next().value!);
    } else {
      fnCache.delete(src);
      jitCounters.reused++;
    }
    fnCache.set(src, fn);
    return { fn, leaders: starts, pcs: [...seen.keys()] };
  }
}

const lit = (n: number) => (n < 0 ? `(${n})` : String(n));
const R = (i: number) => (i === 0 ? '0' : `r${i}`);

/** JavaScript source of a region: blocks at `starts`, instructions in `seen`. */
function emitRegion(starts: number[], isLeader: Set<number>, seen: Map<number, Ins>, codeEnd: number): string {
  const usedR = new Set<number>(), wroteR = new Set<number>(), usedF = new Set<number>(), wroteF = new Set<number>();
  const out: string[] = [];
  for (let si = 0; si < starts.length; si++) {
    const start = starts[si];
    const next = si + 1 < starts.length ? starts[si + 1] : -1;
    const block: Ins[] = [];
    for (let p = start; ; p += 2) {
      const ins = seen.get(p);
      if (ins === undefined || (p !== start && isLeader.has(p))) break;
      block.push(ins);
      if (ENDS_WALK.has(ins.op) || BR_INT[ins.op] || BR_FLT[ins.op]) break;
    }
    const last = block[block.length - 1];
    const cost = block.reduce((n, x) => n + x.cyc, 0);
    const before = cost - last.cyc;
    const selfLoop = (BR_INT[last.op] !== undefined || BR_FLT[last.op] !== undefined) && last.imm === start;
    // Leaving: to a block of this region (falling through when it is the next case) or out.
    const go = (t: number, fall: boolean) =>
      isLeader.has(t) ? (fall && t === next ? '' : `pc = ${t}; continue;`) : `pc = ${t}; st = -1; break out;`;
    out.push(`case ${start}:`);
    if (selfLoop) out.push('for (;;) {');
    out.push(`if (used + ${before} >= budget) { pc = ${start}; st = -2; break out; }`, `used += ${cost};`);
    let done = 0;
    for (const ins of block) {
      done += ins.cyc;
      const back = cost - done;
      const exit = (kind: number, addr: string) =>
        `{ pc = ${ins.pc}; ${back ? `used -= ${back}; ` : ''}tk = ${kind}; ta = ${addr}; st = 2; break out; }`;
      const leave = `{ pc = ${ins.pc + 2}; ${back ? `used -= ${back}; ` : ''}st = -1; break out; }`;
      out.push(emitIns(ins, exit, leave, go, selfLoop && ins === last, codeEnd, usedR, wroteR, usedF, wroteF));
    }
    if (selfLoop) {
      out.push('}');
      out.push(go(last.pc + 2, true));
    } else if (!(ENDS_WALK.has(last.op) || BR_INT[last.op] || BR_FLT[last.op])) {
      out.push(go(last.pc + 2, true));
    }
  }
  const regs = [...usedR].sort((x, y) => x - y), fregs = [...usedF].sort((x, y) => x - y);
  return [
    '"use strict";',
    // codeEnd is baked into the checks below; this line keeps it in the cache key too
    `// codeEnd ${codeEnd}`,
    `const base = ctx.base, limit = ctx.limit, codeEnd = ${codeEnd}, cacheEnd = ${Math.max(0, codeEnd - 1)}, sl = ctx.stackLow, sh = ctx.stackHigh;`,
    'let pc = ctx.pc, used = 0, st = -1, tk = 0, ta = 0, v = 0, sp = 0, x = 0;',
    ...regs.map((i) => `let r${i} = r[${i}];`),
    ...fregs.map((i) => `let f${i} = f[${i}];`),
    'out: for (;;) { switch (pc) {',
    ...out,
    'default: st = -1; break out;',
    '} }',
    ...[...wroteR].sort((x, y) => x - y).map((i) => `r[${i}] = r${i};`),
    ...[...wroteF].sort((x, y) => x - y).map((i) => `f[${i}] = f${i};`),
    'ctx.pc = pc;',
    'if (st === 2) { ctx.trapKind = tk; ctx.trapPc = pc; ctx.trapAddr = ta; }',
    'J.used = used;',
    'return st;',
  ].join('\n');
}

type Exit = (kind: number, addr: string) => string;

/** One instruction, in the interpreter's order of effects. */
function emitIns(ins: Ins, trap: Exit, leave: string, go: (t: number, fall: boolean) => string, loopBack: boolean, codeEnd: number,
  usedR: Set<number>, wroteR: Set<number>, usedF: Set<number>, wroteF: Set<number>): string {
  const { op, a, b, c, imm, pc } = ins;
  const rd = (i: number) => { if (i !== 0) usedR.add(i); return R(i); };
  // integer destination; a = 16 is the interpreter's sink for writes to r0
  const dst = (i: number) => { if (i === 16 || i === 0) return null; usedR.add(i); wroteR.add(i); return `r${i}`; };
  const fr = (i: number) => { usedF.add(i); return `f${i}`; };
  const fw = (i: number) => { usedF.add(i); wroteF.add(i); return `f${i}`; };
  const set = (e: string) => { const d = dst(a); return d === null ? '' : `${d} = ${e};`; };
  // operand 2 of RRX forms, as int32: r[c] + imm
  const X = c === 0 ? lit(imm) : imm === 0 ? rd(c) : `((${rd(c)} + ${lit(imm)}) | 0)`;
  // a memory address r[b] + r[c] + imm, as int32
  const addr = () => {
    const t = [b !== 0 ? rd(b) : '', c !== 0 ? rd(c) : '', imm !== 0 ? lit(imm) : ''].filter((s) => s !== '');
    return t.length === 0 ? '0' : t.length === 1 ? t[0] : `(${t.join(' + ')}) | 0`;
  };
  const ADDR = Trap.ADDRESS;
  const fixedAbove = (end: number) => b === 0 && c === 0 && imm >= end;
  const brTo = (cond: string) => loopBack ? `if (!(${cond})) break;` : `if (${cond}) { ${go(imm, false)} }`;
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
      const d = dst(a);
      return `v = ${addr()}; if ((v >>> 0) >= limit) ${trap(ADDR, 'v')}` + (d === null ? '' : ` ${d} = core[base + v];`);
    }
    case Op.ST:
      // a fixed address above the code (a BASIC variable) needs no check for self-modification
      return `v = ${addr()}; if ((v >>> 0) >= limit) ${trap(ADDR, 'v')} core[base + v] = ${rd(a)};` +
        (fixedAbove(codeEnd) ? '' :
          ` if (v < codeEnd) { code[v << 1] = 0; if (v > 0) code[(v - 1) << 1] = 0; if (cover[v] !== 0) { J.hit(v, v + 1); ${leave} } }`);
    case Op.LDF: case Op.STF: {
      const head = `v = ${addr()}; if ((v >>> 0) >= limit) ${trap(ADDR, 'v')} if (v + 1 >= limit) ${trap(ADDR, 'v + 1')}` +
        ` if ((v & 1) !== 0) ${trap(Trap.ALIGNMENT, 'v')}`;
      if (op === Op.LDF) return `${head} ${fw(a)} = f64[(base + v) >> 1];`;
      if (fixedAbove(codeEnd + 1)) return `${head} f64[(base + v) >> 1] = ${fr(a)};`;
      return `${head} f64[(base + v) >> 1] = ${fr(a)}; if (v <= codeEnd) { if (v > 0) code[(v - 1) << 1] = 0;` +
        ` if (v < cacheEnd) code[v << 1] = 0; if (v + 1 < cacheEnd) code[(v + 1) << 1] = 0;` +
        ` if (cover[v] !== 0 || cover[v + 1] !== 0) { J.hit(v, v + 2); ${leave} } }`;
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
    case Op.JMP: return b === 0 ? go(imm, false) : `pc = (${rd(b)} + ${lit(imm)}) | 0; continue;`;
    case Op.CALL: {
      const s = `sp = (${rd(15)} - 1) | 0; if (sp < sl) ${trap(Trap.STACK_OVERFLOW, 'sp')} if (sp >= sh) ${trap(ADDR, 'sp')}` +
        ` r15 = sp; core[base + sp] = ${pc + 2};`;
      wroteR.add(15);
      return b === 0 ? `${s} ${go(imm, false)}` : `${s} pc = (${rd(b)} + ${lit(imm)}) | 0; continue;`;
    }
    case Op.RET:
      wroteR.add(15);
      return `sp = ${rd(15)}; if (sp >= sh) ${trap(Trap.STACK_UNDERFLOW, 'sp')} if (sp < sl) ${trap(ADDR, 'sp')}` +
        ' r15 = sp + 1; pc = core[base + sp]; continue;';
    case Op.PUSH:
      wroteR.add(15);
      return `sp = (${rd(15)} - 1) | 0; if (sp < sl) ${trap(Trap.STACK_OVERFLOW, 'sp')} if (sp >= sh) ${trap(ADDR, 'sp')}` +
        ` r15 = sp; core[base + sp] = ${rd(a)};`;
    case Op.POP: {
      wroteR.add(15);
      const d = dst(a);
      return `sp = ${rd(15)}; if (sp >= sh) ${trap(Trap.STACK_UNDERFLOW, 'sp')} if (sp < sl) ${trap(ADDR, 'sp')}` +
        ` r15 = sp + 1;` + (d === null ? '' : ` ${d} = core[base + sp];`);
    }
    case Op.FPUSH:
      wroteR.add(15);
      return `sp = (${rd(15)} - 2) | 0; if (sp < sl) ${trap(Trap.STACK_OVERFLOW, 'sp')} if (sp + 1 >= sh) ${trap(ADDR, 'sp')}` +
        ` if ((sp & 1) !== 0) ${trap(Trap.ALIGNMENT, 'sp')} r15 = sp; f64[(base + sp) >> 1] = ${fr(a)};`;
    case Op.FPOP:
      wroteR.add(15);
      return `sp = ${rd(15)}; if (sp + 1 >= sh) ${trap(Trap.STACK_UNDERFLOW, 'sp')} if (sp < sl) ${trap(ADDR, 'sp')}` +
        ` if ((sp & 1) !== 0) ${trap(Trap.ALIGNMENT, 'sp')} r15 = sp + 2; ${fw(a)} = f64[(base + sp) >> 1];`;
    case Op.SVC: return `ctx.svcNumber = ${imm}; pc = ${pc + 2}; st = ${Stop.SVC}; break out;`;
    case Op.HALT: return `pc = ${pc + 2}; st = ${Stop.HALT}; break out;`;
    default: {
      const ci = BR_INT[op], cf = BR_FLT[op];
      if (ci) return brTo(`${rd(a)} ${ci} ${rd(b)}`) + (loopBack ? '' : ` ${go(pc + 2, true)}`);
      if (cf) return brTo(`${fr(a)} ${cf} ${fr(b)}`) + (loopBack ? '' : ` ${go(pc + 2, true)}`);
      throw new Error(`jit: no translation for opcode 0x${op.toString(16)}`);
    }
  }
}
