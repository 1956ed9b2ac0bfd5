// PostgreSQL's schema migrations: numbered, applied in order, each in its own transaction, recorded
// in `migrations`, like SQLite's (migrations.ts) but written for PostgreSQL. Several hosts may start
// at once against one database, so migrating holds an advisory lock: the first migrates, the others
// wait and then find nothing to do. Never edit a migration that has shipped; append a new one.
import type pg from 'pg';
import { PG_HOTEL_PARKED, PG_HOTEL_SCHEMA, PG_JOB_FENCES } from './pg-hotel.ts';
import { PG_PURSES_SCHEMA } from './pg-purses.ts';

export interface PgMigration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

/** pg_advisory_lock key: "timeshare migrate" */
const LOCK = 7_274_630_118;

export const PG_MIGRATIONS: PgMigration[] = [
  {
    id: 1,
    name: 'accounts, programs, ledger, hosts',
    sql: `
      CREATE TABLE accounts (
        name        TEXT PRIMARY KEY,
        password    TEXT NOT NULL,              -- scrypt$N$r$p$salt$hash (base64)
        operator    BOOLEAN NOT NULL DEFAULT false,
        budget      BIGINT,                     -- micro-dollars; NULL = unlimited
        created_at  BIGINT NOT NULL,            -- ms since 1970
        last_login  BIGINT                      -- ms since 1970; NULL = never
      );
      CREATE TABLE programs (
        owner     TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
        name      TEXT NOT NULL,
        lang      TEXT NOT NULL CHECK (lang IN ('basic', 'asm', 'text')),
        text      TEXT NOT NULL,
        saved_at  BIGINT NOT NULL,
        PRIMARY KEY (owner, name)
      );
      -- "user" is a keyword in PostgreSQL: the column is user_name, read back AS "user".
      CREATE TABLE ledger (
        id         BIGSERIAL PRIMARY KEY,
        key        TEXT NOT NULL UNIQUE,
        user_name  TEXT NOT NULL,
        host       TEXT,
        session    TEXT,
        job        TEXT,
        job_no     BIGINT,
        job_name   TEXT,
        kind       TEXT NOT NULL,
        quantity   BIGINT NOT NULL CHECK (quantity >= 0),
        unit       TEXT NOT NULL,
        cum        BIGINT,
        rate       BIGINT NOT NULL,
        per        BIGINT NOT NULL CHECK (per > 0),
        discount   INTEGER NOT NULL,
        rate_id    TEXT NOT NULL,
        amount     BIGINT NOT NULL,
        at         BIGINT NOT NULL,
        day        TEXT NOT NULL
      );
      CREATE INDEX ledger_user_day ON ledger (user_name, day);
      CREATE INDEX ledger_day ON ledger (day);
      CREATE INDEX ledger_job ON ledger (job) WHERE job IS NOT NULL;
      CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
      CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger
        FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
      CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
      CREATE TABLE hosts (
        name     TEXT PRIMARY KEY,
        boot     TEXT NOT NULL,
        beat_at  BIGINT NOT NULL,
        status   JSONB NOT NULL
      );
    `,
  },
  {
    id: 2,
    name: 'program dialect',
    // the BASIC dialect a program is saved with (NULL: the default dialect; other languages NULL)
    sql: 'ALTER TABLE programs ADD COLUMN dialect TEXT',
  },
  {
    id: 3,
    name: 'per-user limits',
    sql: `
      ALTER TABLE accounts ADD COLUMN max_jobs INTEGER;
      ALTER TABLE accounts ADD COLUMN max_core INTEGER;
      ALTER TABLE accounts ADD COLUMN max_storage INTEGER;
    `,
  },
  {
    id: 4,
    name: 'job numbers, snapshots and kept workspaces',
    sql: PG_HOTEL_SCHEMA,
  },
  {
    id: 5,
    name: 'put-away jobs any host may take',
    sql: PG_HOTEL_PARKED,
  },
  {
    id: 6,
    name: 'budget leases',
    sql: PG_PURSES_SCHEMA,
  },
  {
    id: 7,
    name: 'jobs taken over from hosts not heard from',
    sql: PG_JOB_FENCES,
  },
];

/** Brings the database up to the newest migration; returns the ids applied now. */
export async function migratePg(client: pg.ClientBase, list: readonly PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const done = new Set((await client.query<{ id: number }>('SELECT id FROM migrations')).rows.map((r) => r.id));
    const applied: number[] = [];
    for (const m of [...list].sort((a, b) => a.id - b.id)) {
      if (done.has(m.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO migrations (id, name, applied_at) VALUES ($1, $2, $3)', [m.id, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`migration ${m.id} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.id);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK]).catch(() => {});
  }
}
