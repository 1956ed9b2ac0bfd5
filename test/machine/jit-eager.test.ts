// The whole machine suite again with the JIT on and compiling at the first arrival at every
// branch target (hotThreshold 1), so every test program also runs as translated code. The plain
// run of cpu.test.ts and assembler.test.ts covers the CPU's default configuration;
// jit-off.test.ts runs it with the interpreter alone.
import { afterAll, expect } from 'vitest';
import { CPU } from '../../server/machine/cpu.ts';
import { jitCounters } from '../../server/machine/jit.ts';

CPU.defaults = { jit: true, hotThreshold: 1, jitAfter: 0 };
const before = jitCounters.regions;
await import('./cpu.test.ts');
await import('./assembler.test.ts');

afterAll(() => {
  // the suite really ran translated code
  expect(jitCounters.regions - before).toBeGreaterThan(20);
});
