// The same hostile jobs through the Monitor API, where the meters can be read exactly: supervisor
// calls count toward the CPU limit, a job waiting for input or for its terminal uses no cycles at
// all, and warnings cannot get round the output limit.
import { describe, expect, it } from 'vitest';
import { Harness } from '../monitor/harness.ts';

describe('limits the monitor enforces', () => {
  it('a loop of supervisor calls is charged their documented cycles and ends at the CPU limit', () => {
    const h = new Harness({ cpuLimit: 2_000_000 });
    h.run(1, 'start: SVC TIME\n LI r1, 0\n SVC SLEEP\n SVC CPUTIME\n JMP start\n');
    h.run(2, 'start: ADD r1, r1, 1\n JMP start\n');
    h.settle();
    for (const j of [1, 2]) {
      const e = h.ended(j, 'cpu limit');
      expect(e.message).toBe('CPU LIMIT EXCEEDED (0.20 SECONDS)');
      // the limit is checked after each call, so it overshoots by at most one call and its instruction
      expect(e.meters.cycles).toBeGreaterThanOrEqual(2_000_000);
      expect(e.meters.cycles).toBeLessThan(2_000_000 + 100);
    }
    expect(h.ended(1, 'cpu limit').meters.svcs).toBeGreaterThan(2_000_000 / 50);
  });

  it('a job waiting for input forever uses no cycles; KILL (a hang-up) ends it', () => {
    const h = new Harness();
    h.run(1, 'start: LA r1, b\n LI r2, 10\n SVC GETS\n HALT\nb: .space 10\n');
    h.settle();
    expect(h.state(1)).toBe('waiting for input');
    const before = h.cycles(1);
    h.run(2, 'start: ADD r1, r1, 1\n JMP start\n', { cpuLimit: 5_000_000 });
    for (let i = 0; i < 50; i++) {
      h.clock += 60_000; // an hour of wall time passes
      h.m.tick();
      h.settle();
    }
    expect(h.cycles(1)).toBe(before);
    expect(h.state(1)).toBe('waiting for input');
    h.m.handle({ t: 'kill', job: 1, reason: 'line dropped' });
    expect(h.ended(1, 'killed').message).toBe('KILLED: line dropped');
    expect(h.ended(1, 'killed').meters.cycles).toBe(before);
  });

  it('a flood to a terminal that never acknowledges waits for output and burns nothing', () => {
    const h = new Harness();
    h.run(1, 'start: LI r1, 65\nl: SVC PUTC\n JMP l\n');
    h.settle();
    expect(h.state(1)).toBe('waiting for output');
    const c = h.cycles(1);
    h.settle();
    h.m.tick();
    h.settle();
    expect(h.cycles(1)).toBe(c);
    expect(h.output(1).length).toBe(h.m.cfg.outputWindow);
  });

  it('an endless loop of warnings ends at the output limit instead of typing forever', () => {
    const h = new Harness({ outputLimit: 1000 });
    h.run(1, 'start: LA r1, m\n LI r2, 16\nl: SVC WARN\n JMP l\nm: .text "DIVISION BY ZERO"\n');
    for (let i = 0; i < 100 && !h.end(1); i++) {
      h.settle();
      h.m.handle({ t: 'drained', job: 1, chars: 1 << 20 });
    }
    const e = h.ended(1, 'output limit');
    expect(e.message).toBe('OUTPUT LIMIT EXCEEDED (1000 CHARACTERS)');
    expect(h.system(1).length).toBeLessThanOrEqual(1000);
    expect(h.system(1).length).toBeGreaterThan(900);
    // and they travel to the front end in batches, not one message per warning (each message
    // costs the front end's thread a socket write; thousands of them delayed every echo)
    const warnings = h.system(1).split('DIVISION BY ZERO').length - 1;
    const messages = h.events.filter((e) => e.t === 'out' && e.job === 1 && e.sys).length;
    expect(warnings).toBeGreaterThan(30);
    expect(messages).toBeLessThan(warnings / 4);
  });
});
