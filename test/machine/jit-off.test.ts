// The whole machine suite again with the JIT off: the interpreter alone must pass everything too.
// (jit-eager.test.ts runs it with the JIT compiling eagerly; cpu.test.ts itself uses the default.)
import { CPU } from '../../server/machine/cpu.ts';

CPU.defaults = { ...CPU.defaults, jit: false };
await import('./cpu.test.ts');
await import('./assembler.test.ts');
