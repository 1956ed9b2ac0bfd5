import { describe, expect, it } from 'vitest';
import { Harness, LOOP } from './harness.ts';
import { serviceCycles, Svc } from '../../server/machine/services.ts';

/** Runs one program to its end with optional input lines. */
function once(source: string, input: string[] = [], config = {}, extra = {}): Harness {
  const h = new Harness(config);
  h.run(1, source, extra);
  for (const line of input) h.m.handle({ t: 'input', job: 1, line });
  h.m.handle({ t: 'eof', job: 1 });
  h.settle();
  return h;
}

describe('supervisor calls', () => {
  it('rejects bad pointers and lengths with a message naming the service', () => {
    const cases: [string, string][] = [
      ['LI r1, 70000\n LI r2, 5\n SVC PUTS\n', 'PUTS: ADDRESS 70000 OUTSIDE PARTITION AT PC 4 IN LINE 3'],
      ['LI r1, 0\n LI r2, -5\n SVC PUTS\n', 'PUTS: LENGTH -5 OUT OF RANGE AT PC 4 IN LINE 3'],
      ['LI r1, 4000\n LI r2, 200\n SVC PUTS\n', 'PUTS: ADDRESS 4096 OUTSIDE PARTITION AT PC 4 IN LINE 3'],
      ['LI r1, -1\n LI r2, 1\n SVC GETS\n', 'GETS: ADDRESS -1 OUTSIDE PARTITION AT PC 4 IN LINE 3'],
      ['LI r1, 10\n LI r2, 70000\n SVC GETS\n', 'GETS: CAPACITY 70000 OUT OF RANGE AT PC 4 IN LINE 3'],
      ['LI r1, 70000\n SVC PUTC\n', 'PUTC: CHARACTER 70000 OUT OF RANGE AT PC 2 IN LINE 2'],
      ['LI r1, -3\n SVC SLEEP\n', 'SLEEP: -3 MILLISECONDS OUT OF RANGE (0 TO 3600000) AT PC 2 IN LINE 2'],
      ['LI r1, 5000\n LI r2, 1\n SVC FMTNUM\n', 'FMTNUM: ADDRESS 5000 OUTSIDE PARTITION AT PC 4 IN LINE 3'],
      ['LI r1, 0\n LI r2, 99999\n SVC PARSENUM\n', 'PARSENUM: LENGTH 99999 OUT OF RANGE AT PC 4 IN LINE 3'],
      ['SVC 99\n', 'UNKNOWN SUPERVISOR CALL 99 AT PC 0 IN LINE 1'],
    ];
    for (const [src, msg] of cases) {
      const h = once(`start: ${src} HALT\n`);
      expect(h.ended(1, 'error').message).toBe(msg);
      expect(h.output(1)).toBe('');
    }
  });

  it('charges each service its documented cycles', () => {
    const h = once('start: LA r1, m\n LI r2, 5\n SVC PUTS\n HALT\nm: .text "HELLO"\n');
    const compile = h.m.cfg.compileBase + 6 * h.m.cfg.compilePerLine;
    // LA 1 + LI 1 + SVC 2 + PUTS (10 + 5) + HALT 1
    expect(h.ended(1, 'normal').meters.cycles).toBe(compile + 1 + 1 + 2 + serviceCycles(Svc.PUTS, 5) + 1);
    expect(h.output(1)).toBe('HELLO');
  });

  it('GETS cuts long lines to the capacity and returns -1 at end of input', () => {
    const h = once(`start: LA r1, b
 LI r2, 3
 SVC GETS
 MOV r6, r1
 MOV r2, r1
 LA r1, b
 SVC PUTS
 LA r1, b
 LI r2, 3
 SVC GETS
 SVC PUTINT
 HALT
b: .space 3
`, ['ABCDEF']);
    expect(h.output(1)).toBe('ABC-1');
  });

  it('a line read into the program\'s own code is what runs next (no stale decoded copy)', () => {
    const h = once(`start: LI r5, 0
patch:  LI r1, 48
        SVC PUTC
        ADD r5, r5, 1
        LI r4, 2
        BGE r5, r4, done
        LA r1, patch+1
        LI r2, 1
        SVC GETS
        JMP patch
done:   HALT
`, ['A']);
    expect(h.output(1)).toBe('0A');
  });

  it('RANDOM gives the same sequence every run, RANDOMIZE a different one', () => {
    const PROG = (r: string) => `start: ${r}
 LI r5, 5
l: SVC RANDOM
 SVC PUTNUM
 SUB r5, r5, 1
 BGT r5, r0, l
 HALT
`;
    const a = once(PROG('NOP')).output(1);
    const b = once(PROG('NOP')).output(1);
    expect(a).toBe(b);
    const nums = a.trim().split(/\s+/).map(Number);
    expect(nums).toHaveLength(5);
    for (const x of nums) expect(x >= 0 && x < 1).toBe(true);
    expect(new Set(nums).size).toBe(5);
    const c = once(PROG('SVC RANDOMIZE')).output(1);
    expect(c).not.toBe(a);
  });

  it('SEED restarts the generator from f1: the same seed gives the same numbers, another seed others', () => {
    // seed from r6 (an integer, made a double), then five numbers; the seed is reset each time
    const PROG = (seed: number, again = false) => `start: LI r6, ${seed}
 ITOF f1, r6
 SVC SEED
 LI r5, 3
l: SVC RANDOM
 SVC PUTNUM
 SUB r5, r5, 1
 BGT r5, r0, l
${again ? ' ITOF f1, r6\n SVC SEED\n SVC RANDOM\n SVC PUTNUM\n' : ''} HALT
`;
    const a = once(PROG(-3)).output(1);
    const plain = once(`start: LI r5, 3
l: SVC RANDOM
 SVC PUTNUM
 SUB r5, r5, 1
 BGT r5, r0, l
 HALT
`).output(1);
    expect(once(PROG(-3)).output(1)).toBe(a);
    expect(a).not.toBe(plain);
    expect(once(PROG(-4)).output(1)).not.toBe(a);
    expect(once(PROG(3)).output(1)).not.toBe(a);
    // seeding again in the same job starts over: the fourth number is the first one again
    const nums = once(PROG(-3, true)).output(1).trim().split(/\s+/);
    expect(nums).toHaveLength(4);
    expect(nums[3]).toBe(nums[0]);
  });

  it('tracks the column through CR, LF and backspace', () => {
    const h = once(`start: LA r1, m
 LI r2, 6
 SVC PUTS
 SVC COLUMN
 SVC PUTINT
 LI r1, 8
 SVC PUTC
 SVC COLUMN
 SVC PUTINT
 LI r1, 13
 SVC PUTC
 SVC COLUMN
 SVC PUTINT
 HALT
m: .text "AB", 10, "CDE"
`);
    expect(h.output(1)).toBe('AB\nCDE3\b3\r0');
  });

  it('ERROR ends the job with the message and its line; WARN types it on a line of its own', () => {
    const h = once(`start: LI r1, 'X'
 SVC PUTC
 LA r1, w
 LI r2, 4
 SVC WARN
 LA r1, e
 LI r2, 9
 SVC ERROR
 HALT
w: .text "HMM."
e: .text "BAD THING"
`);
    expect(h.output(1)).toBe('X');
    expect(h.system(1)).toBe('\nHMM. IN LINE 5\n');
    expect(h.ended(1, 'error').message).toBe('BAD THING IN LINE 8');
  });

  it('PUTNUM, FMTNUM and PARSENUM follow BASIC number layout', () => {
    const h = once(`start: LA r1, s
 LI r2, 12
 SVC PARSENUM
 SVC PUTINT
 SVC PUTNUM
 LA r1, b
 LI r2, 20
 SVC FMTNUM
 MOV r2, r1
 LA r1, b
 SVC PUTS
 HALT
s: .text "  -1.5E3XYZ"
b: .space 20
`);
    expect(h.output(1)).toBe('8-1500 -1500');
  });

  it("TIME gives days since 1970 and ms since midnight; CPUTIME the job's own seconds", () => {
    const h = new Harness({ ratedClock: 1000 });
    h.clock = 19_000 * 86_400_000 + 3_600_000 + 42;
    h.run(1, 'start: SVC TIME\n SVC PUTINT\n MOV r1, r2\n SVC PUTINT\n SVC CPUTIME\n SVC PUTNUM\n HALT\n');
    h.settle();
    const cyc = h.m.cfg.compileBase + 8 * h.m.cfg.compilePerLine + 2 + 10 + 2 + 20 + 1 + 2 + 20 + 2 + 10; // compile + work up to CPUTIME
    expect(h.output(1)).toBe(`19000${3_600_042} ${cyc / 1000} `);
  });

  it('SLEEP parks the job without CPU until its time comes', () => {
    const h = new Harness();
    h.run(1, 'start: LI r1, 500\n SVC SLEEP\n LI r1, 33\n SVC PUTC\n HALT\n');
    h.settle();
    expect(h.state(1)).toBe('sleeping');
    expect(h.m.nextWake()).toBe(h.clock + 500);
    h.clock += 499;
    h.m.tick();
    expect(h.m.hasReady()).toBe(false);
    h.clock += 1;
    h.m.tick();
    h.settle();
    expect(h.output(1)).toBe('!');
    h.ended(1, 'normal');
  });

  it('EXIT with a status ends the job with it', () => {
    const h = once('start: LI r1, 3\n SVC EXIT\n');
    const e = h.ended(1, 'exit');
    expect(e.status).toBe(3);
    expect(e.message).toBe('EXIT STATUS 3');
    expect(once('start: LI r1, 0\n SVC EXIT\n').ended(1, 'normal').status).toBe(0);
  });

  it('rejects a program with assembly errors, reporting all of them', () => {
    const h = once('start: FOO r1\n LI r1\n HALT\n');
    const compiled = h.events.find((e) => e.t === 'compiled');
    expect(compiled && compiled.t === 'compiled' && compiled.errors.length).toBe(2);
    const e = h.ended(1, 'rejected');
    expect(e.message.split('\n')).toHaveLength(2);
    expect(e.message).toMatch(/LINE 1/);
  });

  it('refuses BASIC when no compiler for it is loaded', () => {
    const h = new Harness();
    h.m.handle({ t: 'run', job: 1, owner: 'u', line: 1, name: 'P', lang: 'basic', source: '10 END\n' });
    expect(h.ended(1, 'rejected').message).toBe('BASIC IS NOT AVAILABLE');
  });
});

