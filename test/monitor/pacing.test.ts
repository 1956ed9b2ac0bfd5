// The rated clock on a fake clock (no timed assertions): the machine executes at most ratedClock
// cycles per wall second, the rest is idle; a job alone takes wall time equal to its CPU time, N jobs
// share it and pay the same; a job woken by a typed line runs before the CPU-bound ones.
import { describe, expect, it } from 'vitest';
import { Harness, LOOP, ECHO } from './harness.ts';

const HZ = 1_000_000; // 1,000 cycles per fake millisecond
/** A job that counts to `n` (3 cycles an iteration: ADD, BLT... plus LI) and halts. */
const counted = (n: number) => `start: LI r4, ${n}\nloop: ADD r1, r1, 1\n BLT r1, r4, loop\n HALT\n`;

function paced(extra = {}) {
  // compiles charged as at a 10 MHz clock's old rates: at 1 MHz the real compile charge would be
  // many windows of catching up, which these tests do not measure
  return new Harness({ paced: true, ratedClock: HZ, quantum: 2_000, paceMs: 2, maxLagMs: 50, compileBase: 1000, compilePerLine: 10, ...extra });
}

/** Busy + idle cycles so far, settled at the fake clock's now. */
function machine(h: Harness): number {
  return h.m.totalCycles;
}

describe('the rated clock (paced)', () => {
  it('executed + idle = rated x wall, with 0, 1 and 10 CPU-bound jobs, over every 100 ms window', () => {
    for (const n of [0, 1, 10]) {
      const h = paced();
      for (let j = 1; j <= n; j++) h.run(j, LOOP, { cpuLimit: 1e12 });
      // (compiles are charged at once when jobs start: 10 here are 10 ms of a 1 MHz machine, made
      // up within the first window; measure from the steady state)
      h.pace(100);
      const t0 = h.clock - 100;
      let last = { at: h.clock, cycles: machine(h) };
      let worst = 0;
      for (let w = 0; w < 50; w++) {
        h.pace(100);
        const now = { at: h.clock, cycles: machine(h) };
        const rated = ((now.at - last.at) * HZ) / 1000;
        worst = Math.max(worst, Math.abs(now.cycles - last.cycles - rated) / rated);
        last = now;
      }
      const wall = h.clock - t0;
      // never more than paceMs (plus one basic block) ahead of the wall clock, never behind
      expect(Math.abs(machine(h) - (wall * HZ) / 1000)).toBeLessThanOrEqual(2 * 1000 + 10);
      expect(worst).toBeLessThan(0.05);
      expect(h.m.clock.lost).toBe(0);
      const busy = h.m.clock.busy;
      if (n === 0) expect(busy).toBe(0);
      else expect(busy).toBeGreaterThan(0.99 * (wall * HZ) / 1000); // all of it went to the jobs
    }
  });

  it('sleeps between quanta: with jobs ready it runs only what the clock allows, then waits', () => {
    const h = paced();
    h.run(1, LOOP, { cpuLimit: 1e12 });
    const slept = h.pace(1000);
    // it found itself ahead of the clock on about every other 1 ms tick (2 ms per wake-up)
    expect(slept).toBeGreaterThan(300);
    expect(h.m.allowance()).toBeLessThanOrEqual(3 * 1000); // pace + the last 1 ms tick
    expect(h.m.clock.busy).toBeLessThanOrEqual(1001 * 1000 + 2 * 1000 + 10);
  });

  it('a job alone: TIME equals its wall time; 2 and 10 jobs: wall N times longer, the same cycles', () => {
    const WORK = 300_000; // iterations: about 0.6 CPU seconds at 1 MHz
    const result = new Map<number, { cycles: number[]; wall: number }>();
    for (const n of [1, 2, 10]) {
      const h = paced();
      const start = h.clock;
      for (let j = 1; j <= n; j++) h.run(j, counted(WORK));
      const endAt = new Map<number, number>();
      let guard = 0;
      while (endAt.size < n && guard++ < 100) {
        h.pace(100, 1, () => {
          for (const e of h.events) if (e.t === 'end' && !endAt.has(e.job)) endAt.set(e.job, h.clock);
        });
      }
      const cycles = [...Array(n)].map((_, i) => h.ended(i + 1, 'normal').meters.cycles);
      result.set(n, { cycles, wall: Math.max(...endAt.values()) - start });
    }
    const alone = result.get(1)!;
    const cpuMs = (alone.cycles[0] * 1000) / HZ;
    expect(Math.abs(alone.wall - cpuMs) / cpuMs).toBeLessThan(0.02);
    for (const n of [2, 10]) {
      const r = result.get(n)!;
      expect(r.cycles).toEqual(Array(n).fill(alone.cycles[0])); // the charge is exactly the same
      expect(Math.abs(r.wall / alone.wall - n) / n).toBeLessThan(0.02);
    }
  });

  it('counts what a too-slow host could not run as lost, and does not run it in a burst', () => {
    const h = paced();
    h.run(1, LOOP, { cpuLimit: 1e12 });
    h.pace(10);
    const before = h.m.clock.busy;
    h.clock += 500; // the host stalled for half a second with a job ready
    h.m.tick();
    const allowed = h.m.allowance();
    expect(allowed).toBeLessThanOrEqual((50 + 2) * 1000 + 1000); // at most maxLag + pace made up
    expect(h.m.clock.lost).toBeGreaterThan(400 * 1000);
    h.pace(100);
    expect(h.m.clock.busy - before).toBeLessThan((100 + 50 + 2 + 10 + 1) * 1000);
    // busy + idle + lost is the rated clock times the wall time
    expect(Math.abs(h.m.clock.machine - h.m.clock.due(h.clock))).toBeLessThanOrEqual(3000);
  });

  it('SYSTAT: rated clock, utilisation and each job\'s share', () => {
    const h = paced();
    h.run(1, LOOP, { cpuLimit: 1e12 });
    h.run(2, LOOP, { cpuLimit: 1e12 });
    h.run(3, ECHO);
    h.pace(60_000, 5);
    const st = h.m.systat(1);
    expect(st.ratedClock).toBe(HZ);
    expect(st.paced).toBe(true);
    const share = new Map(st.jobs.map((j) => [j.job, j.share!]));
    expect(share.get(1)).toBeGreaterThan(0.45);
    expect(share.get(1)).toBeLessThan(0.55);
    expect(share.get(2)).toBeGreaterThan(0.45);
    expect(share.get(3)).toBe(0);
    // a minute of a saturated machine: the 1-minute utilisation is near 1 (decayed from 0)
    expect(st.utilisation![0]).toBeGreaterThan(0.6);
    expect(st.utilisation![2]).toBeLessThan(st.utilisation![0]);
    expect(st.load[0]).toBeGreaterThan(1.2);
  });
});

