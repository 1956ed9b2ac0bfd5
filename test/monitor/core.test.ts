import { describe, expect, it } from 'vitest';
import { CoreMap } from '../../server/monitor/core.ts';
import { Harness, ECHO, LOOP } from './harness.ts';

describe('core map', () => {
  it('never overlaps partitions, reuses freed holes first-fit, and compacts when only the total fits', () => {
    const core = new Int32Array(100);
    const cm = new CoreMap(100);
    const moves: [number, number][] = [];
    const mv = (o: number, b: number): void => void moves.push([o, b]);
    expect(cm.allocate(1, 30, core, mv)).toBe(0);
    expect(cm.allocate(2, 30, core, mv)).toBe(30);
    expect(cm.allocate(3, 30, core, mv)).toBe(60);
    expect(cm.allocate(4, 30, core, mv)).toBeNull(); // 10 free
    core.fill(7, 30, 60); // job 2's words
    cm.free(1);
    cm.free(3);
    expect(cm.allocate(5, 20, core, mv)).toBe(0); // first fit
    cm.free(5);
    expect(moves).toEqual([]);
    expect(cm.allocate(6, 50, core, mv)).toBe(30); // holes of 30 and 40: compaction
    expect(moves).toEqual([[2, 0]]);
    expect([...core.subarray(0, 30)]).toEqual(new Array(30).fill(7));
    expect(cm.usedWords).toBe(80);
    const ps = cm.partitions();
    for (let i = 1; i < ps.length; i++) expect(ps[i].base).toBeGreaterThanOrEqual(ps[i - 1].base + ps[i - 1].size);
  });
});

