// A FIFO of ready jobs. Jobs leave from the head (they block or use up their quantum); a job that
// ends while queued is skipped when it reaches the head, so ending never searches the queue.
import type { Job } from './job.ts';

export class RunQueue {
  private items: (Job | undefined)[] = [];
  private head = 0;

  push(job: Job): void {
    this.items.push(job);
    job.runq = this;
  }

  /** The first job still queued here (ended ones are dropped on the way), or undefined. */
  first(): Job | undefined {
    for (;;) {
      const job = this.items[this.head];
      if (job === undefined) return undefined;
      if (!job.ended && job.runq === this) return job;
      this.drop();
    }
  }

  /** Removes the head (call first() before: the head is then the job being removed). */
  shift(): void {
    const job = this.items[this.head];
    if (job && job.runq === this) job.runq = null;
    this.drop();
  }

  /** The jobs queued here, head first, entries of ended jobs left out (for the invariant check). */
  live(): Job[] {
    const out: Job[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const job = this.items[i];
      if (job && !job.ended && job.runq === this) out.push(job);
    }
    return out;
  }

  private drop(): void {
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
