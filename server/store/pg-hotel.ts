// The hotel's rooms in PostgreSQL (see hotel.ts for what they are): job numbers from a counter
// shared by every host on the database (blocks reserved in one UPDATE), job snapshots (BYTEA) and
// kept workspaces.
import type { PgDb } from './pg-pool.ts';
import type { HotelStore, KeptWorkspace, SnapshotRow } from './hotel.ts';

// Migration 2 of pg-migrations.ts. Once shipped, never edit it.
export const PG_HOTEL_SCHEMA = `
  CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
  -- go on from the highest job number any bill has seen
  INSERT INTO counters (name, value) VALUES ('job', COALESCE((SELECT MAX(job_no) FROM ledger), 0));
  CREATE TABLE snapshots (
    job       BIGINT PRIMARY KEY,
    host      TEXT NOT NULL,
    owner     TEXT NOT NULL,
    name      TEXT NOT NULL,
    taken_at  BIGINT NOT NULL,
    cycles    BIGINT NOT NULL,
    meta      TEXT NOT NULL,
    image     BYTEA
  );
  CREATE TABLE workspaces (
    owner    TEXT PRIMARY KEY REFERENCES accounts(name) ON DELETE CASCADE,
    name     TEXT,
    lang     TEXT NOT NULL,
    text     TEXT NOT NULL,
    kept_at  BIGINT NOT NULL
  );
`;

// Migration 5 of pg-migrations.ts: rows put away by an orderly stop can be taken by another host.
export const PG_HOTEL_PARKED = `
  ALTER TABLE snapshots ADD COLUMN parked BOOLEAN NOT NULL DEFAULT false;
  CREATE INDEX snapshots_owner ON snapshots (owner);
  CREATE INDEX snapshots_host ON snapshots (host);
`;

interface Row { job: number; host: string; owner: string; name: string; taken_at: number; cycles: number; meta: string; image: Buffer | null; parked: boolean }
const toRow = (r: Row): SnapshotRow => ({
  job: r.job, host: r.host, owner: r.owner, name: r.name, takenAt: r.taken_at, cycles: r.cycles, meta: r.meta,
  image: r.image === null ? null : new Uint8Array(r.image.buffer, r.image.byteOffset, r.image.byteLength),
  parked: r.parked,
});
// Migration 7 of pg-migrations.ts: a host not heard from whose jobs were taken over is fenced for
// them: the store ignores its later writes for those jobs (snapshot rows, ledger entries).
export const PG_JOB_FENCES = `
  CREATE TABLE job_fences (
    job_no  BIGINT NOT NULL,
    host    TEXT NOT NULL,              -- the host that may no longer write for the job
    at      BIGINT NOT NULL,            -- ms since 1970: when it was taken over
    PRIMARY KEY (job_no, host)
  );
`;

// A row is replaced only by its own host: a job another host has claimed is no longer the old
// host's to write (its late writes change nothing), and a host fenced for a job cannot even bring
// its row back once the job has ended elsewhere.
const UPSERT = `INSERT INTO snapshots (job, host, owner, name, taken_at, cycles, meta, image)
  SELECT $1::bigint, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::bytea
  WHERE NOT EXISTS (SELECT 1 FROM job_fences f WHERE f.job_no = $1::bigint AND f.host = $2::text)
  ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, name = excluded.name, taken_at = excluded.taken_at,
  cycles = excluded.cycles, meta = excluded.meta, image = excluded.image WHERE snapshots.host = excluded.host`;

export class PgHotel implements HotelStore {
  constructor(private readonly db: PgDb) {}

  async nextJobNumber(count = 1): Promise<number> {
    const n = Math.max(1, Math.floor(count));
    return (await this.db.q<{ n: number }>(`UPDATE counters SET value = value + $1 WHERE name = 'job' RETURNING value AS n`, [n])).rows[0]!.n - n + 1;
  }

