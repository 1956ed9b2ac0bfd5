// Test doubles for the teletype: a fake clock for the pacer, and tty-like in-memory streams so
// blessed can run without a terminal.
import { PassThrough, Writable } from 'node:stream';
import type { Clock } from '../../shared/pacer.ts';

export class FakeClock implements Clock {
  t = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
  /** Moves time forward, firing each timer at its due time, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.timers.delete(first[0]);
      this.t = Math.max(this.t, first[1].at);
      first[1].fn();
    }
    this.t = end;
  }
}

/** A keyboard: what a test writes to it arrives as typed keys. */
export class FakeKeyboard extends PassThrough {
  isTTY = true;
}

/** A terminal window: remembers everything written to it; has a size like a tty. */
export class FakeTerminal extends Writable {
  isTTY = true;
  written = '';
  constructor(
    public columns = 80,
    public rows = 24,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.written += chunk.toString();
    cb();
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const poll = () => {
      if (pred()) return res();
      if (Date.now() - t0 > ms) return rej(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}
