// A line's output, as a front end sends it: at the line's speed, in order, with back-pressure.
// Everything typed on the line (echo, command replies, a job's output) goes through here, so a
// paced line prints at its rate whatever produces the text, and a job waits on its output window
// while its characters are still on their way. Ctrl-C throws away what has not been sent yet
// (`discard`); what the system then says (^C, STOPPED., READY.) goes out at once (`hurry`),
// whatever the speed. The timing is the teletype's too (shared/pacer.ts), on an injected clock so
// tests run it on a fake one.
import { Cadence, charsPerSecond, realClock, type Clock } from '../../shared/pacer.ts';

/** The socket below: `done` runs once the text has been handed to the network (or the line is
 *  gone); `buffered` is what is written but not yet sent. */
export interface Wire {
  send(text: string, done: () => void): void;
  buffered(): number;
}

/** The speeds a line may be set to (baud; 0 = unpaced). */
export const SPEEDS = [0, 110, 150, 300, 600, 1200, 2400, 4800, 9600, 19200] as const;

/** A paced line sends at most this often, so a fast line is a few frames a second, not one per character. */
const MIN_TICK_MS = 50;
/**
 * An unpaced line sends a frame every this often on average, and what is written meanwhile waits
 * and goes with everything else waiting as one frame. A few frames in a row go at once
 * (UNPACED_BURST): an echo and the reply that follows it are not held back, and a keystroke's echo
 * on a quiet line never is; a job printing as fast as the machine runs no longer costs the lines'
 * thread a socket write for every batch of the mainframe's output (the division-storm jobs of the
 * hostile bench, 50 of them flat out, took 19% of the thread in writes alone). At 4,096
 * characters of a job's output window that still lets a job print 400,000 characters a second.
 */
export const UNPACED_GAP_MS = 10;
export const UNPACED_BURST = 4;
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
  private baud_ = 0;
  private readonly cadence: Cadence;
  private hurrying = false;
  private waiters: { limit: number; resolve: () => void }[] = [];
  private closed = false;
  /** unpaced lines: frames that may go at once (one comes back every UNPACED_GAP_MS, up to
   *  UNPACED_BURST), when they were counted, and the timer that sends what waits for one */
  private frames = UNPACED_BURST;
  private framesAt = 0;
  private gapTimer: unknown = null;

  constructor(
    private readonly wire: Wire,
    clock: Clock = realClock,
    /** the unpaced frame gap's clock: real time even where tests run the line speeds on a fake
     *  clock (an unpaced line is the network's speed, not a speed a test sets) */
    private readonly gapClock: Clock = realClock,
  ) {
    this.cadence = new Cadence(() => this.pump(), MIN_TICK_MS, clock);
  }

  get baud(): number {
    return this.baud_;
  }

  /** Sets the line speed (one of SPEEDS; 0 = unpaced). */
  set baud(baud: number) {
    this.baud_ = baud;
    this.cadence.cps = charsPerSecond(baud);
    this.cadence.restart();
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
    if (this.queue.length === 0) {
      if (this.hurrying) {
        this.send(text, done);
        return;
      }
      if (this.cadence.cps === 0) {
        if (this.frameFree(this.gapClock.now())) {
          this.frames--;
          this.send(text, done);
          return;
        }
      } else this.cadence.startIfIdle();
    }
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
    this.cadence.cancel();
    this.cancelGap();
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
    this.cadence.restart();
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
      if (this.queue.length > 0 && !this.cadence.waiting && this.gapTimer === null) this.pump();
    });
  }

  /** Whether an unpaced line may send a frame now (the frames that came back are counted). */
  private frameFree(now: number): boolean {
    this.frames = Math.min(UNPACED_BURST, this.frames + (now - this.framesAt) / UNPACED_GAP_MS);
    this.framesAt = now;
    return this.frames >= 1;
  }

  private cancelGap(): void {
    if (this.gapTimer === null) return;
    this.gapClock.clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const p = this.pending;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) (p <= w.limit ? w.resolve() : keep.push(w));
    this.waiters = keep;
  }

  private pump(): void {
    this.cadence.cancel();
    this.cancelGap();
    if (this.queue.length === 0 || this.closed) return;
    // a peer that does not read: wait for the socket to drain (send's callback pumps again)
    if (this.wire.buffered() > WIRE_HIGH) return;
    const now = this.cadence.now();
    const unpaced = this.cadence.cps === 0 && !this.hurrying;
    if (unpaced && !this.frameFree(this.gapClock.now())) {
      this.gapTimer = this.gapClock.setTimeout(() => {
        this.gapTimer = null;
        this.pump();
      }, Math.ceil((1 - this.frames) * UNPACED_GAP_MS));
      return;
    }
    let allowed = this.hurrying || unpaced ? Infinity : this.cadence.allowance(now);
    // everything that may go now goes as one frame: one socket write, not one per piece
    let text = '';
    let dones: (() => void)[] | null = null;
    while (this.queue.length > 0 && allowed > 0) {
      const piece = this.queue[0];
      const take = Math.min(allowed, piece.text.length - this.head);
      text += this.head === 0 && take === piece.text.length ? piece.text : piece.text.slice(this.head, this.head + take);
      this.head += take;
      allowed -= take;
      this.cadence.spent(take);
      this.queuedChars -= take;
      if (this.head >= piece.text.length) {
        this.queue.shift();
        this.head = 0;
        if (piece.done) (dones ??= []).push(piece.done);
      }
    }
    if (text.length > 0) {
      if (unpaced) this.frames--;
      const finished = dones;
      this.send(text, finished === null ? undefined : finished.length === 1 ? finished[0] : () => { for (const d of finished) d(); });
    }
    if (this.queue.length > 0) this.cadence.later(now);
  }
}
