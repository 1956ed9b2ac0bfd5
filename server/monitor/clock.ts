// The machine's clock as it is sold: `ratedClock` cycles per wall second in total, like SIMH's
// SET THROTTLE. Every cycle of machine time is either executed for a job (busy), idle (nothing was
// ready), or lost (jobs were ready but the host could not run them in time: it fell more than
// `maxLag` behind). So busy + idle + lost = ratedClock x wall time, exactly, at every settle.
//
// Paced, the machine runs ahead of the wall clock by at most `pace` cycles, then its thread sleeps
// until the wall clock catches up: it never spins. Unthrottled, it runs flat out and idle is simply
// the wall time with nothing ready, at the rated clock (the meters are the same cycles either way).
/** How far ahead of the wall clock jobs that their users wait for may take the machine (ms). */
const BORROW_MS = 20;

export class MachineClock {
  /** cycles charged to jobs */
  busy = 0;
  /** cycles with nothing ready */
  idle = 0;
  /** paced: cycles the host could not deliver (it fell behind more than maxLag) */
  lost = 0;
  private readonly base: number;
  /** unthrottled: start of the current idle stretch (ms), or null while busy */
  private idleFrom: number | null;
  private idleMs = 0;

  constructor(
    /** cycles per wall second */
    readonly hz: number,
    readonly paced: boolean,
    /** paced: cycles the machine may run ahead of the wall clock before it sleeps */
    private readonly pace: number,
    /** paced: cycles it may fall behind (and then make up) before the excess is lost */
    private readonly maxLag: number,
    now: number,
  ) {
    this.base = now;
    this.idleFrom = now;
  }

  /** Machine cycles the wall clock says should have passed by `now`. */
  due(now: number): number {
    return Math.floor(((now - this.base) * this.hz) / 1000);
  }

  /** Machine time accounted so far, in cycles. */
  get machine(): number {
    return this.busy + this.idle + this.lost;
  }

  /** While nothing is ready: accounts the idle time up to `now`. */
  settleIdle(now: number): void {
    if (this.paced) {
      // The idle stretch fills machine time up to the wall clock. Cycles run ahead before it began
      // are taken out of it; a lag of at most maxLag (a late timer) counts as idle.
      const gap = this.due(now) - this.machine;
      if (gap > 0) this.idle += gap;
    } else if (this.idleFrom !== null) {
      this.idleMs += Math.max(0, now - this.idleFrom);
      this.idleFrom = now;
      this.idle = Math.floor((this.idleMs * this.hz) / 1000);
    }
  }

  /** The last ready job left the queue at `now`. */
  startIdle(now: number): void {
    this.idleFrom = now;
  }

  /** A job became ready at `now` after an idle stretch. */
  endIdle(now: number): void {
    this.settleIdle(now);
    this.idleFrom = null;
  }

  /**
   * Jobs are ready: cycles the machine may run now (0: sleep first). Infinite unthrottled. It runs
   * only once the wall clock has caught up with it, and then up to `pace` cycles ahead: without
   * that hysteresis a caller would run a handful of cycles each time the clock ticks on, which is
   * spinning (measured: a million tiny steps a second).
   */
  allowance(now: number): number {
    if (!this.paced) return Infinity;
    const due = this.due(now);
    const behind = due - this.maxLag - this.machine;
    if (behind > 0) this.lost += behind;
    const left = due + this.pace - this.machine;
    return left >= this.pace ? left : 0;
  }

  /** Paced: may a job its user waits for run now, ahead of the clock? Yes while the machine is
   *  less than BORROW_MS ahead: the CPU-bound jobs then wait that much longer, and the second
   *  stays exact. */
  mayBorrow(now: number): boolean {
    return !this.paced || this.machine - this.due(now) < (this.hz * BORROW_MS) / 1000;
  }

  /** Jobs are ready but the machine is ahead: ms until the wall clock catches up (0: run now). */
  msUntilDue(now: number): number {
    if (!this.paced) return 0;
    const ahead = this.machine - this.due(now);
    return ahead <= 0 ? 0 : (ahead * 1000) / this.hz;
  }
}
