// Swapping in the monitor: when a job waits for core, jobs idle in core (waiting for input or
// asleep) are swapped out, longest idle first, after a minimum residence; they come back when they
// can go on and core is free, and go on exactly where they stopped. The front end's part (keeping
// the images) is played here by a Map; the invariants are checked after every step.
import { describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';
import { Monitor } from '../../server/monitor/monitor.ts';
import { completeSnapshot } from '../../server/monitor/snapshot.ts';
import { assemble } from '../../server/machine/assembler.ts';
import type { FromMainframe } from '../../server/monitor/protocol.ts';

/** Sleeps 300 ms, types its letter, three times, in a partition of about 7,000 words. */
const napper = (letter: string) => `start: LI r3, 3
loop:  LI r1, 300
       SVC SLEEP
       LI r1, ${letter.charCodeAt(0)}
       SVC PUTC
       SUB r3, r3, 1
       BNE r3, r0, loop
       HALT
pad:   .space 7000
`;
/** Asks for a line and types it back, in a partition of about 7,000 words. */
const ASKER = `start: LA r1, msg
       LI r2, 5
       SVC PUTS
       LA r1, buf
       LI r2, 40
       SVC GETS
       MOV r2, r1
       LA r1, buf
       SVC PUTS
       HALT
msg:   .text "NAME?"
buf:   .space 7000
`;
/** Types OK; needs about 7,000 words (core holds four 8,050-word jobs and 568 words more). */
const BIG = 'start: LA r1, msg\n LI r2, 2\n SVC PUTS\n HALT\nmsg: .text "OK"\npad: .space 6000\n';

/** A harness whose front end keeps swap images and answers 'swapin' (after `delay` steps). */
class SwapHarness extends Harness {
  readonly images = new Map<number, Uint8Array>();
  private asked: number[] = [];
  constructor() {
    super({ coreWords: 32768, defaultPartition: 4096, largestPartition: 16384, swap: true, swapResidenceMs: 100 });
  }
  /** the front end's side: keep what is swapped out, give it back when asked */
  serve(): void {
    for (const e of this.events.splice(0)) {
      this.seen.push(e);
      if (e.t === 'snapshot' && e.swap) this.images.set(e.job, e.data);
      if (e.t === 'swapin') this.asked.push(e.job);
    }
    for (const job of this.asked.splice(0)) this.m.handle({ t: 'swapin', job, data: this.images.get(job) ?? null });
  }
  readonly seen: FromMainframe[] = [];
  /** Runs ms of wall time in 1 ms ticks, serving the front end's side and checking the invariants. */
  run_(ms: number): void {
    for (let t = 0; t < ms; t++) {
      this.m.tick();
      this.m.checkInvariants();
      while (this.m.hasReady()) this.m.step(this.m.cfg.quantum);
      this.m.checkInvariants();
      this.m.flush();
      this.serve();
      this.m.checkInvariants();
      this.clock += 1;
    }
  }
  out(job: number): string {
    return this.seen.filter((e) => e.t === 'out' && e.job === job).map((e) => (e as { text: string }).text).join('');
  }
  endOf(job: number) {
    return this.seen.find((e) => e.t === 'end' && e.job === job) as Extract<FromMainframe, { t: 'end' }> | undefined;
  }
}

describe('swapping', () => {
  it('a job waiting for core gets it from sleepers swapped out; the sleepers come back and finish exactly as they would have', () => {
    const h = new SwapHarness();
    for (const [j, l] of [[1, 'A'], [2, 'B'], [3, 'C'], [4, 'D']] as const) h.run(j, napper(l));
    h.run_(120); // four sleepers fill core (4 x ~7,000 of 32,768 words), each resident over 100 ms
    h.run(5, BIG); // needs ~7,000 words: the longest idle sleeper is swapped out for it at once
    expect(h.m.swaps.out).toBe(1);
    expect(h.m.job(1)!.phase).toBe('swapped, sleeping');
    h.run_(50);
    expect(h.endOf(5)?.reason).toBe('normal'); // long before the sleepers end (900 ms)
    expect(h.out(5)).toBe('OK');
    expect(h.m.swaps.out).toBe(1);
    h.run_(1200);
    expect(h.m.swaps.in).toBe(h.m.swaps.out);
    for (const [j, l] of [[1, 'A'], [2, 'B'], [3, 'C'], [4, 'D']] as const) {
      expect(h.endOf(j)?.reason).toBe('normal');
      expect(h.out(j)).toBe(l.repeat(3));
    }
    // the same cycles as without swapping (a swap costs the job nothing)
    const alone = new Harness({ coreWords: 32768, largestPartition: 16384 });
    alone.run(1, napper('A'));
    for (let t = 0; t < 1200; t++) {
      alone.m.tick();
      alone.settle();
      alone.clock += 1;
    }
    expect(h.endOf(1)!.meters.cycles).toBe(alone.ended(1, 'normal').meters.cycles);
  });

  it('a swapped job holds and pays for no core; the longest idle goes first, and none before its residence', () => {
    const h = new SwapHarness();
    for (const j of [1, 2, 3, 4]) h.run(j, ASKER);
    h.run_(10);
    h.run(5, BIG); // nobody has held core for 100 ms yet: nobody is swapped, BIG waits
    h.run_(50);
    expect(h.m.job(5)!.phase).toBe('waiting for core');
    expect(h.m.swaps.out).toBe(0);
    h.m.handle({ t: 'kill', job: 5 });
    h.run(6, ASKER.replace('NAME?', 'AGE??')); // (no room: waits)
    h.m.handle({ t: 'kill', job: 6 });
    // make the idle times differ: 1 answered and ended; 2, then 3 and 4 start waiting later
    h.m.handle({ t: 'input', job: 1, line: 'ONE' });
    h.run_(5);
    h.run(7, ASKER);
    h.run_(150);
    h.run(8, BIG);
    h.run_(1);
    // 2, 3, 4 have waited since the start, 7 for 150 ms: the longest idle (2, then 3 by number) goes
    expect(h.m.job(2)!.phase).toBe('swapped, waiting for input');
    expect(h.m.job(2)!.state).toBe('waiting for input'); // its owner sees the same state
    for (const j of [3, 4, 7]) expect(h.m.job(j)!.swapped, `job ${j}: ${h.m.job(j)!.phase}, core ${h.m.systat(0).core.used}, BIG ${h.m.job(8)?.need}`).toBe(false);
    expect(h.endOf(8)?.reason).toBe('normal');
    const m = h.m.job(2)!.meters;
    expect(m.coreWords).toBe(0);
    const wordMs = m.coreWordMs;
    h.run_(500);
    h.m.checkpoint();
    expect(h.m.job(2)!.meters.coreWordMs).toBe(wordMs); // no core charged while swapped out
    expect(h.m.systat(1).jobs.find((j) => j.job === 2)!.swapped).toBe(true);
    // answered while swapped: it comes back and types the answer
    h.m.handle({ t: 'input', job: 2, line: 'ALICE' });
    h.run_(5);
    expect(h.out(2)).toBe('NAME?ALICE');
    expect(h.endOf(2)?.reason).toBe('normal');
    // Ctrl-C on a swapped job stops it at once
    h.run(10, ASKER); // core full again (3, 4, 7, 10)
    h.run_(1);
    h.run(9, BIG);
    h.run_(1);
    expect(h.m.job(3)!.swapped).toBe(true);
    h.m.handle({ t: 'interrupt', job: 3 });
    h.run_(5);
    expect(h.endOf(3)?.message).toMatch(/^INTERRUPTED AT PC \d+ IN LINE \d+$/);
  });

  it('a checkpoint of a swapped job is completed from its swap image and restores on another monitor', () => {
    const h = new SwapHarness();
    for (const j of [1, 2, 3, 4]) h.run(j, ASKER);
    h.run_(150);
    h.run(5, BIG);
    h.run_(2);
    expect(h.m.job(1)!.swapped).toBe(true);
    h.m.handle({ t: 'checkpoint', req: 1, halt: true });
    const snap = h.events.find((e) => e.t === 'snapshot' && e.job === 1 && e.partial) as Extract<FromMainframe, { t: 'snapshot' }>;
    expect(snap).toBeTruthy();
    const whole = completeSnapshot(snap.data, h.images.get(1)!);
    expect(typeof whole).not.toBe('string');
    const events: FromMainframe[] = [];
    const other = new Monitor({ config: { paced: false }, compilers: { asm: assemble }, emit: (e) => events.push(e) });
    other.handle({ t: 'restore', job: 1, data: whole as Uint8Array });
    expect(events).toContainEqual({ t: 'restored', job: 1, error: null });
    other.handle({ t: 'input', job: 1, line: 'BOB' });
    while (other.hasReady()) other.step(20_000);
    other.flush();
    other.checkInvariants();
    expect(events.filter((e) => e.t === 'out').map((e) => (e as { text: string }).text).join('')).toBe('BOB');
    // a partial snapshot alone is refused, with the reason
    const refused: FromMainframe[] = [];
    new Monitor({ config: { paced: false }, compilers: { asm: assemble }, emit: (e) => refused.push(e) }).handle({ t: 'restore', job: 1, data: snap.data });
    expect(refused).toContainEqual({ t: 'restored', job: 1, error: "THE SNAPSHOT LACKS THE JOB'S CORE (IT WAS SWAPPED OUT)" });
  });

  it('a swap image the store cannot give back stops that job with a system error, and nothing else', () => {
    const h = new SwapHarness();
    for (const j of [1, 2, 3, 4]) h.run(j, ASKER);
    h.run_(150);
    h.run(5, BIG);
    h.run_(2);
    h.images.delete(1); // lost
    h.m.handle({ t: 'input', job: 1, line: 'X' });
    h.run_(600);
    expect(h.endOf(1)?.message).toBe('SYSTEM ERROR: THE JOB COULD NOT BE SWAPPED IN (THE STORE HAS NO COPY OF IT)');
    h.m.handle({ t: 'input', job: 3, line: 'Y' });
    h.run_(5);
    expect(h.out(3)).toBe('NAME?Y');
  });
});
