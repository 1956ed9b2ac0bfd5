// Job starts are paced per user: a burst goes through at once, a storm waits its turn, others
// are untouched, and an idle user gets the whole burst back.
import { describe, expect, it } from 'vitest';
import { StartPacer } from '../../server/frontend/pace.ts';

describe('StartPacer', () => {
  it('lets a burst through, then spaces starts at the rate, in order', () => {
    const p = new StartPacer(10, 20);
    const t = 1_000_000;
    for (let i = 0; i < 20; i++) expect(p.take('ann', t)).toBe(0);
    expect(p.take('ann', t)).toBe(100);
    expect(p.take('ann', t)).toBe(200); // the next one queues behind it
    expect(p.take('ben', t)).toBe(0); // another user is not slowed
  });

  it('refills with time: a user who waited gets the burst back', () => {
    const p = new StartPacer(10, 20);
    const t = 1_000_000;
    for (let i = 0; i < 25; i++) p.take('ann', t);
    expect(p.take('ann', t + 500)).toBe(100); // 5 tokens of debt paid, one more start queued
    for (let i = 0; i < 20; i++) expect(p.take('cat', t + 10_000)).toBe(0);
    expect(p.take('ann', t + 10_000)).toBe(0);
  });
});
