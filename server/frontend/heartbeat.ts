// The heartbeat: every line is pinged once per period, and a peer that has not answered the
// previous ping by the time of the next is dropped (a dead TCP peer otherwise holds its line for
// hours). The pings are spread over the period in small slices: pinging a thousand lines at once
// is a thousand socket writes in one turn of the event loop (about 25 ms on this host), and every
// echo typed during that turn waits for it. That burst, every 30 s, was the echo benchmark's tail.
import type { WebSocket } from 'ws';

/** How often a slice of the lines is pinged, at most. */
const SLICE_MS = 100;

export class Heartbeat {
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private timer: NodeJS.Timeout | null = null;
  private round: WebSocket[] = [];
  private next = 0;
  private roundStart = -Infinity;
  private readonly sliceMs: number;

  constructor(private readonly periodMs: number, private readonly lines: () => Iterable<WebSocket>) {
    this.sliceMs = Math.max(1, Math.min(SLICE_MS, Math.floor(periodMs / 10)));
  }

  start(): void {
    this.timer = setInterval(() => this.slice(), this.sliceMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The peer said something (a pong, or any frame): it is alive. */
  heard(ws: WebSocket): void {
    this.alive.set(ws, true);
  }

  private slice(): void {
    const now = performance.now();
    if (now - this.roundStart >= this.periodMs) {
      // a new round: the lines as they are now, each pinged once, evenly over the coming period
      this.round = [...this.lines()];
      this.next = 0;
      this.roundStart = now;
    }
    const due = Math.ceil((this.round.length * (now - this.roundStart + this.sliceMs)) / this.periodMs);
    const end = Math.min(this.round.length, due);
    for (; this.next < end; this.next++) {
      const ws = this.round[this.next]!;
      if (ws.readyState !== ws.OPEN) continue;
      if (this.alive.get(ws) === false) {
        ws.terminate(); // no answer since the last ping: a dead peer
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
    if (this.next >= this.round.length) this.round = []; // hold no closed sockets until next round
  }
}