describe('core for jobs', () => {
  it('a job that does not fit waits for core, visibly, and starts when core is freed', () => {
    const h = new Harness({ coreWords: 16384, defaultPartition: 4096, largestPartition: 8192 });
    for (const j of [1, 2, 3, 4]) h.run(j, ECHO);
    h.run(5, 'start: LA r1, msg\n LI r2, 2\n SVC PUTS\n HALT\nmsg: .text "OK"\n');
    h.run(6, 'start: HALT\n'); // behind job 5 in the queue for core: FIFO, no overtaking
    h.settle();
    expect(h.state(5)).toBe('waiting for core');
    expect(h.state(6)).toBe('waiting for core');
    expect(h.events).toContainEqual({ t: 'state', job: 5, state: 'waiting for core' });
    expect(h.m.systat(1).core).toEqual({ total: 16384, used: 16384 });
    h.m.handle({ t: 'eof', job: 3 });
    h.settle();
    h.ended(3, 'normal');
    h.ended(5, 'normal');
    expect(h.output(5)).toBe('OK');
    h.ended(6, 'normal');
  });

  it('refuses a program bigger than the largest partition', () => {
    const h = new Harness({ coreWords: 65536, largestPartition: 8192 });
    h.run(1, 'start: HALT\nbig: .space 10000\n');
    const e = h.ended(1, 'core');
    expect(e.message).toMatch(/^PROGRAM NEEDS 11\d\d\d WORDS OF CORE; THE LARGEST PARTITION IS 8192 WORDS$/);
  });

  it('compacts core for a big job, and the moved job keeps running with its data intact', () => {
    const h = new Harness({ coreWords: 12288, defaultPartition: 4096, largestPartition: 8192 });
    // Job 2 keeps a greeting in its partition and types it after each line it reads.
    const KEEP = `start:  LA r1, buf
        LI r2, 10
        SVC GETS
        BLT r1, r0, done
        LA r1, msg
        LI r2, 5
        SVC PUTS
        JMP start
done:   HALT
msg:    .text "KEPT!"
buf:    .space 10
`;
    h.run(1, ECHO);
    h.run(2, KEEP);
    h.run(3, ECHO);
    h.settle();
    expect(h.m.job(2)!.ctx!.base).toBe(4096);
    h.m.handle({ t: 'kill', job: 1 });
    h.m.handle({ t: 'kill', job: 3 });
    h.run(4, 'start: LA r1, msg\n LI r2, 3\n SVC PUTS\n HALT\nmsg: .text "BIG"\n.space 5000\n');
    expect(h.state(4)).toBe('ready'); // loaded at once, after compaction
    expect(h.m.job(2)!.ctx!.base).toBe(0);
    h.m.handle({ t: 'input', job: 2, line: 'x' });
    h.m.handle({ t: 'eof', job: 2 });
    h.settle();
    expect(h.output(4)).toBe('BIG');
    expect(h.output(2)).toBe('KEPT!');
    h.ended(2, 'normal');
  });

  it('a trapping job ends with a clear message and leaves its neighbours intact', () => {
    const h = new Harness();
    const KEEP = `start:  LI r3, 0
fill:   ST r3, buf(r0,r3)
        ADD r3, r3, 1
        LI r4, 64
        BLT r3, r4, fill
        LA r1, in
        LI r2, 4
        SVC GETS
        LI r3, 0
        LI r5, 0
sum:    LD r4, buf(r0,r3)
        ADD r5, r5, r4
        ADD r3, r3, 1
        LI r4, 64
        BLT r3, r4, sum
        MOV r1, r5
        SVC PUTINT
        HALT
buf:    .space 64
in:     .space 4
`;
    h.run(1, KEEP);
    h.run(2, 'start: LI r1, 7\n        ST r1, -5000(r0)\n        HALT\n');
    h.run(3, 'start: LI r1, -1\nloop: ST r1, 70000(r0)\n JMP loop\n');
    h.run(4, 'start: LI r1, 1\n DIV r1, r1, r0\n HALT\n');
    h.settle();
    expect(h.ended(2, 'error').message).toBe('ADDRESS TRAP AT PC 2: ADDRESS -5000 OUTSIDE PARTITION IN LINE 2');
    expect(h.ended(3, 'error').message).toBe('ADDRESS TRAP AT PC 2: ADDRESS 70000 OUTSIDE PARTITION IN LINE 2');
    expect(h.ended(4, 'error').message).toBe('DIVIDE BY ZERO AT PC 2 IN LINE 2');
    h.m.handle({ t: 'input', job: 1, line: 'go' });
    h.settle();
    expect(h.output(1)).toBe(String((63 * 64) / 2));
    h.ended(1, 'normal');
  });

  it('a run message may lower the CPU limit, with its own message, but never raise it', () => {
    const h = new Harness({ cpuLimit: 2_000_000 });
    h.m.handle({ t: 'run', job: 1, owner: 'test', line: 1, name: 'low', lang: 'asm', source: LOOP,
      cpuLimit: 500_000, cpuLimitMessage: 'BUDGET EXHAUSTED' });
    h.m.handle({ t: 'run', job: 2, owner: 'test', line: 2, name: 'high', lang: 'asm', source: LOOP,
      cpuLimit: 9_000_000, cpuLimitMessage: 'BUDGET EXHAUSTED' });
    h.settle();
    const low = h.ended(1, 'cpu limit');
    expect(low.message).toBe('BUDGET EXHAUSTED');
    expect(low.meters.cycles).toBeGreaterThanOrEqual(500_000);
    expect(low.meters.cycles).toBeLessThan(500_100);
    const high = h.ended(2, 'cpu limit');
    expect(high.message).toBe('CPU LIMIT EXCEEDED (0.20 SECONDS)');
    expect(high.meters.cycles).toBeLessThan(2_000_100);
  });

  it('meters core held: partition words times cycles', () => {
    const h = new Harness({ defaultPartition: 8192 });
    h.run(1, LOOP, { cpuLimit: 1_000_000 });
    h.settle();
    const e = h.ended(1, 'cpu limit');
    expect(e.meters.coreWords).toBe(8192);
    const compile = h.m.cfg.compileBase + 3 * h.m.cfg.compilePerLine; // charged before core was held
    expect(e.meters.coreWordCycles).toBe(8192 * (e.meters.cycles - compile));
  });
});
