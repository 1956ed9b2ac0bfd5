// The job state machine (server/monitor/state.ts): one phase per job, transitions from one table,
// and an invariant check that names what is broken. A random mix of jobs and messages is run with
// the check after every message and every quantum; then the check is shown to catch each kind of
// corruption by name.
import { describe, expect, it } from 'vitest';
import { Harness, ECHO, LOOP } from './harness.ts';
import { TRANSITIONS, SHOWN, HOLDS_CORE, checkTransition, type Phase } from '../../server/monitor/state.ts';
import type { Job } from '../../server/monitor/job.ts';
import { FUZZ_SEED } from '../hostile/fuzz-seed.ts';

const SLEEPY = 'start: LI r1, 5\n SVC SLEEP\n LI r1, 65\n SVC PUTC\n JMP start\n';
const CHATTY = 'start: LA r1, msg\n LI r2, 40\n SVC PUTS\n JMP start\nmsg: .text "0123456789012345678901234567890123456789"\n';
const BIG = 'start: LI r1, 3\n SVC SLEEP\n JMP start\npad: .space 6000\n';

/** xorshift32: the same mix of operations for the same seed */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

// The monitor's private parts, for the tests that break them on purpose.
interface Insides {
  move(job: Job, to: Phase): void;
  sleepers: Set<Job>;
  slow: { push(j: Job): void };
  coreQueue: Job[];
  jobs: Map<number, Job>;
  coreMap: { partitions(): readonly { base: number }[] };
}

describe('job state machine', () => {
  it('has one table: every phase is shown as a front-end state, stopped is final, and an illegal move is refused by name', () => {
    for (const [from, tos] of Object.entries(TRANSITIONS) as [Phase, Phase[]][]) {
      expect(SHOWN[from]).toBeTruthy();
      for (const to of tos) expect(() => checkTransition(1, from, to)).not.toThrow();
    }
    expect(TRANSITIONS.stopped).toEqual([]);
    expect(() => checkTransition(7, 'ready', 'sleeping')).toThrow('job 7: illegal transition ready -> sleeping');
    expect(() => checkTransition(7, 'swapped, sleeping', 'ready')).toThrow('illegal transition swapped, sleeping -> ready');
    // the monitor itself refuses: a ready job cannot start sleeping without having run
    const h = new Harness();
    h.run(1, LOOP);
    const job = h.m.job(1)!;
    expect(job.phase).toBe('ready');
    expect(() => (h.m as unknown as Insides).move(job, 'sleeping')).toThrow('job 1: illegal transition ready -> sleeping');
  });

  it(`keeps every invariant through a random mix of jobs, input, output, sleeps, kills and core waits (seed ${FUZZ_SEED})`, () => {
    const next = rng(FUZZ_SEED);
    const h = new Harness({ coreWords: 32768, defaultPartition: 4096, largestPartition: 16384, quantum: 5_000 });
    const programs = [LOOP, ECHO, SLEEPY, CHATTY, BIG];
    const live: number[] = [];
    let id = 0;
    const seen = new Set<Phase>();
    for (let step = 0; step < 600; step++) {
      const r = next();
      if (r < 0.15 || live.length === 0) {
        h.run(++id, programs[Math.floor(next() * programs.length)], { cpuLimit: 3_000_000, outputLimit: 20_000 });
        live.push(id);
      } else {
        const j = live[Math.floor(next() * live.length)];
        const k = next();
        if (k < 0.3) h.m.handle({ t: 'input', job: j, line: `LINE ${step}` });
        else if (k < 0.4) h.m.handle({ t: 'eof', job: j });
        else if (k < 0.6) h.m.handle({ t: 'drained', job: j, chars: 1 + Math.floor(next() * 4096) });
        else if (k < 0.65) h.m.handle({ t: 'interrupt', job: j });
        else if (k < 0.7) h.m.handle({ t: 'kill', job: j, reason: 'TEST' });
      }
      h.m.checkInvariants();
      h.m.step(20_000);
      h.m.checkInvariants();
      h.clock += Math.floor(next() * 4);
      h.m.tick();
      h.m.checkInvariants();
      h.m.flush();
      for (const n of live) {
        const job = h.m.job(n);
        if (job) seen.add(job.phase);
      }
      for (let i = live.length - 1; i >= 0; i--) if (!h.m.job(live[i])) live.splice(i, 1);
    }
    // the mix really went through the states a job has without swapping
    for (const p of ['ready', 'running', 'waiting for input', 'waiting for output', 'sleeping', 'waiting for core'] as Phase[]) expect(seen).toContain(p);
  });

  it('names the invariant a corrupted table breaks', () => {
    const broken = (corrupt: (m: Insides) => void): string => {
      const h = new Harness({ coreWords: 16384, largestPartition: 8192 });
      h.run(1, ECHO); // waits for input
      h.run(2, SLEEPY); // sleeps
      h.run(3, LOOP); // ready
      h.settle(30_000);
      h.m.checkInvariants();
      corrupt(h.m as unknown as Insides);
      try {
        h.m.checkInvariants();
      } catch (e) {
        return (e as { invariant: string }).invariant;
      }
      return 'nothing';
    };
    expect(broken(() => {})).toBe('nothing');
    expect(broken((m) => m.slow.push(m.jobs.get(3)!))).toBe('ready-once'); // queued twice
    expect(broken((m) => m.sleepers.delete(m.jobs.get(2)!))).toBe('sleepers');
    expect(broken((m) => m.coreQueue.push(m.jobs.get(1)!))).toBe('core-queue');
    expect(broken((m) => (m.jobs.get(1)!.meters.coreWords = 0, m.jobs.get(1)!.phase = 'swapped, waiting for input'))).toBe('core-held');
    expect(broken((m) => (m.jobs.get(2)!.ctx!.base += 2))).toBe('core-held');
    expect(broken((m) => ((m.coreMap.partitions()[1] as { base: number }).base -= 2))).toBe('partitions-disjoint');
    expect(broken((m) => (m.jobs.get(3)!.meters.cycles += 1))).toBe('cycles-conserved');
  });

  it('a job holds core exactly in the phases that say so', () => {
    expect([...HOLDS_CORE].sort()).toEqual(['ready', 'running', 'sleeping', 'swapping in', 'waiting for budget', 'waiting for input', 'waiting for output']);
  });
});
