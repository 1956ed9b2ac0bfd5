// The timing of a paced line, for both ends: the server sends a line's output at its speed
// (server/frontend/output.ts) and the teletype prints what it receives at its speed
// (terminal/pacer.ts). Each keeps its own queue (the server's has credit callbacks and socket
// back-pressure, the teletype's has local notices); this is the clock they share: when the next
// character may go, and a timer to come back then. The clock is injected so tests run it on a fake.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Characters a second a line of `baud` carries: 110 baud used 11 bits a character (start, 7 data,
 *  parity, two stop bits), so 10 a second as an ASR-33; faster lines one stop bit, so 10 bits a
 *  character. 0 means unpaced. */
export function charsPerSecond(baud: number): number {
  if (baud <= 0) return 0;
  return baud === 110 ? 10 : baud / 10;
}

/**
 * A line's character schedule: the k-th character since the origin goes at origin + k / cps. The
 * owner asks how many characters may go now (`allowance`), says how many went (`spent`), and asks
 * to be called back (`later`) when the next one is due, but never more often than every
 * `minTickMs` (a fast line sends a few batches a second, not a timer per character).
 */
export class Cadence {
  /** characters a second; 0 = unpaced */
  cps = 0;
  /** the schedule's origin and the characters sent since */
  private t0 = 0;
  private sent = 0;
  private timer: unknown = null;

  constructor(
    /** called when the next character is due (after `later`) */
    private readonly due: () => void,
    private readonly minTickMs: number,
    readonly clock: Clock = realClock,
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** The schedule starts again now (a new speed, or the line back to its speed after a hurry). */
  restart(): void {
    this.t0 = this.clock.now();
    this.sent = 0;
  }

  /** Text for an idle line: if everything sent so far has gone, the first character goes now. */
  startIfIdle(): void {
    if (this.freeAt() <= this.clock.now()) this.restart();
  }

  /** How many characters may go at `now` (Infinity on an unpaced line). */
  allowance(now: number): number {
    if (this.cps <= 0) return Infinity;
    return Math.floor(((now - this.t0) * this.cps) / 1000) + 1 - this.sent;
  }

  spent(n: number): void {
    this.sent += n;
  }

  /** Calls `due` back when the next character may go (`now`: when the caller read the clock). */
  later(now: number): void {
    this.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.due();
    }, Math.max(this.minTickMs, Math.ceil(this.freeAt() - now)));
  }

  cancel(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  get waiting(): boolean {
    return this.timer !== null;
  }

  /** When the line is free: every character sent so far has gone. */
  private freeAt(): number {
    return this.cps > 0 ? this.t0 + (this.sent * 1000) / this.cps : 0;
  }
}
