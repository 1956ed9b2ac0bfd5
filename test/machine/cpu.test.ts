import { describe, expect, it } from 'vitest';
import { OPS, Op, Stop, Trap, CYCLES, encodeHead, OP_BY_CODE } from '../../server/machine/isa.ts';
import { Context } from '../../server/machine/context.ts';
import { CPU } from '../../server/machine/cpu.ts';
import { loadImage } from '../../server/machine/loader.ts';
import { machine, outsideUntouched, run, runToEnd, type Machine } from './harness.ts';

/** Runs a program to HALT and returns the machine; fails the test on anything else. */
function exec(src: string): Machine {
  const o = run(src);
  expect(o.stop, `expected HALT, trap ${o.m.ctx.trapKind} at ${o.m.ctx.trapPc}`).toBe(Stop.HALT);
  return o.m;
}
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

describe('integer instructions', () => {
  it('LI, MOV, ADD and SUB wrap around at 32 bits', () => {
    const { ctx } = exec(`
      LI r1, 0x7fffffff
      ADD r2, r1, 1          ; INT_MAX + 1 wraps to INT_MIN
      SUB r3, r2, 1          ; and back
      MOV r4, r3
      LI r5, 7
      ADD r6, r5, r5         ; register form
      ADD r7, r5, r5+3       ; register plus immediate
      SUB r8, r5, r5-2       ; 7 - (7 - 2)
      SUB r9, r0, r5         ; 0 - 7
      HALT`);
    expect([...ctx.r.slice(1, 10)]).toEqual([INT_MAX, INT_MIN, INT_MAX, INT_MAX, 7, 14, 17, 2, -7]);
  });

  it('writes to r0 are discarded and r0 always reads 0', () => {
    const { ctx } = exec(`
      LI r0, 99
      ADD r0, r0, 5
      ADD r1, r0, 1
      LI r2, 3
      POP r0                 ; the stack is empty: this would trap, so push first
      HALT`.replace('POP r0', 'PUSH r2\n      POP r0'));
    expect(ctx.r[0]).toBe(0);
    expect(ctx.r[1]).toBe(1);
  });

  it('MUL keeps the low 32 bits; DIV truncates toward zero; MOD takes the sign of the dividend', () => {
    const { ctx } = exec(`
      LI r1, 0x10000
      MUL r2, r1, r1         ; 2^32 -> 0
      LI r3, 0x7fffffff
      MUL r4, r3, 3          ; low bits of 3 * INT_MAX
      LI r5, -7
      DIV r6, r5, 2          ; -3
      MOD r7, r5, 2          ; -1
      LI r8, 7
      MOD r9, r8, -2         ; 1
      LI r10, 0x80000000
      DIV r11, r10, -1       ; INT_MIN / -1 = INT_MIN
      MOD r12, r10, -1       ; 0
      HALT`);
    expect(ctx.r[2]).toBe(0);
    expect(ctx.r[4]).toBe(Math.imul(INT_MAX, 3));
    expect([ctx.r[6], ctx.r[7], ctx.r[9]]).toEqual([-3, -1, 1]);
    expect(ctx.r[11]).toBe(INT_MIN);
    expect(ctx.r[12]).toBe(0);
  });

  it('bitwise operations and shifts use only the low 5 bits of the count', () => {
    const { ctx } = exec(`
      LI r1, 0xf0f0
      AND r2, r1, 0xff       ; 0xf0
      OR r3, r1, 0x0f        ; 0xf0ff
      XOR r4, r1, r1         ; 0
      LI r5, 1
      SHL r6, r5, 33         ; 33 & 31 = 1 -> 2
      SHL r7, r5, 31         ; INT_MIN
      SHR r8, r7, 31         ; zero fill -> 1
      SRA r9, r7, 31         ; sign fill -> -1
      LI r10, 32
      SHR r11, r7, r10       ; count 32 & 31 = 0 -> unchanged
      NEG r12, r7            ; -INT_MIN wraps to INT_MIN
      NOT r13, r0            ; -1
      HALT`);
    expect([...ctx.r.slice(2, 5)]).toEqual([0xf0, 0xf0ff, 0]);
    expect([ctx.r[6], ctx.r[7], ctx.r[8], ctx.r[9]]).toEqual([2, INT_MIN, 1, -1]);
    expect([ctx.r[11], ctx.r[12], ctx.r[13]]).toEqual([INT_MIN, INT_MIN, -1]);
  });

  it('LD, ST and LA address r[b] + r[c] + imm', () => {
    const { ctx, core, base } = exec(`
      LI r2, 2
      LI r3, 1
      LD r1, tab(r2)         ; tab[2] = 30
      LD r4, tab(r2,r3)      ; tab[3] = 40
      LD r5, tab             ; absolute: tab[0] = 10
      LA r6, tab(r2,r3)      ; the address itself
      ST r4, tab(r0)
      LD r7, 0(r6)
      HALT
tab:  .word 10, 20, 30, 40`);
    expect([ctx.r[1], ctx.r[4], ctx.r[5], ctx.r[7]]).toEqual([30, 40, 10, 40]);
    expect(core[base + ctx.r[6] - 3]).toBe(40); // tab[0] was overwritten with 40
  });
});

