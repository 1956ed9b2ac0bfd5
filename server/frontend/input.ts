// A line's input waiting to be handled: the complete lines typed ahead of the command or job that
// will read them, and the characters typed while a login step is being decided. Both are bounded
// by back-pressure instead of a limit that drops text: past the high mark the line stops reading
// its socket, and starts again once it is worked down. Nothing here is reordered or dropped except
// by the user (Ctrl-C and the attention key throw type-ahead away) or the hang-up.
import type { LineEvent } from './line.ts';

/** Complete lines waiting for a command to finish before the line stops reading its socket. */
export const QUEUE_HIGH = 256;
export const QUEUE_LOW = 16;
/** Characters typed during a login step that are held until it finishes. */
export const HELD_MAX = 16 * 1024;

/** The part of the socket that back-pressure needs (session.ts's Port). */
export interface InputFlow {
  /** stop / start reading from the peer */
  pause(): void;
  resume(): void;
}

export class InputQueue {
  private lines: LineEvent[] = [];
  private paused = false;
  /** characters typed while a login step is being decided (the next line may be a password), or
   *  null when nothing is being held */
  private held: string | null = null;

  constructor(private flow: InputFlow) {}

  get length(): number {
    return this.lines.length;
  }

  /** The next line, left in the queue. */
  peek(): LineEvent | undefined {
    return this.lines[0];
  }

  /** Queues a complete line (or a line too long); see pauseIfFull. */
  push(ev: LineEvent): void {
    this.lines.push(ev);
  }

  /** After a frame's lines are queued: a queue past its high mark stops the socket. */
  pauseIfFull(): void {
    if (this.lines.length > QUEUE_HIGH) this.pause();
  }

  /** Takes the next line; once the queue is short again the socket is read again. */
  take(): LineEvent {
    const ev = this.lines.shift()!;
    this.settle();
    return ev;
  }

  /** Type-ahead thrown away (Ctrl-C, the attention key, the hang-up). */
  clear(): void {
    this.lines.length = 0;
  }

  /** Reads the socket again if the queue was worked down while it was paused. */
  settle(): void {
    if (this.lines.length < QUEUE_LOW) this.resume();
  }

  // ---- held characters (during a login step) ----

  get holding(): boolean {
    return this.held !== null;
  }

  /** From now on, characters are held (starting with `rest`, what followed the login line). */
  hold(rest: string): void {
    this.held = rest;
  }

  /** Adds characters typed while holding; too many stop the socket. */
  add(chars: string): void {
    this.held += chars;
    if (this.held!.length > HELD_MAX) this.pause();
  }

  /** Stops holding; returns what was held (to be read now) and reads the socket again. */
  release(): string | null {
    const h = this.held;
    this.held = null;
    this.resume();
    return h;
  }

  /** Drops what is held (the line is gone). */
  drop(): void {
    this.held = null;
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.flow.pause();
    }
  }

  private resume(): void {
    if (this.paused) {
      this.paused = false;
      this.flow.resume();
    }
  }
}
