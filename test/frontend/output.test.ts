// A line's output on a fake clock: its speed, Ctrl-C's discard, hurry, and back-pressure.
import { describe, expect, it } from 'vitest';
import { LineOutput, UNPACED_BURST, UNPACED_GAP_MS } from '../../server/frontend/output.ts';
import { charsPerSecond } from '../../shared/pacer.ts';
import { FakeClock } from '../terminal/helpers.ts';

function rig(baud: number) {
  const clock = new FakeClock();
  let sent = '';
  let frames = 0;
  let buffered = 0;
  const held: (() => void)[] = [];
  let holding = false;
  const wire = {
    send(text: string, done: () => void) {
      sent += text;
      frames++;
      if (holding) {
        buffered += text.length;
        held.push(() => {
          buffered -= text.length;
          done();
        });
      } else done();
    },
    buffered: () => buffered,
  };
  const out = new LineOutput(wire, clock, clock);
  out.baud = baud;
  return {
    clock, out,
    sent: () => sent,
    frames: () => frames,
    /** the peer stops reading: nothing sent is acknowledged until release() */
    hold() { holding = true; },
    release() { holding = false; for (const f of held.splice(0)) f(); },
  };
}

describe('line output', () => {
  it('110 baud sends 10 characters a second, 300 baud 30, 0 everything at once', () => {
    expect([110, 300, 1200, 9600, 0].map(charsPerSecond)).toEqual([10, 30, 120, 960, 0]);
    for (const [baud, cps] of [[110, 10], [300, 30], [1200, 120]]) {
      const r = rig(baud);
      r.out.write('x'.repeat(10_000));
      r.clock.advance(10_000);
      expect(Math.abs(r.sent().length - 10 * cps)).toBeLessThanOrEqual(cps / 10 + 1);
      expect(r.out.pending).toBe(10_000 - r.sent().length);
    }
    const r = rig(0);
    r.out.write('y'.repeat(5000));
    expect(r.sent()).toHaveLength(5000);
  });

  it('a writer hears `done` only when its text has gone out (the job waits on its window)', () => {
    const r = rig(110);
    let done = 0;
    r.out.write('ABCDEFGHIJ'.repeat(3), () => done++);
    r.clock.advance(2000);
    expect(done).toBe(0);
    r.clock.advance(1100);
    expect(r.sent()).toBe('ABCDEFGHIJ'.repeat(3));
    expect(done).toBe(1);
  });

  it('Ctrl-C: discard drops what is unsent (credit returned), hurry sends the answer at once', () => {
    const r = rig(110);
    let credit = 0;
    r.out.write('x'.repeat(4096), () => credit++);
    r.clock.advance(1000);
    const printed = r.sent().length;
    expect(r.out.discard()).toBe(4096 - printed);
    expect(credit).toBe(1);
    r.out.hurry();
    r.out.write('^C\r\nSTOPPED.\r\nREADY.\r\n'); // no clock moves: it is out at once
    expect(r.sent().slice(printed)).toBe('^C\r\nSTOPPED.\r\nREADY.\r\n');
    r.out.calm();
    r.out.write('0123456789');
    expect(r.sent().endsWith('9')).toBe(false); // paced again
    r.clock.advance(1000);
    expect(r.sent().endsWith('0123456789')).toBe(true);
  });

  it('a peer that stops reading stops the line, and below() waits for room', async () => {
    const r = rig(0);
    r.hold();
    r.out.write('z'.repeat(100_000));
    expect(r.out.pending).toBe(100_000);
    let roomy = false;
    const p = r.out.below(1000).then(() => (roomy = true));
    await Promise.resolve();
    expect(roomy).toBe(false);
    r.release();
    await p;
    expect(roomy).toBe(true);
    // paced: nothing more is fed to a socket whose peer is not reading
    const s = rig(9600);
    s.hold();
    s.out.write('w'.repeat(200_000));
    s.clock.advance(60_000);
    expect(s.sent().length).toBeLessThan(20_000);
    s.release();
    s.clock.advance(1000);
    expect(s.sent().length).toBeGreaterThan(20_000);
  });

  it('an unpaced line sends an echo and its reply at once, and what a flood writes after them as one frame every 10 ms', () => {
    const r = rig(0);
    let credit = 0;
    r.out.write('A', () => credit++); // a quiet line: the echo goes now ...
    r.out.write('REPLY', () => credit++); // ... and so does the reply after it
    expect(r.sent()).toBe('AREPLY');
    for (let i = 0; i < 100; i++) r.out.write('x', () => credit++); // a job printing flat out
    expect(r.frames()).toBe(UNPACED_BURST); // a few frames in a row go at once, then they wait
    const waiting = 100 - (UNPACED_BURST - 2);
    expect(r.out.pending).toBe(waiting);
    expect(credit).toBe(UNPACED_BURST); // the job's credit comes back only when its text has gone
    r.clock.advance(UNPACED_GAP_MS);
    expect(r.sent()).toBe('AREPLY' + 'x'.repeat(100));
    expect(r.frames()).toBe(UNPACED_BURST + 1); // everything that waited went as one frame
    expect(credit).toBe(102);
    for (let i = 0; i < 50; i++) {
      r.out.write('y'); // still flooding: one frame a gap
      r.clock.advance(1);
    }
    const flood = r.frames() - (UNPACED_BURST + 1);
    expect(flood).toBeGreaterThanOrEqual(4); // 50 ms of flood: about a frame each 10 ms
    expect(flood).toBeLessThanOrEqual(5);
    r.clock.advance(1000);
    const before = r.frames();
    r.out.write('C'); // quiet again: at once
    expect(r.sent().endsWith('C')).toBe(true);
    expect(r.frames()).toBe(before + 1);
  });

  it('Ctrl-C on an unpaced line: the waiting text is dropped and the answer goes at once', () => {
    const r = rig(0);
    for (let i = 0; i < UNPACED_BURST; i++) r.out.write('sent');
    r.out.write('never sent');
    expect(r.out.discard()).toBe('never sent'.length);
    r.out.hurry();
    r.out.write('^C\r\n');
    expect(r.sent()).toBe('sent'.repeat(UNPACED_BURST) + '^C\r\n');
    r.out.calm();
    r.clock.advance(100);
    expect(r.sent()).toBe('sent'.repeat(UNPACED_BURST) + '^C\r\n');
  });
});
