import { describe, expect, it } from 'vitest';
import { charsPerSecond } from '../../shared/pacer.ts';
import { Pacer } from '../../terminal/pacer.ts';
import { FakeClock } from './helpers.ts';

/** Prints `n` characters through a pacer at `baud` on a fake clock; returns characters a second
 * measured from the first character to the last. */
function measure(baud: number, n: number): number {
  const clock = new FakeClock();
  const times: number[] = [];
  const pacer = new Pacer(charsPerSecond(baud), (t) => {
    for (let i = 0; i < t.length; i++) times.push(clock.now());
  }, clock);
  pacer.push('X'.repeat(n));
  let guard = 0;
  while (times.length < n && guard++ < 1_000_000) clock.advance(1);
  expect(times.length).toBe(n);
  return ((n - 1) * 1000) / (times[n - 1] - times[0]);
}

describe('pacer', () => {
  it('110 baud prints 10 characters a second (11 bits a character)', () => {
    expect(charsPerSecond(110)).toBe(10);
    const cps = measure(110, 101);
    expect(Math.abs(cps - 10) / 10).toBeLessThan(0.1);
  });

  it.each([300, 1200, 9600])('%i baud prints baud/10 characters a second', (baud) => {
    const cps = measure(baud, baud / 2);
    expect(Math.abs(cps - baud / 10) / (baud / 10)).toBeLessThan(0.1);
  });

  it('the rate holds over output that arrives in many small pieces', () => {
    const clock = new FakeClock();
    let printed = '';
    const pacer = new Pacer(10, (t) => (printed += t), clock);
    for (let i = 0; i < 50; i++) pacer.push('AB');
    clock.advance(5_000);
    expect(printed.length).toBeGreaterThanOrEqual(45);
    expect(printed.length).toBeLessThanOrEqual(55);
    clock.advance(5_100);
    expect(printed).toBe('AB'.repeat(50));
  });

  it('an idle line prints the first character at once', () => {
    const clock = new FakeClock();
    let printed = '';
    const pacer = new Pacer(10, (t) => (printed += t), clock);
    pacer.push('A');
    expect(printed).toBe('A');
    clock.advance(1_000);
    pacer.push('BC');
    expect(printed).toBe('AB');
    clock.advance(100);
    expect(printed).toBe('ABC');
  });

  it('0 baud is unpaced: everything prints at once', () => {
    const clock = new FakeClock();
    let printed = '';
    const pacer = new Pacer(charsPerSecond(0), (t) => (printed += t), clock);
    pacer.push('X'.repeat(100_000));
    expect(printed.length).toBe(100_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('discard (Ctrl-C) throws away the queue at once and nothing more prints', () => {
    const clock = new FakeClock();
    let printed = '';
    const pacer = new Pacer(10, (t) => (printed += t), clock);
    pacer.push('0123456789'.repeat(10));
    clock.advance(450);
    const before = printed.length;
    expect(before).toBe(5);
    expect(pacer.discard()).toBe(95);
    expect(pacer.pending).toBe(0);
    clock.advance(60_000);
    expect(printed.length).toBe(before);
    // The line still works afterwards.
    pacer.push('READY.');
    clock.advance(1_000);
    expect(printed.endsWith('READY.')).toBe(true);
  });

  it('local notices print in order after queued output, instantly when their turn comes', () => {
    const clock = new FakeClock();
    const out: Array<[string, boolean]> = [];
    const pacer = new Pacer(10, (t, local) => out.push([t, local]), clock);
    pacer.push('ABC');
    pacer.pushLocal('*** NOTE');
    clock.advance(200);
    expect(out.map((o) => o[0]).join('')).toBe('ABC*** NOTE');
    expect(out.at(-1)).toEqual(['*** NOTE', true]);
  });
});
