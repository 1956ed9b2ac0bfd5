// A budget's purse in the monitor: CPU and core (by wall time held) together never pass its
// ceiling, however late the mainframe thread gets to look (a starved host), because core is paid
// ahead and charged only up to what was paid.
import { describe, expect, it } from 'vitest';
import { Harness, LOOP } from './harness.ts';

const SLEEPER = 'start: LI r1, 60000\n SVC SLEEP\n JMP start\npad: .space 40000\n';
const BIGLOOP = 'start: ADD r1, r1, 1\n JMP start\npad: .space 40000\n';
const PRICE = 0.6; // units (cycles) per word-ms, as at the default rates

/** The units a job used, counted as the purse counts them. */
function units(h: Harness, job: number): number {
  const e = h.end(job);
  const m = e ? e.meters : h.m.job(job)!.meters;
  return m.cycles + m.coreWordMs * PRICE;
}

function budgeted(ceiling: number): Harness {
  const h = new Harness({ coreWords: 1 << 20, largestPartition: 1 << 18 });
  h.m.handle({ t: 'budget', owner: 'test', ceiling, message: 'BUDGET EXHAUSTED', corePerWordMs: PRICE });
  return h;
}

describe('a budget in the monitor', () => {
  it('20 jobs in 40,000-word partitions stop at the ceiling exactly: CPU and core never pass it', () => {
    const ceiling = 30_000_000; // $0.10 at the default rates
    const h = budgeted(ceiling);
    for (let j = 1; j <= 20; j++) h.run(j, j % 2 ? SLEEPER : BIGLOOP);
    for (let t = 0; t < 2000 && [...Array(20).keys()].some((i) => !h.end(i + 1)); t++) {
      h.m.tick();
      h.m.step(h.m.cfg.quantum * 4);
      h.m.checkInvariants();
      h.m.flush();
      h.clock += 1;
    }
    let total = 0;
    for (let j = 1; j <= 20; j++) {
      expect(h.ended(j, 'cpu limit').message).toBe('BUDGET EXHAUSTED');
      total += units(h, j);
    }
    expect(total).toBeLessThanOrEqual(ceiling);
    // stopped when the purse could not pay for two more milliseconds of the core held (half of
    // what is left goes to core, so that the CPU gets the other half)
    expect(total).toBeGreaterThan(ceiling - 2 * 20 * 40_960 * PRICE);
  });

  it('a host that does not run the mainframe thread for 5 s charges no core past the purse (the time unlooked-at is not charged)', () => {
    const ceiling = 30_000_000;
    const h = budgeted(ceiling);
    for (let j = 1; j <= 5; j++) h.run(j, SLEEPER);
    h.settle();
    h.m.tick();
    h.clock += 5000; // the thread is starved: nobody looks for five seconds
    h.m.tick();
    h.m.checkInvariants();
    let total = 0;
    for (let j = 1; j <= 5; j++) total += units(h, j);
    expect(total).toBeLessThanOrEqual(ceiling);
    // (without paying ahead, five seconds of 5 x 40,960 words would have been 614,400,000 units)
    for (let t = 0; t < 400; t++) {
      h.clock += 1;
      h.m.tick();
    }
    total = 0;
    for (let j = 1; j <= 5; j++) {
      expect(h.ended(j, 'cpu limit').message).toBe('BUDGET EXHAUSTED');
      total += units(h, j);
    }
    expect(total).toBeLessThanOrEqual(ceiling);
  });

  it('without a budget, core is charged for every millisecond held, looked at or not', () => {
    const h = new Harness();
    h.run(1, SLEEPER);
    h.settle();
    const before = h.m.job(1)!.meters.coreWordMs;
    h.clock += 5000;
    h.m.tick();
    h.m.checkpoint();
    expect(h.m.job(1)!.meters.coreWordMs - before).toBe(h.m.job(1)!.meters.coreWords * 5000);
  });

  it('a compile the purse cannot pay for is not done and not charged', () => {
    const h = budgeted(5_000);
    h.run(1, LOOP);
    const e = h.ended(1, 'cpu limit');
    expect(e.message).toBe('BUDGET EXHAUSTED');
    expect(e.meters.cycles).toBe(0);
  });

  it('with more to come (a lease being renewed) jobs that reach the ceiling wait, unscheduled and holding core, then go on when it is raised and stop when it is final', () => {
    const h = new Harness({ coreWords: 1 << 20, largestPartition: 1 << 18 });
    const budget = (ceiling: number, more: boolean, renewAt?: number) =>
      h.m.handle({ t: 'budget', owner: 'test', ceiling, message: 'BUDGET EXHAUSTED', corePerWordMs: PRICE, more, ...(renewAt !== undefined ? { renewAt } : {}) });
    const said = () => h.events.filter((e) => e.t === 'purse');
    budget(20_000_000, true, 10_000_000);
    h.run(1, BIGLOOP);
    h.run(2, SLEEPER);
    const drive = (ticks: number) => {
      for (let t = 0; t < ticks; t++) {
        h.m.tick();
        h.m.step(h.m.cfg.quantum * 4);
        h.m.checkInvariants();
        h.m.flush();
        h.clock += 1;
      }
    };
    drive(400);
    // told once that it runs low (at renewAt), once that it is empty; nobody stopped
    expect(said()).toEqual([{ t: 'purse', owner: 'test', empty: false }, { t: 'purse', owner: 'test', empty: true }]);
    expect(h.end(1)).toBeUndefined();
    expect(h.end(2)).toBeUndefined();
    expect(h.m.job(1)!.phase).toBe('waiting for budget');
    expect(h.state(1)).toBe('ready'); // (what its owner and SYSTAT see: a job about to run)
    expect(h.m.hasReady()).toBe(false); // not scheduled: the machine idles while it waits
    const waited = units(h, 1) + units(h, 2);
    // (core's units are fractions of a cycle: the last instruction may pass the ceiling by less than one)
    expect(waited).toBeLessThan(20_000_000 + 1);
    expect(waited).toBeGreaterThan(20_000_000 - 2 * 2 * 40_960 * PRICE);
    // a wait's core is not charged: time passes, the purse does not move
    drive(100);
    expect(units(h, 1) + units(h, 2)).toBe(waited);
    // the renewal raises the ceiling: the job goes on exactly where it waited
    budget(40_000_000, true);
    expect(h.m.job(1)!.phase).toBe('ready');
    drive(400);
    expect(h.m.job(1)!.phase).toBe('waiting for budget');
    expect(said().filter((e) => e.t === 'purse' && e.empty).length).toBe(2);
    // the database has no more: the jobs stop, within the last ceiling
    budget(40_000_000, false);
    drive(2);
    expect(h.ended(1, 'cpu limit').message).toBe('BUDGET EXHAUSTED');
    expect(h.ended(2, 'cpu limit').message).toBe('BUDGET EXHAUSTED');
    const total = units(h, 1) + units(h, 2);
    expect(total).toBeLessThan(40_000_000 + 1);
    expect(total).toBeGreaterThan(40_000_000 - 2 * 2 * 40_960 * PRICE);
  });

  it('a job put away while it waits for its budget comes back ready to run', () => {
    const h = new Harness();
    h.m.handle({ t: 'budget', owner: 'test', ceiling: 2_000_000, message: 'BUDGET EXHAUSTED', more: true });
    h.run(1, LOOP);
    h.settle();
    expect(h.m.job(1)!.phase).toBe('waiting for budget');
    h.m.handle({ t: 'checkpoint', req: 1, halt: true });
    const snap = h.events.find((e) => e.t === 'snapshot' && e.job === 1) as Extract<typeof h.events[number], { t: 'snapshot' }>;
    expect(h.m.job(1)).toBeUndefined();
    expect(h.end(1)).toBeUndefined(); // put away, not ended
    const g = new Harness();
    g.m.handle({ t: 'restore', job: 1, data: snap.data });
    expect(g.m.job(1)!.phase).toBe('ready');
    g.m.step(1000);
    expect(g.m.job(1)!.meters.cycles).toBeGreaterThan(snap.cycles);
  });
});
