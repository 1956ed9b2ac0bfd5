// Differential test: the interpreter alone and the JIT (compiling early and late) run the same
// programs in different random slicings and must agree on everything a job or the monitor can see:
// registers, all of core, pc, cycles, every stop with its details, every supervisor call.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileBasic } from '../../server/basic/compiler.ts';
import { parseNumber, strNumber } from '../../server/basic/numbers.ts';
import { Context } from '../../server/machine/context.ts';
import { CPU, type CPUOptions } from '../../server/machine/cpu.ts';
import type { Image } from '../../server/machine/image.ts';
import { encodeHead, OPS, Stop } from '../../server/machine/isa.ts';
import { jitCounters } from '../../server/machine/jit.ts';
import { wasmCore, wasmCounters } from '../../server/machine/jit-wasm.ts';
import { loadImage, partitionWords } from '../../server/machine/loader.ts';
import { Svc } from '../../server/machine/services.ts';
import { GUARD, mustAssemble } from './harness.ts';

/** A small deterministic generator for slice sizes (fast-check picks the seed). */
function slicer(seed: number, sizes: readonly number[]): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return sizes[s % sizes.length];
  };
}

interface Trace {
  events: string[];
  stop: Stop;
  cycles: number;
  pc: number;
  r: number[];
  f: string[];
  core: Int32Array;
  trap: number[];
}

const SLICES = [1, 2, 3, 5, 7, 13, 64, 1000, 100_000];

/** Runs `image` to its end or `maxCycles` with a deterministic stand-in for the supervisor. */
function runTrace(image: Image, opts: CPUOptions, nextSlice: () => number, maxCycles: number,
  init?: (ctx: Context) => void, input: string[] = [], wasm = false): Trace {
  const base = 130;
  const size = Math.max(partitionWords(image), 64);
  // a core in a WebAssembly.Memory: the JIT translates to WebAssembly instead of JavaScript
  const core = (wasm ? wasmCore(base + size + 64) : new Int32Array(base + size + 64)).fill(GUARD);
  const ctx = new Context();
  loadImage(core, ctx, image, base, size);
  init?.(ctx);
  const cpu = new CPU(core, opts);
  const lines = [...input];
  const events: string[] = [];
  const str = (at: number, n: number) => {
    let s = '';
    for (let i = 0; i < n && i < 4096; i++) s += String.fromCharCode(core[base + at + i] & 0xffff);
    return s;
  };
  const write = (at: number, s: string, cap: number) => {
    const n = Math.max(0, Math.min(s.length, cap, size - at));
    for (let i = 0; i < n; i++) core[base + at + i] = s.charCodeAt(i);
    ctx.invalidate(at, at + n);
    return n;
  };
  let cycles = 0;
  let stop: Stop = Stop.BUDGET;
  let calls = 0;
  while (cycles < maxCycles) {
    stop = cpu.run(ctx, Math.min(nextSlice(), maxCycles - cycles));
    cycles += cpu.cycles;
    if (stop === Stop.BUDGET) continue;
    if (stop !== Stop.SVC) break;
    const r = ctx.r, n = ctx.svcNumber;
    calls++;
    events.push(`${cycles} svc ${n} r1=${r[1]} r2=${r[2]} f1=${ctx.f[1]}`);
    if (n === Svc.EXIT || n === Svc.ERROR) break;
    if (n === Svc.PUTS || n === Svc.WARN) events.push(str(r[1], r[2]));
    else if (n === Svc.GETS) {
      const line = lines.shift();
      r[1] = line === undefined || r[1] < 0 || r[1] >= size ? -1 : write(r[1], line, r[2]);
    } else if (n === Svc.PARSENUM) {
      const p = r[1] >= 0 && r[1] < size ? parseNumber(str(r[1], Math.max(0, r[2]))) : null;
      r[1] = p ? p.length : 0;
      ctx.f[1] = p ? p.value : 0;
    } else if (n === Svc.FMTNUM) {
      r[1] = r[1] >= 0 && r[1] < size ? write(r[1], strNumber(ctx.f[1]), r[2]) : 0;
    } else {
      // everything else: results that depend only on the call count
      r[1] = calls * 7;
      r[2] = calls;
      ctx.f[1] = (calls % 10) / 10;
    }
  }
  return {
    events, stop, cycles, pc: ctx.pc,
    r: [...ctx.r.slice(0, 16)],
    f: [...ctx.f].map((x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : String(x))),
    core,
    trap: stop === Stop.TRAP ? [ctx.trapKind, ctx.trapPc, ctx.trapAddr] : [],
  };
}

function expectSame(a: Trace, b: Trace, what: string): void {
  expect(b.events, `${what}: supervisor calls`).toEqual(a.events);
  expect([b.stop, b.cycles, b.pc, ...b.trap], `${what}: stop, cycles, pc, trap`).toEqual([a.stop, a.cycles, a.pc, ...a.trap]);
  expect(b.r, `${what}: registers`).toEqual(a.r);
  expect(b.f, `${what}: float registers`).toEqual(a.f);
  let diff = -1;
  for (let i = 0; i < a.core.length; i++) if (a.core[i] !== b.core[i]) { diff = i; break; }
  expect(diff, `${what}: first core word that differs`).toBe(-1);
}

const INTERP: CPUOptions = { jit: false };
const JIT_EAGER: CPUOptions = { jit: true, hotThreshold: 1, jitAfter: 0 };
const JIT_LATE: CPUOptions = { jit: true, hotThreshold: 3, jitAfter: 500 };

