// The phone line: a WebSocket to the mainframe that dials again, with backoff, when it drops.
import WebSocket from 'ws';
import { realClock, type Clock } from '../shared/pacer.ts';

/** Frames carry at most this many characters, so a long paste goes up as a stream of small frames. */
export const FRAME_CHARS = 1024;

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 10_000 };

/** Delay before retry number `attempt` (0-based): initial, doubling, capped. */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
}

/** 'hungup': the mainframe ended the session on purpose (BYE); the line waits for `redial()`. */
export type LineState = 'dialing' | 'online' | 'offline' | 'hungup' | 'closed';

export interface LineEvents {
  online(): void;
  /** `wasOnline`: the line dropped (rather than a dial failing); `retryMs`: when it dials again */
  offline(info: { wasOnline: boolean; retryMs: number; reason: string }): void;
  data(text: string): void;
  /** the mainframe hung up on purpose (close code 1000): no redial until asked */
  hungup(info: { reason: string }): void;
}

interface Logger {
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const quiet: Logger = { info() {}, debug() {} };

export class Line {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private paused = false;
  state: LineState = 'dialing';
  /** Date.now() when the line last came up */
  onlineSince = 0;
  /** Date.now() of the next dial while offline */
  nextDialAt = 0;

  constructor(
    readonly url: string,
    private readonly events: LineEvents,
    private readonly opts: { backoff?: Backoff; clock?: Clock; log?: Logger } = {},
  ) {}

  private get clock(): Clock {
    return this.opts.clock ?? realClock;
  }

  private get log(): Logger {
    return this.opts.log ?? quiet;
  }

  start(): void {
    this.dial();
  }

  /** Sends typed characters in order, in frames of at most FRAME_CHARS. False if the line is down
   * (nothing was sent). */
  send(text: string): boolean {
    const ws = this.ws;
    if (this.state !== 'online' || !ws || ws.readyState !== WebSocket.OPEN) return false;
    let i = 0;
    while (i < text.length) {
      let end = Math.min(text.length, i + FRAME_CHARS);
      // Never split a surrogate pair between frames.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      ws.send(text.slice(i, end));
      i = end;
    }
    return true;
  }

  /** Reading is paused because the printer is behind. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Stop reading from the line (the printer is behind); the server then sees a slow line. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.ws?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.ws?.resume();
  }

  /** Dials again at once (after a hang-up, or to cut a backoff short). */
  redial(): void {
    if (this.state === 'closed' || this.state === 'online' || this.state === 'dialing') return;
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.dial();
  }

  /** Hangs up for good; resolves once the mainframe has seen the close (or at once if no line). */
  close(): Promise<void> {
    this.state = 'closed';
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (!ws) return Promise.resolve();
    ws.removeAllListeners();
    ws.on('error', () => {});
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((res) => ws.once('close', () => res()));
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'the user quit');
    return closed;
  }

  private dial(): void {
    if (this.state === 'closed') return;
    this.retryTimer = null;
    this.state = 'dialing';
    this.log.debug({ url: this.url, attempt: this.attempt }, 'dialing');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, { handshakeTimeout: 10_000 });
    } catch (e) {
      this.dropped(false, (e as Error).message);
      return;
    }
    this.ws = ws;
    let wasOnline = false;
    let reason = '';
    ws.on('open', () => {
      wasOnline = true;
      this.attempt = 0;
      this.state = 'online';
      this.onlineSince = Date.now();
      if (this.paused) ws.pause();
      this.log.info({ url: this.url }, 'online');
      this.events.online();
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('latin1') : data.toString();
      this.events.data(text);
    });
    ws.on('error', (e) => {
      reason = e.message;
    });
    ws.on('close', (code, why) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (wasOnline && code === 1000) {
        this.state = 'hungup';
        this.log.info({ url: this.url }, 'hung up');
        this.events.hungup({ reason: why.toString() || 'hung up' });
        return;
      }
      this.dropped(wasOnline, wasOnline ? closeReason(code, why.toString()) : dialFailure(reason));
    });
  }

  private dropped(wasOnline: boolean, reason: string): void {
    if (this.state === 'closed') return;
    const retryMs = backoffDelay(this.attempt++, this.opts.backoff);
    this.state = 'offline';
    this.nextDialAt = Date.now() + retryMs;
    this.log.info({ url: this.url, wasOnline, reason, retryMs }, 'offline');
    this.retryTimer = this.clock.setTimeout(() => this.dial(), retryMs);
    this.events.offline({ wasOnline, retryMs, reason });
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function closeReason(code: number, why: string): string {
  if (why) return why; // the mainframe said why, e.g. "system going down", "all lines busy"
  return code === 1001 ? 'the mainframe went away' : 'connection lost';
}

function dialFailure(message: string): string {
  if (/ECONNREFUSED/.test(message)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return 'unknown host';
  if (/ETIMEDOUT|timed out/i.test(message)) return 'timed out';
  return message || 'no answer';
}
