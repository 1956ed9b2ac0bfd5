// Load averages as Unix keeps them: every 5 seconds the number of runnable jobs is folded into
// exponentially decaying averages over 1, 5 and 15 minutes.

const PERIOD_MS = 5000;
const WINDOWS_S = [60, 300, 900] as const;

export class LoadAverage {
  private readonly avg = [0, 0, 0];
  private next = 0;

  /** When the next period ends (ms). */
  get nextAt(): number {
    return this.next;
  }

  start(now: number): void {
    this.next = now + PERIOD_MS;
  }

  /** Folds in `runnable` for every period that has passed by `now` (it held for all of them). */
  sample(now: number, runnable: number): void {
    if (now < this.next) return;
    const periods = Math.floor((now - this.next) / PERIOD_MS) + 1;
    for (let i = 0; i < 3; i++) {
      const keep = Math.exp((-PERIOD_MS / 1000) * periods / WINDOWS_S[i]);
      this.avg[i] = this.avg[i] * keep + runnable * (1 - keep);
    }
    this.next += periods * PERIOD_MS;
  }

  averages(): [number, number, number] {
    const r = (x: number): number => Math.round(x * 100) / 100;
    return [r(this.avg[0]), r(this.avg[1]), r(this.avg[2])];
  }
}
