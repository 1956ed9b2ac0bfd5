import { describe, expect, it } from 'vitest';
import { Harness, LOOP, ECHO } from './harness.ts';

describe('round-robin scheduler', () => {
  it('gives two CPU-bound jobs equal progress, within one quantum at every moment', () => {
    const h = new Harness({ quantum: 10_000 });
    h.run(1, LOOP);
    h.run(2, LOOP);
    for (let i = 0; i < 200; i++) {
      h.m.step(3_333); // odd step sizes: the quantum, not the caller, decides who runs
      expect(Math.abs(h.cycles(1) - h.cycles(2))).toBeLessThanOrEqual(10_000 + 2);
    }
    expect(h.cycles(1)).toBeGreaterThan(300_000);
    expect(h.state(1)).toBe('running');
  });

  it('runs three jobs in FIFO turns of one quantum each', () => {
    const h = new Harness({ quantum: 1000 });
    for (const j of [1, 2, 3]) h.run(j, LOOP);
    const base = [1, 2, 3].map((j) => h.cycles(j));
    h.m.step(1); // the first job gets a whole quantum
    expect([1, 2, 3].map((j) => h.cycles(j) - base[[1, 2, 3].indexOf(j)])).toEqual([1000, 0, 0]);
    h.m.step(1);
    h.m.step(1);
    expect([1, 2, 3].map((j) => h.cycles(j) - base[j - 1])).toEqual([1000, 1000, 1000]);
  });

  it('a job waiting for input uses no cycles and leaves the CPU to others', () => {
    const h = new Harness();
    h.run(1, ECHO);
    h.run(2, LOOP);
    h.m.step(5_000_000);
    expect(h.state(1)).toBe('waiting for input');
    const waiting = h.cycles(1);
    h.clock += 60_000;
    h.m.tick();
    h.m.step(5_000_000);
    expect(h.cycles(1)).toBe(waiting);
    expect(h.cycles(2)).toBeGreaterThan(9_000_000);
    h.m.handle({ t: 'input', job: 1, line: 'HELLO' });
    h.m.step(1_000_000);
    h.m.flush();
    expect(h.output(1)).toBe('HELLO\n');
    expect(h.state(1)).toBe('waiting for input');
  });

  it('stops the step to post a prompt as soon as its job waits for the user', () => {
    const h = new Harness({ quantum: 10_000 });
    h.run(1, LOOP);
    h.run(2, 'start: LI r1, 63\n SVC PUTC\n LA r1, b\n LI r2, 9\n SVC GETS\n HALT\nb: .space 9\n');
    const done = h.m.step(50_000_000);
    expect(h.m.urgent).toBe(true);
    expect(done).toBeLessThan(2 * 10_000 + 100); // one quantum of the loop, then the prompt
    h.m.flush();
    expect(h.output(2)).toBe('?');
    expect(h.state(2)).toBe('waiting for input');
  });

  it('queues type-ahead lines and ends input with eof', () => {
    const h = new Harness();
    h.run(1, ECHO);
    h.m.handle({ t: 'input', job: 1, line: 'ONE' });
    h.m.handle({ t: 'input', job: 1, line: 'TWO' });
    h.m.handle({ t: 'eof', job: 1 });
    h.settle();
    expect(h.output(1)).toBe('ONE\nTWO\n');
    h.ended(1, 'normal');
  });

  it('Ctrl-C stops a runaway loop and throws away output not yet sent', () => {
    const h = new Harness();
    h.run(1, 'start: LI r1, 88\n SVC PUTC\n JMP start\n');
    h.run(2, LOOP);
    h.m.step(2_000_000);
    h.m.flush();
    const sent = h.output(1).length;
    expect(sent).toBeGreaterThan(0);
    h.m.step(1_000_000); // more output, still pending
    h.m.handle({ t: 'interrupt', job: 1 });
    h.m.flush();
    const e = h.ended(1, 'interrupted');
    expect(e.message).toMatch(/^INTERRUPTED AT PC \d+ IN LINE \d$/);
    expect(h.output(1).length).toBe(sent);
    const after = h.cycles(2);
    h.m.step(1_000_000);
    expect(h.cycles(2)).toBeGreaterThan(after); // the neighbour goes on
    expect(h.m.table().map((j) => j.job)).toEqual([2]);
  });

  it('kill ends a job waiting for input, with the reason', () => {
    const h = new Harness();
    h.run(1, ECHO);
    h.settle();
    h.m.handle({ t: 'kill', job: 1, reason: 'LINE HUNG UP' });
    expect(h.ended(1, 'killed').message).toBe('KILLED: LINE HUNG UP');
    expect(h.m.table()).toEqual([]);
  });

  it('conserves cycles: every cycle is charged to a job or to idle', () => {
    const h = new Harness({ ratedClock: 1_000_000 });
    const ends = new Map<number, number>();
    h.run(1, ECHO);
    h.run(2, LOOP, { cpuLimit: 3_000_000 });
    h.run(3, 'start: LI r1, 250\n SVC SLEEP\n HALT\n');
    h.run(4, 'bad instruction here\n'); // rejected: compile charge only
    h.settle();
    h.clock += 1000; // one idle second at 1 MHz
    h.m.tick();
    h.m.handle({ t: 'input', job: 1, line: 'X' });
    h.m.handle({ t: 'eof', job: 1 });
    h.settle();
    for (const e of h.events) if (e.t === 'end') ends.set(e.job, e.meters.cycles);
    expect([...ends.keys()].sort()).toEqual([1, 2, 3, 4]);
    const charged = [...ends.values()].reduce((a, b) => a + b, 0);
    expect(h.m.idleCycles).toBe(1_000_000);
    expect(charged + h.m.idleCycles).toBe(h.m.totalCycles);
    expect(ends.get(2)).toBeGreaterThanOrEqual(3_000_000);
  });

  it('a job uses exactly the same cycles alone as beside 50 others', () => {
    const PROG = `start:  LI r5, 0
loop:   SVC RANDOM
        SVC PUTNUM
        ADD r5, r5, 1
        LI r4, 200
        BLT r5, r4, loop
        LA r1, buf
        LI r2, 50
        SVC GETS
        SVC CPUTIME
        SVC PUTINT
        HALT
buf:    .space 50
`;
    const alone = new Harness({ quantum: 1000 });
    alone.run(1, PROG);
    alone.m.handle({ t: 'input', job: 1, line: '42' });
    alone.settle();
    const crowd = new Harness({ quantum: 1000 });
    for (let j = 2; j <= 51; j++) crowd.run(j, j % 2 ? LOOP : ECHO, { cpuLimit: 200_000 });
    crowd.run(1, PROG);
    crowd.m.step(3_000_000);
    crowd.m.handle({ t: 'input', job: 1, line: '42' });
    crowd.settle();
    const a = alone.ended(1, 'normal');
    const b = crowd.ended(1, 'normal');
    expect(b.meters.cycles).toBe(a.meters.cycles);
    expect(b.meters.svcs).toBe(a.meters.svcs);
    expect(crowd.output(1)).toBe(alone.output(1));
    // CPUTIME's reading includes its own charge; then SVC (2) + PUTINT (20) + HALT (1)
    expect(alone.output(1).endsWith(String(a.meters.cycles - 2 - 20 - 1))).toBe(true);
  });
});
