// The hotel's rooms in the store: job numbers unique for the life of the system, job snapshots
// (so jobs outlive their terminals and the server) and kept workspaces (a dropped line's program).
// Plain types only (numbers, strings, Uint8Array), so another store (PostgreSQL) can implement
// the same interface with a sequence, a BYTEA column and one transaction per call.
import type Database from 'better-sqlite3';

/** One job's row: what the front end knows of it (`meta`, JSON) and, once the mainframe has taken
 *  a snapshot, the job's whole machine state (`image`, see server/monitor/snapshot.ts). */
export interface SnapshotRow {
  job: number;
  /** the system (host) running the job: with several hosts on one store, each restores its own */
  host: string;
  owner: string;
  name: string;
  /** wall-clock ms when the image was taken (or the row written, without an image) */
  takenAt: number;
  /** the job's CPU cycles when the image was taken */
  cycles: number;
  /** the front end's part, JSON (where the job's output goes, output kept, how it ended) */
  meta: string;
  /** null: no machine image yet (the job restarts from its source) or the job has ended */
  image: Uint8Array | null;
  /** put away by its host's orderly stop: any host may take it (claim), its own at its next start */
  parked?: boolean;
  /** (claim's answer) taken over from this host, not heard from for the takeover time */
  takenFrom?: string;
}

export interface KeptWorkspace {
  owner: string;
  name: string | null;
  lang: string;
  /** the numbered lines or output text, as the workspace holds it */
  text: string;
  keptAt: number;
}

export interface HotelStore {
  /**
   * Writes rows and deletes jobs in ONE transaction (a checkpoint of every job is all or nothing).
   * A row is only ever replaced by its own host: once another host has claimed a job, late writes
   * of its old host leave it alone. `park`: then marks every row of that host put away (its
   * orderly stop), or only those of `jobs` (one job let go to another host), in the same transaction.
   */
  put(rows: readonly SnapshotRow[], remove?: readonly number[], opts?: { park?: string; jobs?: readonly number[] }): Promise<void>;
  /**
   * Moves a put-away job of `owner` to `host` and returns its row (image included), or null when
   * there is no such job or it is not put away. Atomic: of several hosts claiming one job at
   * once (or its old host taking it back at its start), exactly one gets it. `staleBefore` (ms):
   * a job that is not put away but has a snapshot, on another host whose last heartbeat is older
   * than that (it crashed, or is cut off), is taken over too (`takenFrom` says from whom), and that
   * host is FENCED for it in the same transaction: its later writes for the job (rows, ledger
   * entries) are ignored by the store. (SQLite: one host, nothing to take over.)
   */
  claim(job: number, host: string, owner: string, staleBefore?: number): Promise<SnapshotRow | null>;
  /** Jobs taken over from `host` (fenced): if it runs them still, it must stop them. */
  fenced(host: string): Promise<number[]>;
  /** At a host's start: every row of that host, put away or not (its own again), by job number. */
  takeBack(host: string): Promise<SnapshotRow[]>;
  /** Every row of one owner, on every host, without images (JOBS, the login greeting). */
  ofOwner(owner: string): Promise<SnapshotRow[]>;
  /** Replaces a row's meta, keeping its image (e.g. a job detached or ended); false if no row.
   *  `host`: only if the row is that host's (a job another host has taken is not its to touch). */
  setMeta(job: number, meta: string, host?: string): Promise<boolean>;
  /** Forgets a job's row (`host`: only if it is that host's). */
  remove(job: number, host?: string): Promise<void>;
  /**
   * A host's writes that waited out an outage in a local spool (its final snapshots at a stop),
   * written at its next start, in ONE transaction, FENCED: a row is rewritten only where it is
   * still `host`'s, and written afresh (a job whose first row never reached the store) only where
   * `host` is not fenced for the job (a job another host took over is not brought back); a
   * removal only removes `host`'s row. Returns the jobs whose rows were written.
   */
  putBack(rows: readonly SnapshotRow[], remove: readonly number[], host: string): Promise<number[]>;
  get(job: number): Promise<SnapshotRow | null>;
  /** Every row of one host's jobs, by job number. */
  list(host: string): Promise<SnapshotRow[]>;
  keepWorkspace(w: KeptWorkspace): Promise<void>;
  /** The kept workspace of `owner`, removed from the store (it is back on a line). */
  takeWorkspace(owner: string): Promise<KeptWorkspace | null>;
}

