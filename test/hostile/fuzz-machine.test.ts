// Random machine code in a partition: whatever the words are, the job must end (trap, halt, exit,
// CPU limit) or wait, never write core outside its partition, and never raise a host exception.
// Runs through the real Monitor (scheduler, supervisor calls, core map), with a neighbour job on
// each side whose partitions must come out word for word as they went in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Monitor } from '../../server/monitor/monitor.ts';
import { assemble } from '../../server/machine/assembler.ts';
import type { Image } from '../../server/machine/image.ts';
import { OPS, encodeHead } from '../../server/machine/isa.ts';
import type { FromMainframe } from '../../server/monitor/protocol.ts';
import { fuzzParams } from './fuzz-seed.ts';

const SENTINEL = 0x5a5a5a5a | 0;
const PART = 256;

/** Interesting immediates: near zero, near the partition's edges, the 32-bit extremes. */
const imm = fc.oneof(
  fc.integer({ min: -4, max: PART + 4 }),
  fc.constantFrom(-1, -2, PART, PART - 1, PART + 1, 2 * PART, 1 << 20, 0x7fffffff, -0x80000000, 4096, 4095, 8192),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
/** One instruction: mostly legal opcodes with random registers, sometimes any word at all. */
const instruction = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...OPS.map((o) => o.code)), fc.nat(15), fc.nat(15), fc.nat(15), imm)
    .map(([op, a, b, c, i]) => [encodeHead(op, a, b, c), i]) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: -0x80000000, max: 0x7fffffff }), imm) },
);
const program = fc.array(instruction, { minLength: 1, maxLength: 60 }).map((ins) => Int32Array.from(ins.flat()));

function imageOf(words: Int32Array, stackWords: number): Image {
  return { words, entry: 0, bssWords: PART - words.length - stackWords, stackWords, codeEnd: words.length };
}

/** A Monitor whose "asm" compiler hands back the image queued for the next job. */
function monitor(): { m: Monitor; events: FromMainframe[]; next: Image[] } {
  const events: FromMainframe[] = [];
  const next: Image[] = [];
  let clock = 1_700_000_000_000;
  const m = new Monitor({
    config: { coreWords: 8 * PART, defaultPartition: PART, quantum: 5000, cpuLimit: 200_000, outputLimit: 2000 },
    compilers: { asm: (src) => (src === 'queued' ? { image: next.shift()!, errors: [], warnings: [] } : assemble(src)) },
    emit: (e) => events.push(e),
    now: () => (clock += 1),
  });
  return { m, events, next };
}

describe('random machine words in a partition', () => {
  it('never touch core outside the partition and never throw on the host', () => {
    fc.assert(
      fc.property(program, fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), (words, input) => {
        const { m, events, next } = monitor();
        // neighbours below and above, filled with sentinels by their own code after loading
        const waiter = 'start: LI r1, 1\nSVC GETS\n.stack 16\n.space 100\n';
        m.handle({ t: 'run', job: 1, owner: 'a', line: 1, name: 'below', lang: 'asm', source: waiter });
        next.push(imageOf(words, 32));
        m.handle({ t: 'run', job: 2, owner: 'evil', line: 2, name: 'fuzz', lang: 'asm', source: 'queued' });
        m.handle({ t: 'run', job: 3, owner: 'b', line: 3, name: 'above', lang: 'asm', source: waiter });
        const fuzz = m.job(2)!;
        const lo = fuzz.ctx!.base;
        const hi = lo + fuzz.ctx!.limit;
        expect(fuzz.ctx!.limit).toBe(PART);
        expect(m.job(1)!.ctx && m.job(3)!.ctx, 'neighbours loaded').toBeTruthy();
        // everything outside the fuzz partition becomes a sentinel; the neighbours never run again
        // (they wait for input), so any change there is the fuzz job's doing
        for (let i = 0; i < m.core.length; i++) if (i < lo || i >= hi) m.core[i] = SENTINEL;
        for (const line of input) m.handle({ t: 'input', job: 2, line });
        m.handle({ t: 'eof', job: 2 });
        let guard = 0;
        while (m.hasReady() && guard++ < 1000) {
          m.step(20_000);
          m.flush();
          // acknowledge output so a typing job is never stuck waiting for the terminal
          for (const e of events.splice(0)) if (e.t === 'out') m.handle({ t: 'drained', job: e.job, chars: e.text.length });
          m.tick();
        }
        // the neighbours wait for input, the fuzz job has ended or waits (sleep, output, input)
        if (m.job(2)) m.handle({ t: 'kill', job: 2, reason: 'test over' });
        for (let i = 0; i < m.core.length; i++) {
          if ((i < lo || i >= hi) && m.core[i] !== SENTINEL) {
            throw new Error(`core word ${i} outside the partition [${lo}, ${hi}) changed to ${m.core[i]}`);
          }
        }
      }),
      fuzzParams({ numRuns: 1000 }),
    );
  });

  it('jobs that walk every address get an ADDRESS trap and their neighbours keep their words', () => {
    const { m, events } = monitor();
    const calmSrc = 'start: LA r1, b\nLI r2, 10\nSVC GETS\nHALT\n.stack 16\nb: .space 10\n';
    m.handle({ t: 'run', job: 1, owner: 'a', line: 1, name: 'calm', lang: 'asm', source: calmSrc });
    // one reads every word upward from 0, the other writes every word above its code
    m.handle({ t: 'run', job: 2, owner: 'evil', line: 2, name: 'up', lang: 'asm', source: 'start: LI r1, 0\nl: LD r2, 0(r1)\nADD r1, r1, 1\nJMP l\n.stack 16\n' });
    m.handle({ t: 'run', job: 3, owner: 'evil', line: 3, name: 'down', lang: 'asm', source: 'start: LA r1, data\nl: ST r1, 0(r1)\nADD r1, r1, 1\nJMP l\n.stack 16\ndata: .word 0\n' });
    m.handle({ t: 'run', job: 4, owner: 'b', line: 4, name: 'calm2', lang: 'asm', source: calmSrc });
    const parts = [1, 4].map((j) => m.job(j)!.ctx!);
    const before = parts.map((c) => m.core.slice(c.base, c.base + c.limit));
    while (m.hasReady()) m.step(10_000);
    const ends = new Map(events.filter((e): e is Extract<FromMainframe, { t: 'end' }> => e.t === 'end').map((e) => [e.job, e]));
    expect(ends.get(2)?.message).toBe(`ADDRESS TRAP AT PC 2: ADDRESS ${PART} OUTSIDE PARTITION IN LINE 2`);
    expect(ends.get(3)?.message).toBe(`ADDRESS TRAP AT PC 2: ADDRESS ${PART} OUTSIDE PARTITION IN LINE 2`);
    parts.forEach((c, i) => expect(m.core.slice(c.base, c.base + c.limit)).toEqual(before[i]));
    expect(m.job(1)!.state).toBe('waiting for input');
    expect(m.job(4)!.state).toBe('waiting for input');
  });
});
