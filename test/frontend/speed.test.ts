// Line speed on the server (fake clock): the terminal asks for a speed when it connects, SPEED
// changes it, output goes at that rate with the job waiting on its window, and Ctrl-C throws away
// the unsent output while ^C, STOPPED. and READY. go out at once. Also type-ahead: lines a program
// did not read run as commands after it, in order; and RUN NAME.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, Term } from './client.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import { FakeClock } from '../terminal/helpers.ts';

let h: Harness;
let mf: FakeMainframe;
let clock: FakeClock;
const terms: Term[] = [];
const open = async (name: string) => {
  const t = await login(h.url, name, 'secret', true);
  terms.push(t);
  return t;
};
const drained = () => mf.posted.reduce((a, m) => a + (m.t === 'drained' ? m.chars : 0), 0);
const xs = (t: Term) => (t.out.match(/x/g) ?? []).length;

/** Waits for `what` while moving the fake clock on 100 ms every few real milliseconds. */
async function typed(t: Term, what: string | RegExp, ms = 10_000): Promise<string> {
  let going = true;
  const tick = setInterval(() => going && clock.advance(100), 3);
  try {
    return await t.expect(what, ms);
  } finally {
    going = false;
    clearInterval(tick);
  }
}

beforeEach(async () => {
  mf = new FakeMainframe();
  clock = new FakeClock();
  h = await startFrontEnd({}, { mainframe: mf, clock });
});
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h.stop();
});

describe('line speed', () => {
  it('the terminal asks for a speed in the URL; SPEED shows and sets it, and refuses others', async () => {
    const t = await Term.open(`${h.url}/?baud=300`);
    terms.push(t);
    await typed(t, 'USER NAME--');
    const start = clock.t;
    t.line('sam');
    await typed(t, 'PASSWORD--');
    expect(clock.t - start).toBeGreaterThan(300); // "sam\r\nPASSWORD--" at 30 characters a second
    t.line('secret');
    await typed(t, 'PASSWORD--');
    t.line('secret');
    await typed(t, 'READY.\r\n');
    t.line('SPEED');
    await typed(t, 'SPEED 300 BAUD: 30 CHARACTERS A SECOND.');
    t.line('SPEED 1200');
    await typed(t, 'SPEED 1200 BAUD: 120 CHARACTERS A SECOND.');
    t.line('SPEED 7');
    await typed(t, 'SPEED 7 IS NOT OFFERED. SPEEDS: 0 110 150 300 600 1200 2400 4800 9600 19200 (0 = UNPACED).');
    t.line('SPEED 0');
    await typed(t, 'SPEED 0: UNPACED');
    const odd = await Term.open(`${h.url}/?baud=fast`);
    terms.push(odd);
    await odd.expect('SPEED FAST IS NOT OFFERED; THE LINE IS UNPACED.');
    await odd.expect('USER NAME--');
  });

  it('at 110 baud a job prints 10 characters a second and waits on its window; Ctrl-C answers at once', async () => {
    const t = await open('tia');
    await t.command('NEW SPEW');
    t.line('10 SPEW 100000');
    t.line('SPEED 110');
    await typed(t, 'READY.\r\n');
    t.line('RUN');
    await typed(t, 'RUN\r\n');
    const before = xs(t);
    const at = clock.t;
    while (clock.t - at < 10_000) {
      clock.advance(100);
      await new Promise((r) => setTimeout(r, 1));
    }
    const printed = xs(t) - before;
    expect(printed).toBeGreaterThanOrEqual(95);
    expect(printed).toBeLessThanOrEqual(105);
    // the job made only its window of output and waits: the server holds no more than that
    expect(drained()).toBeLessThanOrEqual(printed + 10);
    expect((await h.fe.jobs.systat())!.jobs.map((j) => j.state)).toEqual(['waiting for output']);
    // Ctrl-C: the rest is thrown away; ^C, STOPPED. and READY. arrive with the clock standing still
    const frozen = clock.t;
    t.send('\x03');
    await t.expect('^C\r\nSTOPPED.\r\n');
    await t.expect('READY.\r\n');
    expect(clock.t).toBe(frozen);
    const after = xs(t);
    clock.advance(60_000);
    // the line's output is in order: thrown-away text still queued would come before this reply
    t.line('PING');
    await typed(t, 'WHAT? PING IS NOT A COMMAND');
    expect(xs(t)).toBe(after);
  });

  it('Ctrl-C cuts a long LIST short at a slow speed and says READY.', async () => {
    const t = await open('lou');
    await t.command('NEW LONG');
    t.send(Array.from({ length: 200 }, (_, i) => `${i + 1} PRINT LINE ${i + 1}\r`).join(''));
    await t.expect('200 PRINT LINE 200\r\n');
    t.line('SPEED 110');
    await typed(t, 'READY.\r\n');
    t.line('LIST');
    await typed(t, '1 PRINT LINE 1\r\n');
    t.send('\x03');
    await t.expect('^C\r\nREADY.\r\n');
    clock.advance(600_000);
    // the line's output is in order: the rest of the LIST, were it still queued, would come first
    t.line('PING');
    expect(await typed(t, /READY\.\r\n/)).toBe('PING\r\nWHAT? PING IS NOT A COMMAND. TYPE HELP FOR A LIST.\r\nREADY.\r\n');
    expect(t.out).not.toContain('200 PRINT LINE 200\r\n1');
  });
});

describe('type-ahead', () => {
  it('lines typed during RUN that the program did not read run as commands afterwards, in order', async () => {
    const t = await open('tom');
    t.send('NEW PASTED\r10 PRINT ONE\rRUN\rLIST\rSYSTAT\r');
    await t.expect('RUN\r\nLIST\r\nSYSTAT\r\n'); // the echo first, as typed
    expect(await t.expect('READY.\r\n')).toContain('NEW BASIC PROGRAM PASTED.');
    const run = await t.expect('READY.\r\n');
    expect(run).toContain('ONE\r\n');
    const list = await t.expect('READY.\r\n');
    expect(list).toContain('10 PRINT ONE');
    const systat = await t.expect('READY.\r\n');
    expect(systat).toContain('TIMESHARE SYSTAT');
  });

  it('a program reads the lines it asks for; the rest wait for READY.', async () => {
    const t = await open('una');
    t.send('NEW ASK\r10 INPUT\r20 PRINT DONE\rRUN\rYES\rLIST\r');
    await t.expect('NEW BASIC PROGRAM ASK.\r\nREADY.\r\n');
    const run = await t.expect('READY.\r\n');
    expect(run).toContain('GOT YES\r\nDONE\r\n');
    const list = await t.expect('READY.\r\n');
    expect(list).toContain('10 INPUT\r\n20 PRINT DONE');
    expect(mf.posted.filter((m) => m.t === 'input')).toEqual([expect.objectContaining({ line: 'YES' })]);
  });

  it('RUN NAME loads the saved program NAME and runs it; an unknown NAME is refused', async () => {
    const t = await open('val');
    await t.command('NEW FIRST');
    t.line('10 PRINT FROM FIRST');
    await t.command('SAVE');
    await t.command('NEW OTHER');
    t.line('10 PRINT FROM OTHER');
    const out = await t.command('RUN FIRST');
    expect(out).toContain('FIRST LOADED.\r\nFROM FIRST\r\n');
    expect(await t.command('RUN NOSUCH')).toContain('NO SAVED PROGRAM NOSUCH.');
    expect(await t.command('LIST')).toContain('10 PRINT FROM FIRST');
  });
});
