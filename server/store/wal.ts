// The write-ahead log must not keep a full disk full. SQLite checkpoints the WAL on commits (on
// the store's thread, store-worker.ts), but a WAL file keeps its size after a checkpoint has
// emptied it, and a WAL that grew (a reader holding an old snapshot, e.g. `npm run bills` over a
// long month, while the disk filled) can hold the very space the database file needs to take its
// pages back: then no checkpoint can finish, ever, and every write fails.
//
// So: SQLite truncates the WAL file to WAL_LIMIT_BYTES at the first write after a complete
// checkpoint (`journal_size_limit`, set in sqlite.ts), and the store's thread calls
// WalKeeper.tick() every second, which, while the file is larger than that, tries a TRUNCATE
// checkpoint (copy every frame, then cut the file to nothing) at most once every
// TRUNCATE_EVERY_MS: a TRUNCATE waits briefly for other processes' readers and writers, so it is
// rate-limited. A checkpoint that fails for want of room is said once, plainly, with the WAL's
// size; its recovery is said once too.
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** The write-ahead log is kept at most this big once checkpointed (bytes). */
export const WAL_LIMIT_BYTES = 1 << 20;
/** A TRUNCATE checkpoint is tried at most this often (ms). */
export const TRUNCATE_EVERY_MS = 5000;

export interface WalLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export class WalKeeper {
  private lastTry = -Infinity;
  /** the error of the last attempt, while attempts fail */
  private failing: string | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly log: WalLog,
    private readonly everyMs = TRUNCATE_EVERY_MS,
  ) {}

  /** The WAL file's size in bytes (0 when there is none). */
  walBytes(): number {
    try {
      return statSync(`${this.file}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** Call it every second or so: truncates a WAL grown past the limit, at most every `everyMs`. */
  tick(now = Date.now()): void {
    if (!this.db.open || this.db.readonly) return;
    const before = this.walBytes();
    if (before <= WAL_LIMIT_BYTES && this.failing === null) return;
    if (now - this.lastTry < this.everyMs) return;
    this.lastTry = now;
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 50');
    try {
      const r = (this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0];
      if (r.busy !== 0) return; // a reader holds an old snapshot: tried again later
      if (this.failing !== null) {
        this.log.info({ was: this.failing, walBytes: this.walBytes() }, `the write-ahead log is checkpointed again (now ${this.walBytes()} bytes)`);
      }
      this.failing = null;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.failing) {
        if (/full/i.test(msg)) {
          this.log.warn({ err: msg, walBytes: before },
            `the disk is full: the database's write-ahead log (${before} bytes) cannot be checkpointed into it until there is room; ` +
            `saves are refused and charges wait in memory meanwhile; it is tried again every ${Math.round(this.everyMs / 1000)} s and truncated once it succeeds`);
        } else this.log.warn({ err: msg, walBytes: before }, 'the write-ahead log could not be checkpointed; it is tried again');
      }
      this.failing = msg;
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }
}
