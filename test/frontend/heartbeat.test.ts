// The heartbeat pings every line once a period, spread over the period (never all at once: that
// burst was the echo benchmark's tail), and drops a peer that has not answered by its next turn.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { Heartbeat } from '../../server/frontend/heartbeat.ts';

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  pings: number[] = [];
  terminated = false;
  ping(): void {
    this.pings.push(performance.now());
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

it('pings each of 1,000 lines once per period, a few per slice, never in one burst', () => {
  const socks = Array.from({ length: 1000 }, () => new FakeSocket());
  const hb = new Heartbeat(30_000, () => socks as unknown as WebSocket[]);
  hb.start();
  const perSlice: number[] = [];
  let before = 0;
  for (let t = 0; t < 30_000; t += 100) {
    vi.advanceTimersByTime(100);
    const total = socks.reduce((n, s) => n + s.pings.length, 0);
    perSlice.push(total - before);
    before = total;
  }
  hb.stop();
  expect(socks.every((s) => s.pings.length === 1)).toBe(true);
  expect(Math.max(...perSlice)).toBeLessThanOrEqual(5); // 1,000 lines over 300 slices: 3 or 4 each
});

it('drops a peer that did not answer by its next turn, keeps one that did', () => {
  const quiet = new FakeSocket();
  const chatty = new FakeSocket();
  const hb = new Heartbeat(1_000, () => [quiet, chatty] as unknown as WebSocket[]);
  hb.start();
  vi.advanceTimersByTime(1_000); // first round: both pinged
  expect(quiet.pings.length).toBe(1);
  expect(chatty.pings.length).toBe(1);
  hb.heard(chatty as unknown as WebSocket); // its pong
  vi.advanceTimersByTime(1_000); // second round
  expect(quiet.terminated).toBe(true);
  expect(chatty.terminated).toBe(false);
  expect(chatty.pings.length).toBe(2);
  hb.stop();
});
