// Batches ledger entries: metering produces a few thousand small entries a second, and SQLite
// likes them in one transaction per batch. A batch is written in chunks of at most CHUNK entries,
// one transaction each, with a turn of the event loop between them: better-sqlite3 is synchronous,
// and a thousand connect-time entries in one transaction held every echo for about 10 ms. Entries stay queued until their batch commits, so a
// failing disk loses nothing that a later flush cannot still write; a crash loses at most what
// was queued (one flush interval), and replaying it later is harmless (idempotent keys).
import type { Ledger, LedgerEntry } from '../store/ledger.ts';

/** Entries per transaction: about a millisecond of SQLite's time on this host. */
export const CHUNK = 128;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

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

  /** `onCommit` hears each chunk once it is in the ledger. */
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

  /** Writes everything queued so far, CHUNK entries per transaction; resolves to the number of new
   *  entries. Entries not yet written when a chunk fails go back to the head of the queue. */
  async flush(): Promise<number> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    this.flushing = (async () => {
      let done = 0;
      let added = 0;
      try {
        while (done < batch.length) {
          if (done > 0) await nextTurn(); // let the lines' echoes through between chunks
          const chunk = batch.slice(done, done + CHUNK);
          const n = await this.ledger.append(chunk);
          done += chunk.length;
          added += n;
          this.written += n;
          this.duplicates += chunk.length - n;
          this.onCommit?.(chunk);
        }
        return added;
      } catch (err) {
        this.failures++;
        this.queue = batch.slice(done).concat(this.queue);
        this.log?.error({ err, entries: batch.length - done }, 'ledger write failed; entries kept for the next flush');
        return added;
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}