describe('branches, calls and the stack', () => {
  it('compares signed and branches; JMP through a register', () => {
    const { ctx } = exec(`
      LI r1, -1
      LI r2, 1
      LI r9, 0
      BLT r1, r2, a          ; signed: -1 < 1
      HALT
a:    ADD r9, r9, 1
      BGT r2, r1, b
      HALT
b:    ADD r9, r9, 1
      BLE r1, r1, c
      HALT
c:    ADD r9, r9, 1
      BGE r1, r1, d
      HALT
d:    ADD r9, r9, 1
      BEQ r1, r2, bad
      BNE r1, r2, e
bad:  HALT
e:    ADD r9, r9, 1
      LA r3, f
      JMP 0(r3)
      HALT
f:    ADD r9, r9, 1
      HALT`);
    expect(ctx.r[9]).toBe(6);
  });

  it('CALL pushes the return address, RET pops it, PUSH/POP and FPUSH/FPOP restore values', () => {
    const { ctx, size } = exec(`
      LI r1, 5
      CALL sq
      MOV r4, r1
      LI r2, 11
      PUSH r2
      LI r2, 0
      POP r3
      LDF f1, half
      FPUSH f1
      FPOP f2
      HALT
sq:   MUL r1, r1, r1
      RET
      .align
half: .double 0.5`);
    expect([ctx.r[4], ctx.r[3]]).toEqual([25, 11]);
    expect(ctx.f[2]).toBe(0.5);
    expect(ctx.r[15]).toBe(size); // SP back at the top of the stack
  });
});

