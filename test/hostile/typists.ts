// Terminals that type like people (10 characters a second each, phases spread evenly) and time each
// echo; shared by the hostile and soak benchmarks. One timer drives them all.
import { performance } from 'node:perf_hooks';
import type { Term } from '../frontend/client.ts';

export class Typists {
  private samples: number[] = [];
  private sentAt: Float64Array;
  private count: Uint16Array;
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;
  private start = 0;
  measuring = false;

  constructor(private terms: Term[], private periodMs = 100) {
    this.sentAt = new Float64Array(terms.length);
    this.count = new Uint16Array(terms.length);
    terms.forEach((t, i) => {
      t.ws.removeAllListeners('message');
      t.ws.on('message', () => {
        if (this.sentAt[i] > 0) {
          if (this.measuring) this.samples.push(performance.now() - this.sentAt[i]);
          this.sentAt[i] = 0;
        }
      });
    });
  }

  go(): void {
    const n = this.terms.length;
    this.start = performance.now();
    this.timer = setInterval(() => {
      const upto = Math.floor(((performance.now() - this.start) / this.periodMs) * n);
      for (; this.tick < upto; this.tick++) {
        const i = this.tick % n;
        if (this.sentAt[i] > 0) continue; // the last echo has not come back: do not pile up
        // 20 letters, then Ctrl-U, so a line never reaches the length limit
        const c = ++this.count[i] % 21 === 0 ? '\x15' : String.fromCharCode(97 + (this.count[i] % 26));
        this.sentAt[i] = performance.now();
        this.terms[i].ws.send(c);
      }
    }, 1);
  }

  /** The echo times since the last call (sorted), and how many keystrokes are unanswered after 1 s. */
  take(): { sorted: Float64Array; stuck: number } {
    const sorted = Float64Array.from(this.samples).sort();
    this.samples = [];
    const now = performance.now();
    const stuck = [...this.sentAt].filter((x) => x > 0 && now - x > 1000).length;
    return { sorted, stuck };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
