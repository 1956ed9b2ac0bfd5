// Notices between hosts, delivered in memory: the SQLite store's (one process, one host) and the
// PostgreSQL store's fan-out to this process's listeners once NOTIFY has brought a notice in.
import type { Notice } from './store.ts';

export class LocalNotices {
  private readonly fns = new Set<(n: Notice) => void>();

  on(fn: (n: Notice) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  emit(n: Notice): void {
    for (const fn of this.fns) {
      try {
        fn(n);
      } catch {
        // a listener's failure is its own (it logs); the others still hear the notice
      }
    }
  }
}
