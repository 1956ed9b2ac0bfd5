// Paces job starts per user: a token bucket (a burst, then a steady rate). A program that fails at
// once, RUN again and again from a script, would otherwise start thousands of jobs a second and
// make every other line's echo wait behind their bookkeeping (measured: 3,300 starts a second from
// 50 lines took echo p99 from 3 ms to 22 ms). Past the burst a start is delayed, not refused: the
// storm only slows its own owner, and nobody typing by hand ever meets the limit.
export class StartPacer {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private perSecond = 10,
    private burst = 20,
  ) {}

  /** Takes a start for `owner`; returns how many ms it must wait first (0 almost always). */
  take(owner: string, now = Date.now()): number {
    if (this.buckets.size > 4096) this.prune(now);
    const b = this.buckets.get(owner) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
    b.at = now;
    b.tokens -= 1; // may go negative: the debt is the wait, so waiting starts stay in order
    this.buckets.set(owner, b);
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens * 1000) / this.perSecond);
  }

  private prune(now: number): void {
    for (const [owner, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.perSecond) / 1000 >= this.burst) this.buckets.delete(owner);
    }
  }
}
