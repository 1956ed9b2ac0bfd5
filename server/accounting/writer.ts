// Batches ledger entries: metering produces a few thousand small entries a second, and the store
// likes them in one transaction per batch. A batch is written in chunks of at most CHUNK entries,
// one transaction each, with a turn of the event loop between them: better-sqlite3 is synchronous,
// and a thousand connect-time entries in one transaction held every echo for about 10 ms. Entries
// stay queued until their chunk commits, so a failing disk or a database that went away loses
// nothing that a later flush cannot still write; a crash loses at most what was queued (one flush
// interval), and replaying it later is harmless (idempotent keys).
//
// While the store is away the queue is bounded without losing anything: past SOFT_LIMIT entries, a
// new reading of a job's or session's meter is folded into the waiting entry of the same meter,
// rate and day (quantities and amounts add up, the key and reading become the later one's), so the
// queue holds about one entry per live meter however long the outage lasts. An entry that was
// part of a failed write is never folded into: that write may have committed before the
// connection broke, and its key, written again, is then ignored rather than charged twice.
// Retries back off (250 ms doubling to 2 s) instead of hammering a database that is down.
//
// With a spool (spool.ts), what waits also outlives the process: after every failed write the
// whole waiting queue is written to a local file, and the file is removed once the queue is empty.
import type { Ledger, LedgerEntry } from '../store/ledger.ts';
import { isStoreUnavailable, StoreUnavailableError } from '../store/store.ts';

export interface WriterLog {
  error(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}
import { RateLimitedLog } from '../ratelog.ts';
import type { LedgerSpool } from './spool.ts';

/** Entries per transaction: about a millisecond of SQLite's time on this host. */
export const CHUNK = 128;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Waiting entries past which new readings are folded into waiting ones. */
export const SOFT_LIMIT = 2000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2000;

/** What makes two entries the same meter, rate and day (everything but the quantities). */
function foldKey(e: LedgerEntry): string | null {
  if (e.cum === null) return null; // storage: one entry per user and day already
  const slash = e.key.lastIndexOf('/');
  return `${e.key.slice(0, slash)}|${e.user}|${e.host ?? ''}|${e.session ?? ''}|${e.job ?? ''}|${e.rateId}|${e.rate}|${e.per}|${e.discount}|${e.day}`;
}

export class LedgerWriter {
  /** entries of failed writes, retried first and never folded into */
  private retry: LedgerEntry[] = [];
  private queue: LedgerEntry[] = [];
  /** the newest queued entry of each meter (for folding) */
  private newest = new Map<string, LedgerEntry>();
  private flushing: Promise<number> | null = null;
  private nextTry = 0;
  private backoff = RETRY_MIN_MS;
  private downSince: number | null = null;
  /** entries written (new) and ignored as duplicates, since start */
  written = 0;
  duplicates = 0;
  failures = 0;
  /** readings folded into a waiting entry */
  folded = 0;

  /** a full disk fails every flush (5 a second): its error is logged once a minute */
  private readonly errors: RateLimitedLog | null;

  /** `onCommit` hears each chunk once it is in the ledger. */
  constructor(
    private readonly ledger: Ledger,
    private readonly log?: WriterLog,
    private readonly onCommit?: (batch: readonly LedgerEntry[]) => void,
    private readonly softLimit = SOFT_LIMIT,
    /** keeps waiting entries in a local file while writes fail */
    readonly spool: LedgerSpool | null = null,
  ) {
    this.errors = log ? new RateLimitedLog(log) : null;
  }

  /**
   * Runs `fn` while no flush runs (one in progress is waited for first, later ones wait for fn):
   * what this writer has committed cannot change under it (a lease on a budget is granted from
   * the ledger's figure plus what waits here, and an entry must be in exactly one of the two).
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.flushing) await this.flushing;
    const run = fn();
    const gate = run.then(() => 0, () => 0);
    this.flushing = gate;
    try {
      return await run;
    } finally {
      if (this.flushing === gate) this.flushing = null;
    }
  }

  /** Every entry not yet known to be in the ledger (outside a flush: all of them). */
  unwritten(): LedgerEntry[] {
    return this.retry.concat(this.queue).map((e) => ({ ...e }));
  }

  /** Rewrites the spool with what waits now (removes it when nothing does). */
  saveSpool(): void {
    if (!this.spool) return;
    try {
      this.spool.save(this.unwritten());
    } catch (err) {
      this.errors?.error(err, 'the ledger spool could not be written; waiting entries are in memory only', { file: this.spool.file });
    }
  }

  add(entries: readonly LedgerEntry[] | LedgerEntry): void {
    if (Array.isArray(entries)) for (const e of entries) this.push(e);
    else this.push(entries as LedgerEntry);
  }

  private push(e: LedgerEntry): void {
    const k = foldKey(e);
    if (k !== null && this.queue.length + this.retry.length >= this.softLimit) {
      const w = this.newest.get(k);
      if (w && e.cum !== null && w.cum !== null && e.cum > w.cum) {
        w.quantity += e.quantity;
        w.amount += e.amount;
        w.cum = e.cum;
        w.key = e.key;
        w.at = e.at;
        this.folded++;
        return;
      }
    }
    const copy = { ...e };
    this.queue.push(copy);
    if (k !== null) this.newest.set(k, copy);
  }

  get pending(): number {
    return this.queue.length + this.retry.length;
  }

  /** True while writes fail because the store is unavailable. */
  get storeDown(): boolean {
    return this.downSince !== null;
  }

  /**
   * Writes everything queued so far, CHUNK entries per transaction; resolves to the number of new
   * entries. While the store is down, calls within the back-off interval return 0 at once unless
   * `force`.
   */
  async flush(force = false): Promise<number> {
    while (this.flushing) await this.flushing;
    if (this.pending === 0) return 0;
    if (!force && this.downSince !== null && Date.now() < this.nextTry) return 0;
    const batch = this.retry.length ? this.retry.concat(this.queue) : this.queue;
    this.retry = [];
    this.queue = [];
    this.newest = new Map();
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
        if (this.downSince !== null) {
          this.log?.info?.({ entries: batch.length, new: added, downMs: Date.now() - this.downSince, folded: this.folded }, 'the store is back: waiting ledger entries written');
          this.downSince = null;
        }
        this.backoff = RETRY_MIN_MS;
        // the spool holds only what still waits (nothing, usually: the file goes)
        if (this.spool?.exists) this.saveSpool();
        return added;
      } catch (err) {
        this.failures++;
        const left = batch.slice(done);
        if (err instanceof StoreUnavailableError && !err.inDoubt) {
          // never sent (no connection): back to the head of the queue, where they may be folded into
          this.queue = left.concat(this.queue);
          this.newest = new Map();
          for (const e of this.queue) {
            const k = foldKey(e);
            if (k !== null) this.newest.set(k, e);
          }
        } else {
          // in doubt (the failed chunk may have committed before the connection broke): kept as
          // they are, ahead of newer entries, and never folded into
          this.retry = left.concat(this.retry);
        }
        this.nextTry = Date.now() + this.backoff;
        this.backoff = Math.min(this.backoff * 2, RETRY_MAX_MS);
        if (isStoreUnavailable(err)) {
          if (this.downSince === null) {
            this.downSince = Date.now();
            (this.log?.warn ?? this.log?.error)?.call(this.log, { err: (err as Error).message, entries: batch.length - done }, 'the store is unavailable; ledger entries wait in memory until it returns');
          }
        } else {
          this.errors?.error(err, 'ledger write failed; entries kept for the next flush', { entries: batch.length - done });
        }
        this.saveSpool();
        return added;
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}