describe('floating point', () => {
  it('arithmetic and functions follow IEEE double', () => {
    const { ctx } = exec(`
      LDF f1, two
      LDF f2, three
      FADD f3, f1, f2
      FSUB f4, f1, f2
      FMUL f5, f1, f2
      FDIV f6, f1, f2
      FPOW f7, f1, f2        ; 8
      FSQRT f8, f1
      FNEG f9, f1
      FABS f10, f9
      FMOV f11, f3
      HALT
      .align
two:   .double 2
three: .double 3.0`);
    expect([...ctx.f.slice(3, 12)]).toEqual([5, -1, 6, 2 / 3, 8, Math.SQRT2, -2, 2, 5]);
  });

  it('the BASIC functions', () => {
    const { ctx } = exec(`
      LDF f1, x
      FSIN f2, f1
      FCOS f3, f1
      FTAN f4, f1
      FATN f5, f1
      FEXP f6, f1
      FLOG f7, f1
      FFLOOR f8, f1
      FNEG f9, f1
      FFLOOR f10, f9         ; floor(-2.5) = -3
      FSGN f11, f9
      FSGN f12, f1
      FSGN f13, f0           ; 0
      HALT
      .align
x:    .double 2.5`);
    const x = 2.5;
    expect([...ctx.f.slice(2, 14)]).toEqual([Math.sin(x), Math.cos(x), Math.tan(x), Math.atan(x), Math.exp(x),
      Math.log(x), 2, -2.5, -3, -1, 1, 0]);
  });

  it('division by zero gives Infinity and NaN, no trap; NaN compares unordered', () => {
    const { ctx } = exec(`
      LDF f1, one
      FDIV f2, f1, f0        ; 1/0 = Infinity
      FDIV f3, f0, f0        ; 0/0 = NaN
      FNEG f4, f1
      FSQRT f5, f4           ; sqrt(-1) = NaN
      FLOG f6, f0            ; log 0 = -Infinity
      FSGN f7, f3            ; NaN gives 0
      LI r9, 0
      FBEQ f3, f3, x1        ; never taken
      ADD r9, r9, 1
x1:   FBNE f3, f3, x2        ; taken
      HALT
x2:   FBLT f3, f1, x3
      FBLE f3, f1, x3
      FBGT f3, f1, x3
      FBGE f3, f1, x3
      ADD r9, r9, 1
      FBLT f4, f1, x4        ; -1 < 1
x3:   HALT
x4:   FBGE f1, f1, x5
      HALT
x5:   FBLE f1, f1, x6
      HALT
x6:   FBGT f1, f4, x7
      HALT
x7:   FBEQ f1, f1, x8
      HALT
x8:   ADD r9, r9, 1
      HALT
      .align
one:  .double 1`);
    expect(ctx.f[2]).toBe(Infinity);
    expect(ctx.f[3]).toBeNaN();
    expect(ctx.f[5]).toBeNaN();
    expect(ctx.f[6]).toBe(-Infinity);
    expect(ctx.f[7]).toBe(0);
    expect(ctx.r[9]).toBe(3);
  });

  it('ITOF is exact; FTOI truncates, saturates and maps NaN to 0', () => {
    const { ctx } = exec(`
      LI r1, -7
      ITOF f1, r1
      LDF f2, big
      FTOI r2, f2
      FNEG f3, f2
      FTOI r3, f3
      LDF f4, frac
      FTOI r4, f4            ; -2.75 -> -2
      FDIV f5, f0, f0
      FTOI r5, f5
      FDIV f6, f2, f0        ; Infinity
      FTOI r6, f6
      HALT
      .align
big:  .double 1e12
frac: .double -2.75`);
    expect(ctx.f[1]).toBe(-7);
    expect([ctx.r[2], ctx.r[3], ctx.r[4], ctx.r[5], ctx.r[6]]).toEqual([INT_MAX, INT_MIN, -2, 0, INT_MAX]);
  });

  it('stores a double as two words, low half first', () => {
    const { core, base, image } = exec(`
      LDF f1, src
      STF f1, dst
      HALT
      .align
src:  .double -1.5
dst:  .double 0`);
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, -1.5, true);
    const dst = image.words.length - 2;
    expect([core[base + dst], core[base + dst + 1]]).toEqual([dv.getInt32(0, true), dv.getInt32(4, true)]);
  });
});

describe('cycle costs', () => {
  it('every opcode is charged the cost in the ISA table', () => {
    // One instruction of each kind that completes without trapping, then HALT.
    for (const op of OPS) {
      if (['HALT', 'SVC', 'SETR', 'SIO', 'IDLE', 'RET', 'POP', 'FPOP', 'JMP', 'CALL'].includes(op.name)) continue;
      const src = op.name.startsWith('FB') || ['BEQ', 'BNE', 'BLT', 'BLE', 'BGT', 'BGE'].includes(op.name)
        ? `${op.name} ${op.name.startsWith('F') ? 'f0, f0' : 'r0, r0'}, next\nnext: HALT`
        : ({
          LD: 'LD r1, 0', ST: 'ST r0, 100', LA: 'LA r1, 4', LDF: 'LDF f1, 100', STF: 'STF f1, 100',
          PUSH: 'PUSH r1', FPUSH: 'FPUSH f1', NOP: 'NOP', LI: 'LI r1, 1', DIV: 'DIV r1, r1, 1', MOD: 'MOD r1, r1, 1',
        } as Record<string, string>)[op.name] ?? defaultOperands(op.name, op.fmt) + '\nHALT';
      const m = machine(`.stack 16\n${src.includes('HALT') ? src : `${src}\nHALT`}`, { size: 256 });
      const stop = m.cpu.run(m.ctx, 1000);
      expect(stop, op.name).toBe(Stop.HALT);
      expect(m.cpu.cycles, op.name).toBe(op.cycles + CYCLES[Op.HALT]);
    }
  });

  it('control transfers: JMP, CALL, RET, POP, FPOP, SVC', () => {
    const m = machine(`
      CALL s
      PUSH r1
      POP r1
      FPUSH f1
      FPOP f1
      JMP e
e:    SVC 5
      HALT
s:    RET`);
    expect(m.cpu.run(m.ctx, 1000)).toBe(Stop.SVC);
    expect(m.cpu.cycles).toBe(CYCLES[Op.CALL] + CYCLES[Op.RET] + CYCLES[Op.PUSH] + CYCLES[Op.POP]
      + CYCLES[Op.FPUSH] + CYCLES[Op.FPOP] + CYCLES[Op.JMP] + CYCLES[Op.SVC]);
    expect(m.ctx.svcNumber).toBe(5);
    expect(m.cpu.run(m.ctx, 1000)).toBe(Stop.HALT); // pc was already past the SVC
  });
});

