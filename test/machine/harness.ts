// A minimal supervisor for machine tests: loads an image into a partition in the middle of a
// larger core (so stray writes outside it can be detected) and serves the I/O calls the example
// programs use. The real monitor lives in server/monitor; this only has to be faithful enough to
// check the CPU and the assembler.
import { assemble } from '../../server/machine/assembler.ts';
import { Context } from '../../server/machine/context.ts';
import { CPU } from '../../server/machine/cpu.ts';
import { wasmCore } from '../../server/machine/jit-wasm.ts';
import type { Image } from '../../server/machine/image.ts';
import { Stop } from '../../server/machine/isa.ts';
import { loadImage, partitionWords } from '../../server/machine/loader.ts';
import { Svc } from '../../server/machine/services.ts';

export const GUARD = 0x5a5a5a5a;

/** Suite-wide switches: `wasmCore` puts machines' core in a WebAssembly.Memory, so the JIT
 *  translates to WebAssembly (jit-wasm.test.ts). */
export const harness = { wasmCore: false };

export interface Machine {
  core: Int32Array;
  cpu: CPU;
  ctx: Context;
  image: Image;
  base: number;
  size: number;
}

export function mustAssemble(source: string): Image {
  const res = assemble(source);
  if (!res.image) throw new Error(`assembly failed:\n${res.errors.join('\n')}`);
  return res.image;
}

/** A machine with the image loaded at `base`; every core word outside the partition is GUARD. */
export function machine(source: string | Image, opts: { base?: number; size?: number } = {}): Machine {
  const image = typeof source === 'string' ? mustAssemble(source) : source;
  const size = opts.size ?? Math.max(partitionWords(image), 64);
  const base = opts.base ?? 256;
  const core = (harness.wasmCore ? wasmCore(base + size + 256) : new Int32Array(base + size + 256)).fill(GUARD);
  const ctx = new Context();
  loadImage(core, ctx, image, base, size);
  return { core, cpu: new CPU(core), ctx, image, base, size };
}

/** True if every word outside the partition still holds GUARD. */
export function outsideUntouched(m: Machine): boolean {
  for (let i = 0; i < m.core.length; i++) {
    if ((i < m.base || i >= m.base + m.size) && m.core[i] !== GUARD) return false;
  }
  return true;
}

export interface Outcome {
  stop: Stop;
  out: string;
  cycles: number;
  exitStatus?: number;
}

/** Runs to HALT, EXIT or a trap in slices of `slice` cycles, serving PUTC, PUTS, PUTINT, GETS, EXIT. */
export function runToEnd(m: Machine, input: string[] = [], slice = 1_000_000, maxCycles = 50_000_000): Outcome {
  let out = '';
  let cycles = 0;
  const { cpu, ctx, core } = m;
  const word = (v: number) => core[m.base + v];
  for (;;) {
    const stop = cpu.run(ctx, slice);
    cycles += cpu.cycles;
    if (stop === Stop.BUDGET) {
      if (cycles > maxCycles) throw new Error('runToEnd: program did not end');
      continue;
    }
    if (stop !== Stop.SVC) return { stop, out, cycles };
    const r = ctx.r;
    switch (ctx.svcNumber) {
      case Svc.EXIT: return { stop, out, cycles, exitStatus: r[1] };
      case Svc.PUTC: out += String.fromCharCode(r[1]); break;
      case Svc.PUTINT: out += String(r[1]); break;
      case Svc.PUTS: for (let i = 0; i < r[2]; i++) out += String.fromCharCode(word(r[1] + i)); break;
      case Svc.GETS: {
        const line = input.shift();
        if (line === undefined) { r[1] = -1; break; }
        const n = Math.min(line.length, r[2]);
        for (let i = 0; i < n; i++) core[m.base + r[1] + i] = line.charCodeAt(i);
        ctx.invalidate(r[1], r[1] + n);
        r[1] = n;
        break;
      }
      default: throw new Error(`runToEnd: service ${ctx.svcNumber} not supported by the test harness`);
    }
  }
}

/** Assembles, loads and runs a program in one go. */
export function run(source: string, input: string[] = [], slice?: number): Outcome & { m: Machine } {
  const m = machine(source);
  return { ...runToEnd(m, input, slice), m };
}