// Migration 3. Once shipped, never edit it.
export const HOTEL_SCHEMA = `
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
CREATE TABLE snapshots (
  job       INTEGER PRIMARY KEY,
  host      TEXT NOT NULL,
  owner     TEXT NOT NULL,
  name      TEXT NOT NULL,
  taken_at  INTEGER NOT NULL,
  cycles    INTEGER NOT NULL,
  meta      TEXT NOT NULL,
  image     BLOB
) STRICT;
CREATE TABLE workspaces (
  owner    TEXT PRIMARY KEY REFERENCES accounts(name) ON DELETE CASCADE,
  name     TEXT,
  lang     TEXT NOT NULL,
  text     TEXT NOT NULL,
  kept_at  INTEGER NOT NULL
) STRICT;
`;

export function createHotelSchema(db: Database.Database): void {
  db.exec(HOTEL_SCHEMA);
  // Job numbers go on from the highest one any bill has seen, so an old database never shows two
  // different jobs with one number.
  const hasLedger = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger'`).get() !== undefined;
  const top = hasLedger ? (db.prepare('SELECT COALESCE(MAX(job_no), 0) AS n FROM ledger').get() as { n: number }).n : 0;
  db.prepare(`INSERT INTO counters (name, value) VALUES ('job', ?)`).run(top);
}

interface Row { job: number; host: string; owner: string; name: string; taken_at: number; cycles: number; meta: string; image: Buffer | null; parked: number }
const toRow = (r: Row): SnapshotRow => ({
  job: r.job, host: r.host, owner: r.owner, name: r.name, takenAt: r.taken_at, cycles: r.cycles, meta: r.meta,
  image: r.image === null ? null : new Uint8Array(r.image.buffer, r.image.byteOffset, r.image.byteLength),
  parked: r.parked === 1,
});

// Migration 7: rows put away by an orderly stop can be taken by another host (live migration).
export const HOTEL_PARKED = `
ALTER TABLE snapshots ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX snapshots_owner ON snapshots (owner);
CREATE INDEX snapshots_host ON snapshots (host);
`;

export class SqliteHotel implements HotelStore {
  readonly nextJobNumber: (count?: number) => Promise<number>;
  private readonly putTx: (rows: readonly SnapshotRow[], remove: readonly number[], park: string | null, jobs: readonly number[] | null) => void;
  private readonly q;

