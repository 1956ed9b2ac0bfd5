// A line's output, as a front end sends it: at the line's speed, in order, with back-pressure.
// Everything typed on the line (echo, command replies, a job's output) goes through here, so a
// paced line prints at its rate whatever produces the text, and a job waits on its output window
// while its characters are still on their way. Ctrl-C throws away what has not been sent yet
// (`discard`); what the system then says (^C, STOPPED., READY.) goes out at once (`hurry`),
// whatever the speed. The clock is injected so tests run it on a fake one.

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

/** The socket below: `done` runs once the text has been handed to the network (or the line is
 *  gone); `buffered` is what is written but not yet sent. */
export interface Wire {
  send(text: string, done: () => void): void;
  buffered(): number;
}

/** The speeds a line may be set to (baud; 0 = unpaced). */
export const SPEEDS = [0, 110, 150, 300, 600, 1200, 2400, 4800, 9600, 19200] as const;

/** Characters a second at a line speed: 110 baud sends 11 bits a character (start, 7 data,
 *  parity, 2 stop bits) so 10 a second, as an ASR-33; the others 10 bits a character. */
export function charsPerSecond(baud: number): number {
  if (baud <= 0) return 0;
  return baud === 110 ? 10 : Math.floor(baud / 10);
}

/** A paced line sends at most this often, so a fast line is a few frames a second, not one per character. */
const MIN_TICK_MS = 50;
/** A paced line stops feeding a socket whose peer has this much unsent (it is not reading). */
const WIRE_HIGH = 16 * 1024;

interface Piece {
  text: string;
  done?: () => void;
}

export class LineOutput {
  private queue: Piece[] = [];
  /** characters of queue[0] already sent */
  private head = 0;
  private queuedChars = 0;
  private cps = 0;
  private baud_ = 0;
  private timer: unknown = null;
  /** the pacing origin and characters sent since */
  private t0 = 0;
  private sent = 0;
  private hurrying = false;
  private waiters: { limit: number; resolve: () => void }[] = [];
  private closed = false;

  constructor(
    private readonly wire: Wire,
    private readonly clock: Clock = realClock,
  ) {}

  get baud(): number {
    return this.baud_;
  }

  /** Sets the line speed (one of SPEEDS; 0 = unpaced). */
  set baud(baud: number) {
    this.baud_ = baud;
    this.cps = charsPerSecond(baud);
    this.restart();
    this.pump();
  }

  /** Characters written and not yet handed to the network, here or in the socket. */
  get pending(): number {
    return this.queuedChars + this.wire.buffered();
  }

  write(text: string, done?: () => void): void {
    if (this.closed) {
      done?.();
      return;
    }
    if (text.length === 0) {
      done?.();
      return;
    }
    if ((this.cps === 0 || this.hurrying) && this.queue.length === 0) {
      this.send(text, done);
      return;
    }
    if (this.queue.length === 0 && this.lineFreeAt() <= this.clock.now()) this.restart();
    this.queue.push({ text, done });
    this.queuedChars += text.length;
    this.pump();
  }

  /** Throws away what has not been sent (Ctrl-C); returns how many characters. Their `done`
   *  callbacks run (a job's output credit is returned). */
  discard(): number {
    const dropped = this.queuedChars;
    const pieces = this.queue;
    this.queue = [];
    this.head = 0;
    this.queuedChars = 0;
    this.stopTimer();
    for (const p of pieces) p.done?.();
    this.wake();
    return dropped;
  }

  /** Until `calm()`, text goes out at once, unpaced (the system's answer to a Ctrl-C, a hang-up's
   *  last words); anything still queued goes now. */
  hurry(): void {
    this.hurrying = true;
    this.pump();
  }

  /** Back to the line's speed (from now: the line was busy, not idle). */
  calm(): void {
    if (!this.hurrying) return;
    this.hurrying = false;
    this.restart();
  }

  /** Resolves once at most `limit` characters are pending (at once if so already, or closed). */
  below(limit: number): Promise<void> {
    if (this.closed || this.pending <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  /** The line is gone: drop everything, release every waiter. */
  close(): void {
    this.closed = true;
    this.discard();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private send(text: string, done?: () => void): void {
    this.wire.send(text, () => {
      done?.();
      this.wake();
      if (this.queue.length > 0 && this.timer === null) this.pump();
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const p = this.pending;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) (p <= w.limit ? w.resolve() : keep.push(w));
    this.waiters = keep;
  }

  private restart(): void {
    this.t0 = this.clock.now();
    this.sent = 0;
  }

  private lineFreeAt(): number {
    return this.cps > 0 ? this.t0 + (this.sent * 1000) / this.cps : 0;
  }

  private pump(): void {
    this.stopTimer();
    if (this.queue.length === 0 || this.closed) return;
    // a peer that does not read: wait for the socket to drain (send's callback pumps again)
    if (this.wire.buffered() > WIRE_HIGH) return;
    const now = this.clock.now();
    // the k-th character since t0 goes at t0 + k / cps
    let allowed = this.cps === 0 || this.hurrying ? Infinity : Math.floor(((now - this.t0) * this.cps) / 1000) + 1 - this.sent;
    while (this.queue.length > 0 && allowed > 0) {
      const piece = this.queue[0];
      const take = Math.min(allowed, piece.text.length - this.head);
      const text = piece.text.slice(this.head, this.head + take);
      this.head += take;
      allowed -= take;
      this.sent += take;
      this.queuedChars -= take;
      const whole = this.head >= piece.text.length;
      if (whole) {
        this.queue.shift();
        this.head = 0;
      }
      this.send(text, whole ? piece.done : undefined);
    }
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