function compare(image: Image, seed: number, maxCycles: number, input: string[] = [], init?: (ctx: Context) => void): Trace {
  const ref = runTrace(image, INTERP, slicer(seed, SLICES), maxCycles, init, input);
  // the interpreter in one big slice agrees with itself sliced (the baseline the JIT must meet)
  expectSame(ref, runTrace(image, INTERP, () => maxCycles, maxCycles, init, input), 'interpreter, one slice');
  expectSame(ref, runTrace(image, JIT_EAGER, slicer(seed * 31 + 7, SLICES), maxCycles, init, input), 'JIT eager');
  expectSame(ref, runTrace(image, JIT_LATE, slicer(seed * 17 + 3, SLICES), maxCycles, init, input), 'JIT late');
  expectSame(ref, runTrace(image, JIT_EAGER, () => 1_000_000, maxCycles, init, input), 'JIT, one slice');
  expectSame(ref, runTrace(image, JIT_EAGER, slicer(seed * 13 + 5, SLICES), maxCycles, init, input, true), 'WebAssembly JIT eager');
  expectSame(ref, runTrace(image, JIT_LATE, slicer(seed * 7 + 1, SLICES), maxCycles, init, input, true), 'WebAssembly JIT late');
  expectSame(ref, runTrace(image, JIT_EAGER, () => 1_000_000, maxCycles, init, input, true), 'WebAssembly JIT, one slice');
  return ref;
}

describe('JIT differential: random instruction streams', () => {
  const CODE = 40; // instructions
  const codes = OPS.map((o) => o.code);
  const ins = fc.record({
    op: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...codes) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    a: fc.integer({ min: 0, max: 15 }),
    b: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
    c: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
    imm: fc.oneof(
      fc.integer({ min: 0, max: CODE - 1 }).map((i) => 2 * i), // branch targets and code addresses
      fc.integer({ min: -3, max: 200 }), // small numbers and data addresses
      fc.constantFrom(-2147483648, 2147483647, -1, 1 << 20),
    ),
    junk: fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xfff }) }),
  });
  const program = fc.record({
    body: fc.array(ins, { minLength: CODE, maxLength: CODE }),
    regs: fc.array(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer()), { minLength: 14, maxLength: 14 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  });

  it('agree on registers, core, pc, cycles, stops, traps and supervisor calls', () => {
    const before = jitCounters.regions, beforeWasm = wasmCounters.regions, beforeCalls = wasmCounters.calls, beforeDeclined = wasmCounters.declined;
    fc.assert(fc.property(program, ({ body, regs, seed }) => {
      const words = new Int32Array(2 * CODE + 64);
      body.forEach((x, i) => {
        words[2 * i] = encodeHead(x.op, x.a, x.b, x.c) | x.junk;
        words[2 * i + 1] = x.imm;
      });
      for (let i = 2 * CODE; i < words.length; i += 2) { words[i] = 0x3ff00000 >> (i & 7); words[i + 1] = i; }
      const image: Image = { words, entry: 0, bssWords: 40, stackWords: 24, codeEnd: 2 * CODE };
      compare(image, seed, 3000, ['7', 'YES'], (ctx) => {
        regs.forEach((v, i) => { ctx.r[i + 1] = v; });
        for (let i = 0; i < 16; i++) ctx.f[i] = [0, 1.5, -2, NaN, Infinity, 1e300][i % 6];
      });
    }), { numRuns: Number(process.env.JIT_FUZZ_RUNS ?? 250) });
    expect(jitCounters.regions - before, 'regions compiled').toBeGreaterThan(100);
    expect(wasmCounters.regions - beforeWasm, 'regions compiled to WebAssembly').toBeGreaterThan(100);
    // and ran: a region declines to run (the slice is interpreted) only when a fixed address it
    // uses is outside the partition
    expect(wasmCounters.calls - beforeCalls - (wasmCounters.declined - beforeDeclined), 'WebAssembly region runs').toBeGreaterThan(100);
  });

  it('agree on loops that rewrite their own code', () => {
    const src = `
      .stack 8
      LI   r1, 0
      LI   r2, 300
loop: ADD  r1, r1, 1        ; its immediate is rewritten below, while the loop is hot
      LD   r3, loop+1
      ADD  r3, r3, 1
      ST   r3, loop+1
      LI   r5, 0
      LD   r6, dbl
      ITOF f1, r1
      STF  f1, buf
      BLT  r1, r2, loop
      LD   r4, alt          ; then replace the loop's head with a HALT
      ST   r4, loop
      JMP  loop
alt:  HALT
      .align
buf:  .space 2
dbl:  .word 0`;
    const image = mustAssemble(src);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const t = compare(image, seed, 200_000);
      expect(t.stop).toBe(Stop.HALT);
    }
  });
});

describe('JIT differential: real programs', () => {
  const examples = join(import.meta.dirname, '../../server/machine/examples');
  const library = join(import.meta.dirname, '../../server/library');
  const input = ['50', '25', '75', '12', 'YES', '88', '3', 'NO', 'A', '1000', '0.5', '-7', 'HELLO', '1', '2', '3', 'NO'];

  for (const file of readdirSync(examples).filter((f) => f.endsWith('.s'))) {
    it(`the example ${file}`, () => {
      const image = mustAssemble(readFileSync(join(examples, file), 'utf8'));
      for (const seed of [11, 12, 13]) compare(image, seed, 2_000_000, input);
    });
  }

  for (const file of readdirSync(library).filter((f) => f.endsWith('.bas'))) {
    it(`the BASIC program ${file}`, () => {
      const res = compileBasic(readFileSync(join(library, file), 'utf8'));
      expect(res.errors).toEqual([]);
      for (const seed of [21, 22]) compare(res.image!, seed, 3_000_000, input);
    });
  }
});