function defaultOperands(name: string, fmt: number): string {
  const forms: Record<number, string> = {
    2: 'r1, r2', 3: 'r1, r2, 3', 6: 'f1, f2', 7: 'f1, f2, f3', 8: 'f1, r2', 9: 'r1, f2',
  };
  return `${name} ${forms[fmt] ?? ''}`;
}

describe('traps', () => {
  const cases: [string, string, Trap, number | 'pc'][] = [
    ['load beyond the limit', 'LI r1, 5000\n LD r2, 0(r1)', Trap.ADDRESS, 5000],
    ['store at a negative address', 'LI r1, -1\n ST r2, 0(r1)', Trap.ADDRESS, -1],
    ['double straddling the limit', 'LDF f1, 0(r1)', Trap.ADDRESS, 'pc'],
    ['double at an odd address', 'LDF f1, 3', Trap.ALIGNMENT, 3],
    ['jump outside the partition', 'JMP 100000', Trap.ADDRESS, 100000],
    ['illegal opcode', '.word 0x07000000, 0', Trap.ILLEGAL, 0],
    ['reserved bits set', `.word ${encodeHead(Op.NOP) | 1}, 0`, Trap.ILLEGAL, 0],
    ['zeroed core', '.word 0, 0', Trap.ILLEGAL, 0],
    ['SETR is privileged', 'SETR r1, r2', Trap.PRIVILEGED, 0],
    ['SIO is privileged', 'SIO r0, 1', Trap.PRIVILEGED, 0],
    ['IDLE is privileged', 'IDLE', Trap.PRIVILEGED, 0],
    ['DIV by zero', 'LI r1, 5\n DIV r2, r1, r0', Trap.DIVIDE, 0],
    ['MOD by zero', 'MOD r2, r1, 0', Trap.DIVIDE, 0],
    ['stack overflow', 'loop: PUSH r1\n JMP loop', Trap.STACK_OVERFLOW, 'pc'],
    ['stack underflow on POP', 'POP r1', Trap.STACK_UNDERFLOW, 'pc'],
    ['stack underflow on RET', 'RET', Trap.STACK_UNDERFLOW, 'pc'],
    ['FPOP underflow', 'FPOP f1', Trap.STACK_UNDERFLOW, 'pc'],
    ['CALL with a full stack', 'LA r15, 0(r15)\n loop: CALL loop', Trap.STACK_OVERFLOW, 'pc'],
    ['FPUSH with an odd SP', 'SUB r15, r15, 1\n FPUSH f1', Trap.ALIGNMENT, 'pc'],
    ['PUSH with SP moved above the stack', 'LI r15, 100\n PUSH r1', Trap.ADDRESS, 99],
    ['POP with SP moved below the stack', 'LI r15, 3\n POP r1', Trap.ADDRESS, 3],
  ];
  for (const [what, body, kind, addr] of cases) {
    it(`${what}: the kind, pc and address are recorded and nothing outside the partition is touched`, () => {
      const src = `${what === 'double straddling the limit' ? 'LI r1, limit - 1\n' : ''}${body}\nHALT`;
      const size = 64;
      const m = machine(`.stack 8\n${src.replace('limit', String(size))}`, { size });
      m.core.fill(0x11, m.base + m.image.words.length, m.base + size - 8); // data between code and stack
      let stop: Stop;
      let guard = 0;
      do stop = m.cpu.run(m.ctx, 7); while (stop === Stop.BUDGET && ++guard < 1000);
      expect(stop).toBe(Stop.TRAP);
      expect(m.ctx.trapKind).toBe(kind);
      expect(outsideUntouched(m)).toBe(true);
      if (addr !== 'pc') expect(m.ctx.trapAddr).toBe(addr);
      const op = OP_BY_CODE[m.core[m.base + m.ctx.trapPc] >>> 24];
      if (kind !== Trap.ILLEGAL && addr !== 100000) expect(op, `trapPc ${m.ctx.trapPc}`).toBeDefined();
      expect(m.ctx.pc).toBe(m.ctx.trapPc);
    });
  }

  it('a double straddling the limit reports the first word outside', () => {
    const m = machine('.stack 8\nLI r1, 63\nLDF f1, 0(r1)\nHALT', { size: 64 });
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.TRAP);
    expect([m.ctx.trapKind, m.ctx.trapPc, m.ctx.trapAddr]).toEqual([Trap.ADDRESS, 2, 64]);
  });

  it('stack overflow names the address below the stack', () => {
    const m = machine('.stack 4\nloop: PUSH r1\nJMP loop', { size: 64 });
    expect(m.cpu.run(m.ctx, 1000)).toBe(Stop.TRAP);
    expect([m.ctx.trapKind, m.ctx.trapPc, m.ctx.trapAddr]).toEqual([Trap.STACK_OVERFLOW, 0, 59]);
    expect(m.ctx.r[15]).toBe(60);
  });

  it('a trapping instruction is charged its cost', () => {
    const m = machine('LI r1, 1\nDIV r1, r1, 0\nHALT');
    expect(m.cpu.run(m.ctx, 1000)).toBe(Stop.TRAP);
    expect(m.cpu.cycles).toBe(CYCLES[Op.LI] + CYCLES[Op.DIV]);
  });

  it('a wild store cannot reach another partition, even from a moved partition', () => {
    const m = machine('.stack 8\nLI r1, 64\nST r1, 0(r1)\nHALT', { size: 64 });
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.TRAP);
    expect(outsideUntouched(m)).toBe(true);
  });
});

