// A line's commands are carried out at most ten a second, thirty at once (command-rate.ts): a
// script's command loop waits its turn instead of taking the thread that echoes everybody's typing.
// Nothing is refused or lost; program lines are not commands; Ctrl-C throws the waiting ones away.
// On a fake clock standing still, so what is counted does not depend on the host's speed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandRate } from '../../server/frontend/command-rate.ts';
import { login, type Term } from './client.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import { FakeClock } from '../terminal/helpers.ts';

describe('CommandRate', () => {
  it('gives a burst of three seconds worth, then one token per tenth of a second', () => {
    let t = 0;
    const r = new CommandRate(10, () => t);
    for (let i = 0; i < 30; i++) expect(r.take()).toBe(0);
    expect(r.take()).toBe(100);
    t += 50;
    expect(r.take()).toBe(50); // half a token so far: the rest of the tenth
    t += 50;
    expect(r.take()).toBe(0);
    t += 60_000; // a long pause refills only up to the burst
    for (let i = 0; i < 30; i++) expect(r.take()).toBe(0);
    expect(r.take()).toBeGreaterThan(0);
  });

  it('0 is no limit', () => {
    const r = new CommandRate(0, () => 0);
    for (let i = 0; i < 10_000; i++) expect(r.take()).toBe(0);
  });
});

describe('a line sending commands faster than its rate', () => {
  let h: Harness;
  let clock: FakeClock;
  const terms: Term[] = [];
  beforeEach(async () => {
    clock = new FakeClock();
    h = await startFrontEnd({}, { mainframe: new FakeMainframe(), clock });
  });
  afterEach(async () => {
    for (const t of terms.splice(0)) t.close();
    await h.stop();
  });
  const whats = (t: Term) => (t.out.match(/WHAT\? XYZZY/g) ?? []).length;
  /** Sends `text` from the other line and waits for its echo: every frame sent before it on the
   *  first line has been read by the server by then. */
  const roundTrip = async (other: Term, text: string) => {
    other.send(text);
    await other.expect(text);
  };

  it('waits its turn: 30 at once, then 10 a second; nothing lost, others echo meanwhile', async () => {
    const t = await login(h.url, 'scripter');
    const other = await login(h.url, 'typist');
    terms.push(t, other);
    t.send('XYZZY\r'.repeat(45));
    await t.expect(/(WHAT\? XYZZY[^\n]*\n[\s\S]*?){30}/);
    await roundTrip(other, 'abc'); // the other line is answered while 15 commands wait
    await roundTrip(other, 'def');
    expect(whats(t)).toBe(30);
    clock.advance(1000);
    await t.expect(/(WHAT\? XYZZY[^\n]*\n[\s\S]*?){10}/);
    await roundTrip(other, 'g');
    expect(whats(t)).toBe(40);
    clock.advance(500);
    await t.expect(/(WHAT\? XYZZY[^\n]*\n[\s\S]*?){5}READY\.\r\n/);
    expect(whats(t)).toBe(45);
  });

  it('program lines and empty lines take no turn; Ctrl-C throws the waiting commands away', async () => {
    const t = await login(h.url, 'paster');
    terms.push(t);
    let program = '';
    for (let i = 1; i <= 200; i++) program += `${i * 10} PRINT ${i}\r\r`;
    t.send(program + 'XYZZY\r'.repeat(30) + 'LIST 10-20\r' + 'XYZZY\r'.repeat(3));
    await t.expect(/(WHAT\? XYZZY[^\n]*\n[\s\S]*?){30}/); // the 400 lines before took none of the 30
    await new Promise((r) => setTimeout(r, 100));
    expect(t.out).not.toContain('10 PRINT 1\r\n20 PRINT 2'); // LIST waits for its turn
    clock.advance(100);
    await t.expect('10 PRINT 1\r\n20 PRINT 2\r\n'); // the program was all there
    t.send('\x03');
    await t.expect('^C');
    clock.advance(100);
    await t.expect('READY.\r\n');
    clock.advance(10_000);
    await t.command('XYZZY');
    expect(whats(t)).toBe(31); // the three after LIST were thrown away by the Ctrl-C
  });
});
