// The whole machine suite again with the JIT translating to WebAssembly (the core in a
// WebAssembly.Memory, as the monitor's is) and compiling at the first arrival at every branch
// target, so every test program also runs as WebAssembly. jit-eager.test.ts does the same for the
// JavaScript back end, jit-diff.test.ts compares both with the interpreter.
import { afterAll, expect } from 'vitest';
import { CPU } from '../../server/machine/cpu.ts';
import { wasmCounters, wasmOptions } from '../../server/machine/jit-wasm.ts';
import { harness } from './harness.ts';

CPU.wasmDefaults = { jit: true, hotThreshold: 1, jitAfter: 0 };
harness.wasmCore = true;
// regions find their blocks by binary search here (jit-diff.test.ts covers the dispatch table)
wasmOptions.denseSpan = 0;
const before = wasmCounters.regions;
await import('./cpu.test.ts');
await import('./assembler.test.ts');

afterAll(() => {
  // the suite really ran WebAssembly
  expect(wasmCounters.regions - before).toBeGreaterThan(20);
});
