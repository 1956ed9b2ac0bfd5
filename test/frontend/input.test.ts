// The input queue on its own (no socket): lines come out in the order typed, the socket is paused
// past the high mark and read again only once the queue is worked down, and characters held during
// a login step come back whole.
import { describe, expect, it } from 'vitest';
import { HELD_MAX, InputQueue, QUEUE_HIGH, QUEUE_LOW } from '../../server/frontend/input.ts';

function rig() {
  const calls: string[] = [];
  const q = new InputQueue({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
  return { q, calls };
}
const line = (text: string) => ({ kind: 'line' as const, text });

describe('InputQueue', () => {
  it('pauses the socket once past the high mark and resumes only below the low mark, in order', () => {
    const { q, calls } = rig();
    for (let i = 0; i < QUEUE_HIGH; i++) q.push(line(`L${i}`));
    q.pauseIfFull();
    expect(calls).toEqual([]); // at the mark, not past it
    q.push(line(`L${QUEUE_HIGH}`));
    q.pauseIfFull();
    q.pauseIfFull();
    expect(calls).toEqual(['pause']); // once
    const seen: string[] = [];
    while (q.length > QUEUE_LOW) seen.push((q.take() as { text: string }).text);
    expect(calls).toEqual(['pause']);
    seen.push((q.take() as { text: string }).text); // the queue is now below the low mark
    expect(calls).toEqual(['pause', 'resume']);
    while (q.length) seen.push((q.take() as { text: string }).text);
    expect(seen).toEqual(Array.from({ length: QUEUE_HIGH + 1 }, (_, i) => `L${i}`));
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('holds characters during a login step, pauses past HELD_MAX, and gives them back whole', () => {
    const { q, calls } = rig();
    expect(q.holding).toBe(false);
    q.hold('pass');
    expect(q.holding).toBe(true);
    q.add('word\r');
    q.add('x'.repeat(HELD_MAX));
    expect(calls).toEqual(['pause']);
    expect(q.release()).toBe(`password\r${'x'.repeat(HELD_MAX)}`);
    expect(calls).toEqual(['pause', 'resume']);
    expect(q.holding).toBe(false);
    expect(q.release()).toBe(null);
  });

  it('Ctrl-C and hang-up throw type-ahead away', () => {
    const { q } = rig();
    q.push(line('A'));
    q.push(line('B'));
    q.clear();
    expect(q.length).toBe(0);
    expect(q.peek()).toBeUndefined();
    q.hold('secret');
    q.drop();
    expect(q.holding).toBe(false);
  });
});
