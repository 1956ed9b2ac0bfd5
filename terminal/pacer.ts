// Line speed. Output from the mainframe is released at the line's rate in characters a second, as
// a phone line and a teletype would print it. The timing is the server's too (shared/pacer.ts), on
// an injected clock so a test can run the pacer on a fake one.
import { Cadence, realClock, type Clock } from '../shared/pacer.ts';

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
  private readonly cadence: Cadence;

  constructor(
    /** characters a second; 0 = unpaced */
    readonly cps: number,
    /** `local`: a notice from the teletype, not text from the line */
    private readonly out: (text: string, local: boolean) => void,
    clock: Clock = realClock,
  ) {
    this.cadence = new Cadence(() => this.pump(), MIN_TICK_MS, clock);
    this.cadence.cps = cps;
  }

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
    if (this.queue.length === 0) this.cadence.startIfIdle(); // an idle line: the first character starts now
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
    this.cadence.cancel();
    for (const n of notices) this.out(n, true);
    return dropped;
  }

  stop(): void {
    this.cadence.cancel();
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
    this.cadence.cancel();
    return text;
  }

  private pump(): void {
    this.cadence.cancel();
    const now = this.cadence.now();
    let allowed = this.cadence.allowance(now);
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
      this.cadence.spent(take);
      this.queuedPaced -= take;
      if (this.head >= seg.text.length) {
        this.queue.shift();
        this.head = 0;
      }
    }
    if (batch) this.out(batch, false);
    if (this.queue.length > 0) this.cadence.later(now);
  }
}
