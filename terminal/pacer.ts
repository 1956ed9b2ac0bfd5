// Line speed. Output from the mainframe is released at the line's rate in characters a second, as
// a phone line and a teletype would print it. The clock and timer are injected so a test can run
// the pacer on a fake clock.

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

interface Segment {
  text: string;
  /** local notices (not on the line) print at once when their turn comes */
  paced: boolean;
}

/** Fast lines release characters in batches at most this often, not one timer per character. */
const MIN_TICK_MS = 10;

export class Pacer {
  private queue: Segment[] = [];
  /** offset into queue[0] */
  private head = 0;
  private queuedPaced = 0;
  private timer: unknown = null;
  /** the line's time origin and characters released since then */
  private t0 = 0;
  private sent = 0;

  constructor(
    /** characters a second; 0 = unpaced */
    readonly cps: number,
    /** `local`: a notice from the teletype, not text from the line */
    private readonly out: (text: string, local: boolean) => void,
    private readonly clock: Clock = realClock,
  ) {}

  /** Paced characters waiting to be printed. */
  get pending(): number {
    return this.queuedPaced;
  }

  /** Text from the line. */
  push(text: string): void {
    if (!text) return;
    if (this.cps <= 0 && this.queue.length === 0) {
      this.out(text, false);
      return;
    }
    if (this.queue.length === 0 && this.lineFreeAt() <= this.clock.now()) {
      // The line was idle: the first character starts now.
      this.t0 = this.clock.now();
      this.sent = 0;
    }
    this.queue.push({ text, paced: this.cps > 0 });
    this.queuedPaced += text.length;
    this.pump();
  }

  /** A notice from the teletype itself: printed at once, but after what is already queued. */
  pushLocal(text: string): void {
    if (!text) return;
    if (this.queue.length === 0) {
      this.out(text, true);
      return;
    }
    this.queue.push({ text, paced: false });
  }

  /** Throws away the line's queued output (Ctrl-C); local notices still print. Returns how many
   * characters were thrown away. */
  discard(): number {
    const dropped = this.queuedPaced;
    const notices = this.queue.filter((s) => !s.paced).map((s) => s.text);
    this.queue = [];
    this.head = 0;
    this.queuedPaced = 0;
    this.stopTimer();
    for (const n of notices) this.out(n, true);
    return dropped;
  }

  stop(): void {
    this.stopTimer();
  }

  /** Takes back the line's text not printed yet (to print it at another speed); local notices
   *  waiting in between print at once. */
  takeBack(): string {
    let text = '';
    for (const seg of this.queue) {
      if (!seg.paced) {
        this.out(seg.text, true);
        continue;
      }
      text += seg === this.queue[0] ? seg.text.slice(this.head) : seg.text;
    }
    this.queue = [];
    this.head = 0;
    this.queuedPaced = 0;
    this.stopTimer();
    return text;
  }

  private lineFreeAt(): number {
    return this.t0 + (this.sent * 1000) / this.cps;
  }

  private pump(): void {
    this.stopTimer();
    const now = this.clock.now();
    // The k-th character since t0 starts at t0 + k/cps.
    let allowed = Math.floor(((now - this.t0) * this.cps) / 1000) + 1 - this.sent;
    let batch = '';
    while (this.queue.length > 0) {
      const seg = this.queue[0];
      if (!seg.paced) {
        if (batch) this.out(batch, false);
        batch = '';
        this.queue.shift();
        this.out(seg.text, true);
        continue;
      }
      if (allowed <= 0) break;
      const take = Math.min(allowed, seg.text.length - this.head);
      batch += seg.text.slice(this.head, this.head + take);
      this.head += take;
      allowed -= take;
      this.sent += take;
      this.queuedPaced -= take;
      if (this.head >= seg.text.length) {
        this.queue.shift();
        this.head = 0;
      }
    }
    if (batch) this.out(batch, false);
    if (this.queue.length > 0) {
      const due = this.lineFreeAt() - now;
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, Math.max(MIN_TICK_MS, Math.ceil(due)));
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
