// The JIT tier's own behaviour: what gets compiled and when, reuse across jobs, invalidation,
// partition moves, switching it off, the bound on recompiling self-modifying code, and what the
// WebAssembly back end does differently.
import { describe, expect, it } from 'vitest';
import { Context } from '../../server/machine/context.ts';
import { CPU, type CPUOptions } from '../../server/machine/cpu.ts';
import { Stop, Trap } from '../../server/machine/isa.ts';
import { jitCounters } from '../../server/machine/jit.ts';
import { wasmCore, wasmCounters } from '../../server/machine/jit-wasm.ts';
import { loadImage } from '../../server/machine/loader.ts';
import { harness, machine, mustAssemble, type Machine } from './harness.ts';

const LOOP = `
      .stack 8
      LI   r1, 0
      LI   r2, 0
loop: ADD  r2, r2, r1
      ST   r2, cell
      ADD  r1, r1, 1
      LI   r3, N
      BLT  r1, r3, loop
      HALT
cell: .word 0`;

function finish(m: Machine, slice = 1000): { stop: Stop; cycles: number } {
  let cycles = 0;
  for (;;) {
    const stop = m.cpu.run(m.ctx, slice);
    cycles += m.cpu.cycles;
    if (stop !== Stop.BUDGET) return { stop, cycles };
  }
}

function withCpu(src: string, opts: CPUOptions): Machine {
  const m = machine(src);
  return { ...m, cpu: new CPU(m.core, opts) };
}