  async put(rows: readonly SnapshotRow[], remove: readonly number[] = [], opts: { park?: string; jobs?: readonly number[] } = {}): Promise<void> {
    if (rows.length === 0 && remove.length === 0 && opts.park === undefined) return;
    await this.db.tx(async (c) => {
      for (const r of rows) {
        await c.query(UPSERT, [r.job, r.host, r.owner, r.name, r.takenAt, r.cycles, r.meta,
          r.image === null ? null : Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength)]);
      }
      if (remove.length) await c.query('DELETE FROM snapshots WHERE job = ANY($1::bigint[])', [remove]);
      if (opts.park !== undefined && opts.jobs === undefined) await c.query('UPDATE snapshots SET parked = true WHERE host = $1', [opts.park]);
      if (opts.park !== undefined && opts.jobs !== undefined) {
        await c.query('UPDATE snapshots SET parked = true WHERE host = $1 AND job = ANY($2::bigint[])', [opts.park, opts.jobs]);
      }
    });
  }

  async claim(job: number, host: string, owner: string, staleBefore?: number): Promise<SnapshotRow | null> {
    return this.db.tx(async (c) => {
      // the row lock makes a second claimer wait, then find it no longer put away (nor stale)
      const old = (await c.query<{ host: string; parked: boolean; imaged: boolean }>(
        'SELECT host, parked, image IS NOT NULL AS imaged FROM snapshots WHERE job = $1 AND owner = $2 FOR UPDATE', [job, owner])).rows[0];
      if (!old) return null;
      let takenFrom: string | undefined;
      if (!old.parked) {
        if (staleBefore === undefined || old.host === host || !old.imaged) return null;
        // its host did not stop in good order (its heartbeat row is still there) and is silent
        const beat = (await c.query<{ beat_at: number }>('SELECT beat_at FROM hosts WHERE name = $1', [old.host])).rows[0];
        if (!beat || beat.beat_at >= staleBefore) return null;
        await c.query('INSERT INTO job_fences (job_no, host, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [job, old.host, Date.now()]);
        takenFrom = old.host;
      }
      const r = await c.query<Row>('UPDATE snapshots SET host = $1, parked = false WHERE job = $2 RETURNING *', [host, job]);
      return { ...toRow(r.rows[0]!), ...(takenFrom !== undefined ? { takenFrom } : {}) };
    });
  }

  async fenced(host: string): Promise<number[]> {
    return (await this.db.q<{ job_no: number }>('SELECT job_no FROM job_fences WHERE host = $1', [host])).rows.map((r) => Number(r.job_no));
  }

  async takeBack(host: string): Promise<SnapshotRow[]> {
    return (await this.db.q<Row>('UPDATE snapshots SET parked = false WHERE host = $1 RETURNING *', [host])).rows.map(toRow).sort((a, b) => a.job - b.job);
  }

  async ofOwner(owner: string): Promise<SnapshotRow[]> {
    return (await this.db.q<Row>('SELECT job, host, owner, name, taken_at, cycles, meta, NULL::bytea AS image, parked FROM snapshots WHERE owner = $1 ORDER BY job', [owner])).rows.map(toRow);
  }

  async setMeta(job: number, meta: string, host?: string): Promise<boolean> {
    if (host === undefined) return (await this.db.q('UPDATE snapshots SET meta = $1 WHERE job = $2', [meta, job])).rowCount === 1;
    return (await this.db.q('UPDATE snapshots SET meta = $1 WHERE job = $2 AND host = $3', [meta, job, host])).rowCount === 1;
  }

  async remove(job: number, host?: string): Promise<void> {
    if (host === undefined) await this.db.q('DELETE FROM snapshots WHERE job = $1', [job]);
    else await this.db.q('DELETE FROM snapshots WHERE job = $1 AND host = $2', [job, host]);
  }

  async putBack(rows: readonly SnapshotRow[], remove: readonly number[], host: string): Promise<number[]> {
    return this.db.tx(async (c) => {
      const written: number[] = [];
      for (const r of rows) {
        const image = r.image === null ? null : Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength);
        // the fenced UPSERT: rewritten where still this host's, written afresh where the job never
        // got a row (its first write failed in the outage), never where it was taken over
        const u = await c.query(UPSERT, [r.job, host, r.owner, r.name, r.takenAt, r.cycles, r.meta, image]);
        if (u.rowCount === 1) written.push(r.job);
      }
      if (remove.length) await c.query('DELETE FROM snapshots WHERE job = ANY($1::bigint[]) AND host = $2', [remove, host]);
      return written;
    });
  }

  async get(job: number): Promise<SnapshotRow | null> {
    const r = await this.db.q<Row>('SELECT * FROM snapshots WHERE job = $1', [job]);
    return r.rows[0] ? toRow(r.rows[0]) : null;
  }

  async list(host: string): Promise<SnapshotRow[]> {
    return (await this.db.q<Row>('SELECT * FROM snapshots WHERE host = $1 ORDER BY job', [host])).rows.map(toRow);
  }

  async keepWorkspace(w: KeptWorkspace): Promise<void> {
    await this.db.q(`INSERT INTO workspaces (owner, name, lang, text, kept_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (owner) DO UPDATE SET name = excluded.name, lang = excluded.lang, text = excluded.text, kept_at = excluded.kept_at`,
    [w.owner, w.name, w.lang, w.text, w.keptAt]);
  }

  async takeWorkspace(owner: string): Promise<KeptWorkspace | null> {
    const r = await this.db.q<{ owner: string; name: string | null; lang: string; text: string; kept_at: number }>(
      'DELETE FROM workspaces WHERE owner = $1 RETURNING *', [owner]);
    const w = r.rows[0];
    return w ? { owner: w.owner, name: w.name, lang: w.lang, text: w.text, keptAt: w.kept_at } : null;
  }
}
