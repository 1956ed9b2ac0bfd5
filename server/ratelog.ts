// Errors that repeat (a full disk refusing a write every 200 ms, a damaged page read at every
// login) are logged once per message per interval, with how many were held back since, so the log
// says what is wrong without filling the disk it is complaining about.

export interface ErrorLog {
  error(obj: object, msg: string): void;
}

export class RateLimitedLog {
  private last = new Map<string, { at: number; held: number }>();

  constructor(
    private log: ErrorLog,
    private quietMs = 60_000,
    private now: () => number = Date.now,
  ) {}

  /** Logs `err` under `msg` unless the same message was logged less than quietMs ago. Returns
   *  whether it was logged. */
  error(err: unknown, msg: string, extra: object = {}): boolean {
    const text = err instanceof Error ? err.message : String(err);
    const key = `${msg}\u0000${text}`;
    const t = this.now();
    const rec = this.last.get(key);
    if (rec && t - rec.at < this.quietMs) {
      rec.held++;
      return false;
    }
    if (this.last.size > 1000) this.last.clear(); // bounded: at worst some repeats get through
    this.last.set(key, { at: t, held: 0 });
    this.log.error({ err, ...extra, ...(rec?.held ? { repeatsHeldBack: rec.held } : {}) }, msg);
    return true;
  }
}