describe('interactive jobs first', () => {
  it('a job woken by a typed line runs before every CPU-bound job, which keep their round robin', () => {
    const h = new Harness({ quantum: 1000 });
    h.run(1, ECHO);
    for (let j = 2; j <= 11; j++) h.run(j, LOOP, { cpuLimit: 1e12 });
    h.m.step(100_000); // the loops are now CPU-bound, in the round robin
    expect(h.state(1)).toBe('waiting for input');
    const loops = () => [...Array(10)].map((_, i) => h.cycles(i + 2));
    const before = loops();
    h.m.handle({ t: 'input', job: 1, line: 'HI' });
    h.m.step(h.m.cfg.quantum);
    h.m.flush();
    expect(h.output(1)).toBe('HI\n'); // answered in the very next step
    expect(loops()).toEqual(before); // no CPU-bound job ran first
    // the round robin goes on where it was: every loop gets one quantum before any gets two
    for (let i = 0; i < 10; i++) h.m.step(1);
    const after = loops().map((c, i) => c - before[i]);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1000 + 2);
  });

  it('an interactive job that computes a whole quantum joins the round robin', () => {
    const h = new Harness({ quantum: 1000 });
    h.run(1, 'start: LA r1, b\n LI r2, 9\n SVC GETS\nspin: JMP spin\nb: .space 9\n');
    h.run(2, LOOP, { cpuLimit: 1e12 });
    h.run(3, LOOP, { cpuLimit: 1e12 });
    h.m.step(10_000);
    h.m.handle({ t: 'input', job: 1, line: 'GO' });
    const c = () => [1, 2, 3].map((j) => h.cycles(j));
    const a = c();
    h.m.step(1); // job 1 first, a whole quantum
    const b = c();
    expect(b[0] - a[0]).toBeGreaterThanOrEqual(1000);
    expect(b.slice(1)).toEqual(a.slice(1));
    h.m.step(1);
    h.m.step(1);
    h.m.step(1); // then it takes turns with the others
    const d = c().map((x, i) => x - b[i]);
    expect(d.every((x) => x >= 1000 && x <= 1002)).toBe(true);
  });

  it('paced, with 50 CPU-bound jobs, a typed line is answered within the next wake-up', () => {
    const h = paced({ quantum: 20_000, ratedClock: 10_000_000 });
    h.run(1, ECHO);
    for (let j = 2; j <= 51; j++) h.run(j, LOOP, { cpuLimit: 1e12 });
    h.pace(500);
    expect(h.state(1)).toBe('waiting for input');
    h.m.handle({ t: 'input', job: 1, line: 'PING' });
    h.pace(3); // three fake milliseconds
    expect(h.output(1)).toBe('PING\n');
  });
});
