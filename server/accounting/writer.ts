// Batches ledger entries: metering produces a few thousand small entries a second, and SQLite
// likes them in one transaction per batch. Entries stay queued until their batch commits, so a
// failing disk loses nothing that a later flush cannot still write; a crash loses at most what
// was queued (one flush interval), and replaying it later is harmless (idempotent keys).
import type { Ledger, LedgerEntry } from '../store/ledger.ts';

export interface WriterLog {
  error(obj: object, msg: string): void;
}

export class LedgerWriter {
  private queue: LedgerEntry[] = [];
  private flushing: Promise<number> | null = null;
  /** entries written (new) and ignored as duplicates, since start */
  written = 0;
  duplicates = 0;
  failures = 0;

  /** `onCommit` hears each batch once it is in the ledger. */
  constructor(
    private readonly ledger: Ledger,
    private readonly log?: WriterLog,
    private readonly onCommit?: (batch: readonly LedgerEntry[]) => void,
  ) {}

  add(entries: readonly LedgerEntry[] | LedgerEntry): void {
    if (Array.isArray(entries)) for (const e of entries) this.queue.push(e);
    else this.queue.push(entries as LedgerEntry);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued so far in one transaction; resolves to the number of new entries. */
  async flush(): Promise<number> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    this.flushing = (async () => {
      try {
        const n = await this.ledger.append(batch);
        this.written += n;
        this.duplicates += batch.length - n;
        this.onCommit?.(batch);
        return n;
      } catch (err) {
        this.failures++;
        this.queue = batch.concat(this.queue);
        this.log?.error({ err, entries: batch.length }, 'ledger write failed; entries kept for the next flush');
        return 0;
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}