  constructor(db: Database.Database) {
    const q = {
      next: db.prepare<[number], { value: number }>(`UPDATE counters SET value = value + ? WHERE name = 'job' RETURNING value`),
      upsert: db.prepare(`INSERT INTO snapshots (job, host, owner, name, taken_at, cycles, meta, image) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, name = excluded.name, taken_at = excluded.taken_at,
        cycles = excluded.cycles, meta = excluded.meta, image = excluded.image WHERE snapshots.host = excluded.host`),
      park: db.prepare('UPDATE snapshots SET parked = 1 WHERE host = ?'),
      parkJob: db.prepare('UPDATE snapshots SET parked = 1 WHERE host = ? AND job = ?'),
      claim: db.prepare<[string, number, string], Row>('UPDATE snapshots SET host = ?, parked = 0 WHERE job = ? AND owner = ? AND parked = 1 RETURNING *'),
      takeBack: db.prepare<[string], Row>('UPDATE snapshots SET parked = 0 WHERE host = ? RETURNING *'),
      ofOwner: db.prepare<[string], Row>('SELECT job, host, owner, name, taken_at, cycles, meta, NULL AS image, parked FROM snapshots WHERE owner = ? ORDER BY job'),
      setMeta: db.prepare('UPDATE snapshots SET meta = ? WHERE job = ?'),
      setMetaOf: db.prepare('UPDATE snapshots SET meta = ? WHERE job = ? AND host = ?'),
      del: db.prepare('DELETE FROM snapshots WHERE job = ?'),
      delOf: db.prepare('DELETE FROM snapshots WHERE job = ? AND host = ?'),
      get: db.prepare<[number], Row>('SELECT * FROM snapshots WHERE job = ?'),
      list: db.prepare<[string], Row>('SELECT * FROM snapshots WHERE host = ? ORDER BY job'),
      keepWs: db.prepare(`INSERT INTO workspaces (owner, name, lang, text, kept_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (owner) DO UPDATE SET name = excluded.name, lang = excluded.lang, text = excluded.text, kept_at = excluded.kept_at`),
      getWs: db.prepare<[string], { owner: string; name: string | null; lang: string; text: string; kept_at: number }>('SELECT * FROM workspaces WHERE owner = ?'),
      delWs: db.prepare('DELETE FROM workspaces WHERE owner = ?'),
    };
    this.q = q;
    this.nextJobNumber = async (count = 1) => {
      const n = Math.max(1, Math.floor(count));
      return q.next.get(n)!.value - n + 1;
    };
    this.putTx = db.transaction((rows: readonly SnapshotRow[], remove: readonly number[], park: string | null, jobs: readonly number[] | null) => {
      for (const r of rows) {
        q.upsert.run(r.job, r.host, r.owner, r.name, r.takenAt, r.cycles, r.meta,
          r.image === null ? null : Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength));
      }
      for (const j of remove) q.del.run(j);
      if (park !== null && jobs === null) q.park.run(park);
      if (park !== null && jobs !== null) for (const j of jobs) q.parkJob.run(park, j);
    });
    this.putBackTx = db.transaction((rows: readonly SnapshotRow[], remove: readonly number[], host: string) => {
      const written: number[] = [];
      for (const r of rows) {
        const image = r.image === null ? null : Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength);
        // (one host owns a SQLite store: nobody else can have taken the job, so a row its first
        // write never made is written afresh, as the upsert does)
        if (q.upsert.run(r.job, host, r.owner, r.name, r.takenAt, r.cycles, r.meta, image).changes === 1) written.push(r.job);
      }
      for (const j of remove) q.delOf.run(j, host);
      return written;
    });
  }

  private readonly putBackTx: (rows: readonly SnapshotRow[], remove: readonly number[], host: string) => number[];

  async putBack(rows: readonly SnapshotRow[], remove: readonly number[], host: string): Promise<number[]> {
    return this.putBackTx(rows, remove, host);
  }

  async put(rows: readonly SnapshotRow[], remove: readonly number[] = [], opts: { park?: string; jobs?: readonly number[] } = {}): Promise<void> {
    this.putTx(rows, remove, opts.park ?? null, opts.jobs ?? null);
  }

  async claim(job: number, host: string, owner: string): Promise<SnapshotRow | null> {
    // (one host owns a SQLite store: no other host can have gone stale, so staleBefore is moot)
    const r = this.q.claim.get(host, job, owner);
    return r ? toRow(r) : null;
  }

  async fenced(): Promise<number[]> {
    return [];
  }

  async takeBack(host: string): Promise<SnapshotRow[]> {
    const rows = this.q.list.all(host);
    // (one host owns a SQLite store, so reading first races with nobody; a damaged database is
    // served read-only and must not be written, not even by an UPDATE that changes nothing)
    if (!rows.some((r) => r.parked === 1)) return rows.map(toRow);
    return this.q.takeBack.all(host).map(toRow).sort((a, b) => a.job - b.job);
  }

  async ofOwner(owner: string): Promise<SnapshotRow[]> {
    return this.q.ofOwner.all(owner).map(toRow);
  }

  async setMeta(job: number, meta: string, host?: string): Promise<boolean> {
    return (host === undefined ? this.q.setMeta.run(meta, job) : this.q.setMetaOf.run(meta, job, host)).changes === 1;
  }

  async remove(job: number, host?: string): Promise<void> {
    if (host === undefined) this.q.del.run(job);
    else this.q.delOf.run(job, host);
  }

  async get(job: number): Promise<SnapshotRow | null> {
    const r = this.q.get.get(job);
    return r ? toRow(r) : null;
  }

  async list(host: string): Promise<SnapshotRow[]> {
    return this.q.list.all(host).map(toRow);
  }

  async keepWorkspace(w: KeptWorkspace): Promise<void> {
    this.q.keepWs.run(w.owner, w.name, w.lang, w.text, w.keptAt);
  }

  async takeWorkspace(owner: string): Promise<KeptWorkspace | null> {
    const r = this.q.getWs.get(owner);
    if (!r) return null;
    this.q.delWs.run(owner);
    return { owner: r.owner, name: r.name, lang: r.lang, text: r.text, keptAt: r.kept_at };
  }
}