describe('the JIT', () => {
  it('compiles a hot loop and gives the interpreter\'s result and cycle count', () => {
    const src = `.equ N, 5000\n${LOOP}`;
    const plain = withCpu(src, { jit: false });
    const fast = withCpu(src, { jit: true, hotThreshold: 50, jitAfter: 1000 });
    const a = finish(plain), b = finish(fast);
    expect(b).toEqual(a);
    expect(fast.ctx.r[2]).toBe((5000 * 4999) / 2);
    expect(fast.ctx.jit!.stats().regions).toBeGreaterThan(0);
  });

  it('leaves cold code alone: short jobs never build its tables', () => {
    const m = withCpu(`.equ N, 20\n${LOOP}`, { jit: true });
    expect(finish(m).stop).toBe(Stop.HALT);
    expect(m.ctx.jit).toBeNull();
  });

  it('reuses the translation for a second job running the same code', () => {
    const src = `.equ N, 300\n${LOOP}`;
    finish(withCpu(src, { jit: true, hotThreshold: 2, jitAfter: 0 }));
    const reused = jitCounters.reused;
    const m = withCpu(src, { jit: true, hotThreshold: 2, jitAfter: 0 });
    expect(finish(m).stop).toBe(Stop.HALT);
    expect(jitCounters.reused).toBeGreaterThan(reused);
  });

  it('keeps running correctly when the partition moves while the loop is compiled', () => {
    const src = `.equ N, 3000\n${LOOP}`;
    const image = mustAssemble(src);
    const core = new Int32Array(4096);
    const ctx = new Context();
    loadImage(core, ctx, image, 1000, 64);
    const cpu = new CPU(core, { jit: true, hotThreshold: 2, jitAfter: 0 });
    let base = 1000;
    let stop: Stop;
    do {
      stop = cpu.run(ctx, 777);
      // compaction between every slice: copy the partition and move the relocation register
      const to = base === 1000 ? 2000 : 1000;
      core.copyWithin(to, base, base + 64);
      core.fill(-1, base, base + 64);
      ctx.base = base = to;
    } while (stop === Stop.BUDGET);
    expect(stop).toBe(Stop.HALT);
    expect(ctx.r[2]).toBe((3000 * 2999) / 2);
    expect(core[base + image.words.length - 1]).toBe((3000 * 2999) / 2);
    expect(ctx.jit!.stats().regions).toBeGreaterThan(0);
  });

  it('drops compiled code that ctx.invalidate says was rewritten', () => {
    const m = withCpu(`
again: LI r1, 1
       SVC 99
       JMP again`, { jit: true, hotThreshold: 1, jitAfter: 0 });
    for (let i = 0; i < 3; i++) expect(m.cpu.run(m.ctx, 100)).toBe(Stop.SVC);
    expect(m.ctx.jit!.stats().regions).toBe(1);
    m.core[m.base + 1] = 2; // a supervisor call rewrites LI's immediate, and says so
    m.ctx.invalidate(1, 2);
    expect(m.ctx.jit!.stats().regions).toBe(0);
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.SVC);
    expect(m.cpu.run(m.ctx, 100)).toBe(Stop.SVC);
    expect(m.ctx.r[1]).toBe(2);
  });

  it('can be switched off between slices', () => {
    const src = `.equ N, 4000\n${LOOP}`;
    const m = withCpu(src, { jit: true, hotThreshold: 2, jitAfter: 0 });
    const ref = finish(withCpu(src, { jit: false }), 500);
    let cycles = 0, stop: Stop, k = 0;
    do {
      m.cpu.jit = k++ % 3 !== 2;
      stop = m.cpu.run(m.ctx, 500);
      cycles += m.cpu.cycles;
    } while (stop === Stop.BUDGET);
    expect({ stop, cycles }).toEqual(ref);
    expect(m.ctx.r[2]).toBe((4000 * 3999) / 2);
  });

  it('stops recompiling a loop that keeps rewriting itself', () => {
    const src = `
      .stack 8
      LI   r1, 0
      LI   r2, 2000
loop: ADD  r1, r1, 1
      LD   r3, loop+1       ; the ADD's immediate: rewritten with itself, every time
      ST   r3, loop+1
      BLT  r1, r2, loop
      HALT`;
    const before = jitCounters.regions;
    const m = withCpu(src, { jit: true, hotThreshold: 1, jitAfter: 0 });
    const ref = finish(withCpu(src, { jit: false }));
    expect(finish(m)).toEqual(ref);
    expect(m.ctx.r[1]).toBe(2000);
    expect(jitCounters.regions - before).toBeLessThan(20);
  });

  it('leaves out code the interpreter never reached, so V8 never meets a path it has not run', () => {
    const src = `
      .stack 8
      LI   r1, 0
      LI   r3, 3000
loop: ADD  r1, r1, 1
      BLT  r1, r0, cold     ; never taken
      BLT  r1, r3, loop
      HALT
cold: NOP
      NOP
      NOP
      HALT`;
    const m = withCpu(src, { jit: true, hotThreshold: 20, jitAfter: 0 });
    expect(finish(m, 500)).toEqual(finish(withCpu(src, { jit: false }), 500));
    expect(m.ctx.r[1]).toBe(3000);
    // the loop's three instructions; not the cold path, not the HALT after the loop
    expect(m.ctx.jit!.stats()).toEqual({ regions: 1, instructions: 3 });
  });

  it('translates a loop once, however often a slice ends inside it', () => {
    // side exits (never taken) inside the loop's block; slices of 37 cycles end all over it
    const src = `
      .stack 8
      LI   r1, 0
      LI   r3, 20000
loop: ADD  r1, r1, 1
      BLT  r1, r0, out
      ADD  r2, r1, r1
      BLT  r2, r0, out
      ADD  r4, r2, 7
      BLT  r4, r0, out
      BLT  r1, r3, loop
out:  HALT`;
    const m = withCpu(src, { jit: true, hotThreshold: 5, jitAfter: 0 });
    expect(finish(m, 37)).toEqual(finish(withCpu(src, { jit: false }), 37));
    expect(m.ctx.r[1]).toBe(20000);
    expect(m.ctx.jit!.stats().regions).toBe(1);
  });
});