describe('budget and slicing', () => {
  const PROGRAM = `
; a mix of integer, float, memory, stack and call work, with a self-modifying store
start: LI r1, 0
       LI r2, 300
       LDF f1, step
loop:  CALL work
       ADD r1, r1, 1
       BLT r1, r2, loop
       HALT
work:  PUSH r1
       MUL r3, r1, r1
       MOD r4, r3, 7
       ST r4, buf(r4)
       ITOF f2, r3
       FMUL f3, f2, f1
       FSQRT f4, f3
       FADD f5, f5, f4
       STF f5, acc
       LD r5, patch+1        ; the immediate of the instruction at patch
       ADD r5, r5, 1
       ST r5, patch+1        ; rewrite it: the CPU must see the new value
patch: LI r6, 0
       POP r1
       RET
       .align
step:  .double 0.25
acc:   .double 0
buf:   .space 8`;

  function final(slice: number) {
    const m = machine(PROGRAM);
    let total = 0;
    let stop: Stop;
    let runs = 0;
    do { stop = m.cpu.run(m.ctx, slice); total += m.cpu.cycles; runs++; } while (stop === Stop.BUDGET);
    return { stop, total, runs, r: [...m.ctx.r], f: [...m.ctx.f], pc: m.ctx.pc,
      mem: [...m.core.slice(m.base, m.base + m.size)] };
  }

  it('slices of 1, 7 and 10,000 cycles end in the same state and count as one run', () => {
    const whole = final(1e9);
    expect(whole.stop).toBe(Stop.HALT);
    expect(whole.runs).toBe(1);
    expect(whole.r[6]).toBe(300); // the self-modified LI ran with each new immediate
    for (const slice of [1, 7, 10_000]) {
      const s = final(slice);
      expect(s.runs).toBeGreaterThan(1);
      expect({ ...s, runs: 0 }).toEqual({ ...whole, runs: 0 });
    }
  });

  it('runs at least one instruction, overshoots by at most one, and does nothing for budget 0', () => {
    const m = machine('DIV r1, r1, 1\nHALT');
    expect(m.cpu.run(m.ctx, 0)).toBe(Stop.BUDGET);
    expect(m.cpu.cycles).toBe(0);
    expect(m.cpu.run(m.ctx, 1)).toBe(Stop.BUDGET);
    expect(m.cpu.cycles).toBe(CYCLES[Op.DIV]);
    expect(m.ctx.pc).toBe(2);
  });

  it('is deterministic: the same program gives the same cycles and state every time', () => {
    const a = final(333), b = final(333);
    expect(a).toEqual(b);
  });
});

