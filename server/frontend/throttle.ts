// Slows down password guessing: every failed login from an address makes that address wait longer
// before it hears the verdict (base, 2x base, 4x base, ... up to a ceiling). An address that has not
// failed for a quarter of an hour starts again from nothing.
export class FailureThrottle {
  private byAddress = new Map<string, { count: number; last: number }>();

  constructor(
    private baseMs = 250,
    private maxMs = 10_000,
    private forgetMs = 15 * 60_000,
  ) {}

  /** Records a failure and returns how long to wait before answering it. */
  fail(address: string, now = Date.now()): number {
    this.prune(now);
    const e = this.byAddress.get(address) ?? { count: 0, last: now };
    e.count++;
    e.last = now;
    this.byAddress.set(address, e);
    return this.baseMs === 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** Math.min(30, e.count - 1));
  }

  failures(address: string): number {
    return this.byAddress.get(address)?.count ?? 0;
  }

  private prune(now: number): void {
    if (this.byAddress.size < 1024) {
      for (const [a, e] of this.byAddress) if (now - e.last > this.forgetMs) this.byAddress.delete(a);
      return;
    }
    // many addresses: bound memory by dropping the oldest half
    const sorted = [...this.byAddress].sort((a, b) => a[1].last - b[1].last);
    for (const [a] of sorted.slice(0, sorted.length >> 1)) this.byAddress.delete(a);
  }
}