describe('the WebAssembly back end', () => {
  /** A machine whose core is a WebAssembly.Memory, as the monitor's is. */
  function wasmMachine(src: string, opts: CPUOptions, size?: number): Machine {
    harness.wasmCore = true;
    try {
      const m = machine(src, size === undefined ? {} : { size });
      return { ...m, cpu: new CPU(m.core, opts) };
    } finally {
      harness.wasmCore = false;
    }
  }

  it('runs a hot loop as WebAssembly with the interpreter\'s result and cycle count', () => {
    const src = `.equ N, 5000\n${LOOP}`;
    const runs = wasmCounters.calls;
    const m = wasmMachine(src, {});
    expect(finish(m)).toEqual(finish(withCpu(src, { jit: false })));
    expect(m.ctx.r[2]).toBe((5000 * 4999) / 2);
    expect(wasmCounters.calls - runs).toBeGreaterThan(0);
  });

  it('takes a loop nest into one region when the inner loop gets hot, with the code after it', () => {
    // three nested loops: the inner one is hot first; the outer two and the code after them have
    // not run yet, but they join its region at once, so nothing is translated twice
    const src = `
      .stack 8
      LI   r1, 0
      LI   r9, 0
i:    LI   r2, 0
j:    LI   r3, 0
k:    ADD  r9, r9, 1
      ADD  r3, r3, 1
      LI   r8, 30
      BLT  r3, r8, k
      ADD  r2, r2, 1
      BLT  r2, r8, j
      ADD  r1, r1, 1
      BLT  r1, r8, i
      ST   r9, sum
      HALT
sum:  .word 0`;
    const m = wasmMachine(src, { hotThreshold: 10, jitAfter: 0 });
    expect(finish(m)).toEqual(finish(withCpu(src, { jit: false })));
    expect(m.ctx.r[9]).toBe(27000);
    expect(m.ctx.jit!.stats().regions).toBe(1);
  });

  it('takes code into a region when it gets hot where the region leaves for it, instead of a region of its own', () => {
    // sub's branch to late is never taken when the loop nest becomes hot (r1 < 50), so late is
    // left out; from r1 = 50 on every outer pass goes there. Taken into the loop's region, it costs
    // no trip through the dispatcher (two per pass as a region of its own: the extended dialect's
    // FOR calling the routine that pushes its loop was that, 12,000 times in MATMUL)
    const src = `
      .stack 16
      LI   r1, 0
      LI   r9, 0
      LI   r10, 0
      LI   r12, 50
i:    LI   r2, 0
      CALL sub
j:    ADD  r9, r9, 1
      ADD  r2, r2, 1
      LI   r8, 20
      BLT  r2, r8, j
      ADD  r1, r1, 1
      LI   r8, 300
      BLT  r1, r8, i
      HALT
sub:  BGE  r1, r12, late
      ADD  r10, r10, 1
      RET
late: ADD  r10, r10, 2
      RET`;
    const runs = wasmCounters.calls;
    const m = wasmMachine(src, { hotThreshold: 10, jitAfter: 0 });
    expect(finish(m, 1_000_000)).toEqual(finish(withCpu(src, { jit: false }), 1_000_000));
    expect([m.ctx.r[9], m.ctx.r[10]]).toEqual([6000, 50 + 250 * 2]);
    expect(m.ctx.jit!.stats().regions).toBe(1);
    expect(wasmCounters.calls - runs).toBeLessThan(20);
  });

  it('counts code that ran before the JIT watched the job as warm: a routine called then joins the region at once', () => {
    // sub runs in the first cycles (jitAfter), when no arrival is counted, and next only from the
    // outer loop, after the inner loop's region is built. Warm, it is in that region from the
    // start; left out, the region would be translated a second time to take it in (the extended
    // dialect's FOR calls the routine that pushes the loop's record like that: 3-5 ms in MATMUL)
    const src = `
      .stack 16
      LI   r1, 0
      LI   r9, 0
      LI   r10, 0
      CALL sub
i:    LI   r2, 0
j:    ADD  r9, r9, 1
      ADD  r2, r2, 1
      LI   r8, 20
      BLT  r2, r8, j
      CALL sub
      ADD  r1, r1, 1
      LI   r8, 300
      BLT  r1, r8, i
      HALT
sub:  ADD  r10, r10, 1
      RET`;
    const translated = jitCounters.regions;
    const m = wasmMachine(src, { hotThreshold: 10, jitAfter: 12 });
    expect(finish(m, 1_000_000)).toEqual(finish(withCpu(src, { jit: false }), 1_000_000));
    expect([m.ctx.r[9], m.ctx.r[10]]).toEqual([6000, 301]);
    expect(m.ctx.jit!.stats().regions).toBe(1);
    expect(jitCounters.regions - translated).toBe(1);
  });

  it('traps as the interpreter does when a double at a computed address leaves the partition or is odd', () => {
    // one test in the region covers the three traps of LDF and STF; which one it was (and its
    // address) is worked out after it leaves: the first word outside, the second, or alignment
    for (const op of ['LDF', 'STF']) {
      for (const bad of [63, 64, 100, 33, -2]) {
        const src = `
      .equ BAD, ${bad}
      .stack 8
      LI   r1, 0
      LI   r4, 40
loop: ADD  r1, r1, 1
      LI   r3, 30
      BLT  r1, r3, ok
      LI   r4, BAD
ok:   ${op}  f1, 0(r4)
      LI   r3, 100
      BLT  r1, r3, loop
      HALT`;
        const m = wasmMachine(src, { hotThreshold: 5, jitAfter: 0 }, 64);
        const ref = withCpu(src, { jit: false });
        expect(finish(m, 97), `${op} at ${bad}`).toEqual(finish(ref, 97));
        expect([m.ctx.trapKind, m.ctx.trapPc, m.ctx.trapAddr, m.ctx.pc], `${op} at ${bad}`)
          .toEqual([ref.ctx.trapKind, ref.ctx.trapPc, ref.ctx.trapAddr, ref.ctx.pc]);
        expect(m.ctx.trapKind).toBe(bad === 33 ? Trap.ALIGNMENT : Trap.ADDRESS);
        expect(m.ctx.jit!.stats().regions).toBe(1);
      }
    }
  });

  it('a region whose fixed addresses are outside the partition declines, and the job traps where the interpreter does', () => {
    const src = `
      .stack 8
      LI   r1, 0
      LI   r3, 500
loop: ADD  r1, r1, 1
      BLT  r1, r3, loop
      LD   r2, 100000        ; outside a 64-word partition: ADDRESS here, after the loop
      HALT`;
    const declined = wasmCounters.declined;
    const m = wasmMachine(src, { hotThreshold: 2, jitAfter: 0 }, 64);
    const ref = withCpu(src, { jit: false });
    expect(finish(m, 97)).toEqual(finish(ref, 97));
    expect(m.ctx.trapKind).toBe(Trap.ADDRESS);
    expect([m.ctx.trapPc, m.ctx.trapAddr, m.ctx.r[1]]).toEqual([ref.ctx.trapPc, ref.ctx.trapAddr, 500]);
    expect(wasmCounters.declined - declined).toBeGreaterThan(0);
  });

  it('runs a slice larger than a region\'s cycle counter holds (2^30) to the end, exactly', () => {
    const src = `.equ N, 200000\n${LOOP}`;
    const m = wasmMachine(src, { hotThreshold: 2, jitAfter: 0 });
    const ref = withCpu(src, { jit: false });
    expect(m.cpu.run(m.ctx, 2 ** 40)).toBe(Stop.HALT);
    expect(ref.cpu.run(ref.ctx, 2 ** 40)).toBe(Stop.HALT);
    expect(m.cpu.cycles).toBe(ref.cpu.cycles);
    expect(m.ctx.r[2]).toBe(ref.ctx.r[2]);
  });

  it('keeps running correctly when the partition moves between slices', () => {
    const src = `.equ N, 3000\n${LOOP}`;
    const image = mustAssemble(src);
    const core = wasmCore(4096);
    const ctx = new Context();
    loadImage(core, ctx, image, 1000, 64);
    const cpu = new CPU(core, { hotThreshold: 2, jitAfter: 0 });
    const runs = wasmCounters.calls;
    let base = 1000;
    let stop: Stop;
    do {
      stop = cpu.run(ctx, 777);
      const to = base === 1000 ? 2000 : 1000;
      core.copyWithin(to, base, base + 64);
      core.fill(-1, base, base + 64);
      ctx.base = base = to;
    } while (stop === Stop.BUDGET);
    expect(stop).toBe(Stop.HALT);
    expect(core[base + image.words.length - 1]).toBe((3000 * 2999) / 2);
    expect(wasmCounters.calls - runs).toBeGreaterThan(3);
  });
});