describe('the decoded cache', () => {
  it('sees stores into code, including the second word of an instruction', () => {
    const { ctx } = exec(`
      LI r1, 2
loop: LI r2, 10               ; its immediate is rewritten below
      ADD r3, r3, r2
      LI r4, 20
      ST r4, loop+1
      SUB r1, r1, 1
      BNE r1, r0, loop
      HALT`);
    expect(ctx.r[3]).toBe(30);
  });

  it('sees a whole instruction replaced by STF and by a store of the head word', () => {
    const { ctx } = exec(`
      LI r9, 0
      LDF f1, newins
      .align
      NOP                    ; padding so that "here" is even
here: ADD r9, r9, 1          ; becomes ADD r9, r9, 100 after the STF
      BNE r8, r0, done
      LI r8, 1
      STF f1, here
      JMP here
done: LD r1, halt
      ST r1, tail            ; replace the head of a NOP with HALT
tail: NOP
      LI r9, -1
halt: HALT
      .align
newins: .word ${encodeHead(Op.ADD, 9, 9)}, 100`.replace('      .align\n      NOP', '      .align\n      NOP\n      NOP'));
    expect(ctx.r[9]).toBe(101);
  });

  it('is indexed by virtual address: a partition moved between slices keeps running correctly', () => {
    const src = `
      .stack 8
      LI r1, 0
loop: ADD r1, r1, 1
      ST r1, cell
      LI r2, 1000
      BLT r1, r2, loop
      HALT
cell: .word 0`;
    const m = machine(src, { base: 256, size: 64 });
    const core = m.core;
    let stop = m.cpu.run(m.ctx, 500);
    expect(stop).toBe(Stop.BUDGET);
    // compaction: copy the partition to 0 and move the relocation register
    core.copyWithin(0, m.base, m.base + m.size);
    core.fill(0, m.base, m.base + m.size);
    m.ctx.base = 0;
    do stop = m.cpu.run(m.ctx, 500); while (stop === Stop.BUDGET);
    expect(stop).toBe(Stop.HALT);
    expect(core[m.image.words.length - 1]).toBe(1000);
  });

  it('ctx.invalidate makes the CPU see code written from outside (by a supervisor call)', () => {
    const m = machine(`
again: LI r1, 1
       SVC 99
       JMP again`);
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.SVC);
    expect(m.ctx.r[1]).toBe(1);
    m.core[m.base + 1] = 2; // the "supervisor" rewrites LI's immediate
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.SVC);
    expect(m.ctx.r[1]).toBe(1); // still cached: nobody said
    m.ctx.invalidate(1, 2);
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.SVC);
    expect(m.ctx.r[1]).toBe(2);
  });

  it('runs code outside [0, codeEnd) too (uncached)', () => {
    const m = machine(`
      LD r1, ins
      ST r1, buf
      LD r1, ins+1
      ST r1, buf+1
      LD r1, ins+2
      ST r1, buf+2
      JMP buf
ins:  .word ${encodeHead(Op.LI, 5)}, 77, ${encodeHead(Op.HALT)}
buf:  .space 4`);
    const o = runToEnd(m);
    expect(o.stop).toBe(Stop.HALT);
    expect(m.ctx.r[5]).toBe(77);
  });
});

describe('loader', () => {
  it('sets the partition, stack and entry, and zeroes the rest of the partition', () => {
    const core = new Int32Array(512).fill(-1);
    const ctx = new Context();
    ctx.r[3] = 9;
    const image = { words: Int32Array.from([encodeHead(Op.HALT), 0, 42]), entry: 0, bssWords: 5, stackWords: 10, codeEnd: 2 };
    loadImage(core, ctx, image, 100, 20);
    expect([...core.slice(100, 103)]).toEqual([encodeHead(Op.HALT), 0, 42]);
    expect(core.slice(103, 120).every((w) => w === 0)).toBe(true);
    expect(core[99]).toBe(-1);
    expect(core[120]).toBe(-1);
    expect([ctx.base, ctx.limit, ctx.stackLow, ctx.stackHigh, ctx.r[15], ctx.r[3], ctx.pc]).toEqual([100, 20, 10, 20, 20, 0, 0]);
    expect(() => loadImage(core, ctx, image, 100, 16)).toThrow(/smaller/);
    expect(() => loadImage(core, ctx, image, 101, 20)).toThrow(/even/);
    expect(new CPU(core).run(ctx, 10)).toBe(Stop.HALT);
  });
});
