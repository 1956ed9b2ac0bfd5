// `npm run bench -- cpu [N] [RUNS]`: the sieve of Eratosthenes over N (default 10,000,000) flags,
// written in the machine's assembly and run by the interpreter alone and with the JIT, against the
// same algorithm in plain JavaScript in this process. Medians of RUNS (default 5) interleaved
// rounds, wall clock and process CPU time. The guest's instruction count is measured once by
// single-stepping. The JSON line reports the monitor's configuration (the JIT on a WebAssembly core).
import { assemble } from '../../server/machine/assembler.ts';
import { Context } from '../../server/machine/context.ts';
import { CPU } from '../../server/machine/cpu.ts';
import { wasmCore } from '../../server/machine/jit-wasm.ts';
import type { Image } from '../../server/machine/image.ts';
import { Stop } from '../../server/machine/isa.ts';
import { loadImage, partitionWords } from '../../server/machine/loader.ts';
import { cpus, loadavg } from 'node:os';
import { median } from './_util.ts';

export const SIEVE = `
; flags[i] = 1 marks i composite; at the end r5 = the number of primes below N
start:  LI    r1, 2              ; i
        LI    r9, N
outer:  MUL   r2, r1, r1         ; j = i*i
        BGE   r2, r9, count
        LD    r3, flags(r1)
        BNE   r3, r0, nexti
        LI    r4, 1
inner:  ST    r4, flags(r2)
        ADD   r2, r2, r1
        BLT   r2, r9, inner
nexti:  ADD   r1, r1, 1
        JMP   outer
count:  LI    r1, 2
        LI    r5, 0
cloop:  LD    r3, flags(r1)
        BNE   r3, r0, skip
        ADD   r5, r5, 1
skip:   ADD   r1, r1, 1
        BLT   r1, r9, cloop
        HALT
flags:                           ; N words of zeroed data follow the code
`;

function nativeSieve(n: number): number {
  const flags = new Int32Array(n);
  for (let i = 2; i * i < n; i++) {
    if (flags[i] !== 0) continue;
    for (let j = i * i; j < n; j += i) flags[j] = 1;
  }
  let count = 0;
  for (let i = 2; i < n; i++) if (flags[i] === 0) count++;
  return count;
}


interface Timing { wall: number; cpu: number }

/** Wall and process CPU milliseconds of one call. CPU time is what the work itself cost; under a
 *  loaded host the wall clock also counts the time other processes held the cores. */
function timed(fn: () => void): Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 10_000_000);
  const runs = Math.max(5, Number(args[1] ?? 5));
  const res = assemble(`.equ N, ${n}\n${SIEVE}`);
  if (!res.image) throw new Error(res.errors.join('\n'));
  const image: Image = { ...res.image, bssWords: n, stackWords: 16 };
  const size = partitionWords(image);
  const core = new Int32Array(size + 1024);
  // the JIT on a plain core translates to JavaScript; on the monitor's kind of core (a
  // WebAssembly.Memory) to WebAssembly
  const wcore = wasmCore(size + 1024);
  const tiers = { interpreter: new CPU(core, { jit: false }), jit: new CPU(core, { jit: true }), wasm: new CPU(wcore, { jit: true }) };
  const cores = { interpreter: core, jit: core, wasm: wcore };
  const ctx = new Context();

  // Exact instruction count, once, by single-stepping (run(ctx, 1) executes exactly one instruction).
  loadImage(core, ctx, image, 0, size);
  let instructions = 0;
  let cycles = 0;
  for (;;) {
    const stop = tiers.interpreter.run(ctx, 1);
    instructions++;
    cycles += tiers.interpreter.cycles;
    if (stop === Stop.HALT) break;
    if (stop !== Stop.BUDGET) throw new Error(`sieve stopped with ${stop}`);
  }
  const expected = nativeSieve(n);
  if (ctx.r[5] !== expected) throw new Error(`guest counted ${ctx.r[5]} primes, native ${expected}`);
  // Wall-clock medians are only as good as the machine is quiet: say how busy it was.
  console.log(`host: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (before)`);
  console.log(`sieve of ${n}: ${expected} primes; guest ${instructions} instructions, ${cycles} cycles`);

  // Rounds interleave the three so that a change in the host's load hits all of them alike.
  const times: Record<'interpreter' | 'jit' | 'wasm' | 'native', Timing[]> = { interpreter: [], jit: [], wasm: [], native: [] };
  for (let k = 0; k < runs; k++) {
    for (const tier of ['interpreter', 'jit', 'wasm'] as const) {
      const cpu = tiers[tier];
      loadImage(cores[tier], ctx, image, 0, size);
      let stop = Stop.BUDGET as Stop;
      let used = 0;
      times[tier].push(timed(() => {
        do { stop = cpu.run(ctx, 10_000_000); used += cpu.cycles; } while (stop === Stop.BUDGET);
      }));
      if (stop !== Stop.HALT || ctx.r[5] !== expected || used !== cycles) throw new Error(`guest sieve went wrong (${tier})`);
    }
    let c = 0;
    times.native.push(timed(() => { c = nativeSieve(n); }));
    if (c !== expected) throw new Error('native sieve went wrong');
    const show = (t: Timing) => `${t.wall.toFixed(1)} ms (cpu ${t.cpu.toFixed(1)})`;
    console.log(`run ${k + 1}: interpreter ${show(times.interpreter[k])}, jit (JavaScript) ${show(times.jit[k])}, jit (WebAssembly) ${show(times.wasm[k])}, native ${show(times.native[k])}`);
  }
  console.log(`host load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (after)`);
  const med = (tier: keyof typeof times, key: keyof Timing) => median(times[tier].map((t) => t[key]));
  const a = med('native', 'wall');
  for (const tier of ['interpreter', 'jit', 'wasm'] as const) {
    const g = med(tier, 'wall'), gc = med(tier, 'cpu');
    console.log(`${tier.padEnd(11)} medians: wall ${g.toFixed(1)} ms = ${(instructions / g / 1000).toFixed(0)} MIPS, slowdown ${(g / a).toFixed(2)}x;` +
      ` cpu ${gc.toFixed(1)} ms = ${(instructions / gc / 1000).toFixed(0)} MIPS, slowdown ${(gc / med('native', 'cpu')).toFixed(2)}x`);
  }
  console.log(`native      medians: wall ${a.toFixed(1)} ms, cpu ${med('native', 'cpu').toFixed(1)} ms`);
  // The JSON reports the monitor's configuration: its core is a WebAssembly.Memory.
  const dflt = CPU.wasmDefaults.jit ? 'wasm' : 'interpreter';
  const g = med(dflt, 'wall');
  const mips = instructions / g / 1000;
  console.log(`the monitor's configuration: ${dflt} (the JSON line's figures are its wall-clock medians)`);
  console.log(JSON.stringify({
    bench: 'cpu',
    guest_instructions: instructions,
    guest_mips: Math.round(mips * 10) / 10,
    guest_ms: Math.round(g * 10) / 10,
    native_ms: Math.round(a * 10) / 10,
    slowdown: Math.round((g / a) * 100) / 100,
  }));
}