describe('limits and back-pressure', () => {
  it('ends a job at its CPU limit, saying so', () => {
    const h = once(LOOP, [], { ratedClock: 10_000_000 }, { cpuLimit: 1_500_000 });
    const e = h.ended(1, 'cpu limit');
    expect(e.message).toBe('CPU LIMIT EXCEEDED (0.15 SECONDS)');
    expect(e.meters.cycles).toBeGreaterThanOrEqual(1_500_000);
    expect(e.meters.cycles).toBeLessThan(1_500_000 + 40);
  });

  it('ends a job at its output limit, having typed exactly that much', () => {
    const h = once('start: LI r1, 65\n SVC PUTC\n JMP start\n', [], {}, { outputLimit: 1000 });
    expect(h.ended(1, 'output limit').message).toBe('OUTPUT LIMIT EXCEEDED (1000 CHARACTERS)');
    expect(h.output(1)).toBe('A'.repeat(1000));
  });

  it('a job whose output is not drained waits, using no CPU, and resumes when it is', () => {
    const h = new Harness({ outputWindow: 100 });
    h.run(1, 'start: LI r1, 65\n SVC PUTC\n JMP start\n');
    h.settle();
    expect(h.state(1)).toBe('waiting for output');
    expect(h.output(1)).toBe('A'.repeat(100));
    const c = h.cycles(1);
    h.settle();
    expect(h.cycles(1)).toBe(c);
    h.m.handle({ t: 'drained', job: 1, chars: 40 }); // still above half the window
    expect(h.m.hasReady()).toBe(false);
    h.m.handle({ t: 'drained', job: 1, chars: 20 });
    h.settle();
    expect(h.output(1)).toBe('A'.repeat(160));
    expect(h.state(1)).toBe('waiting for output');
  });
});
