// Numbered schema migrations, applied in order, each in its own transaction, recorded in the
// `migrations` table. Append new ones at the end; never edit one that has shipped (databases in the
// field already ran it). Migration 2 (the ledger) belongs to the accounting code.
import type { Database } from 'better-sqlite3';
import { createLedgerSchema, LEDGER_HOST } from './ledger.ts';
import { createHotelSchema, HOTEL_PARKED } from './hotel.ts';

export interface Migration {
  readonly id: number;
  readonly name: string;
  up(db: Database): void;
}

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'accounts and programs',
    up(db) {
      db.exec(`
        CREATE TABLE accounts (
          name        TEXT PRIMARY KEY,
          password    TEXT NOT NULL,            -- scrypt$N$r$p$salt$hash (base64)
          operator    INTEGER NOT NULL DEFAULT 0,
          budget      INTEGER,                  -- micro-dollars; NULL = unlimited
          created_at  INTEGER NOT NULL,         -- ms since 1970
          last_login  INTEGER                   -- ms since 1970; NULL = never
        ) STRICT;
        CREATE TABLE programs (
          owner     TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
          name      TEXT NOT NULL,
          lang      TEXT NOT NULL CHECK (lang IN ('basic', 'asm', 'text')),
          text      TEXT NOT NULL,
          saved_at  INTEGER NOT NULL,
          PRIMARY KEY (owner, name)
        ) STRICT;
      `);
    },
  },
  {
    id: 2,
    name: 'ledger',
    up(db) {
      createLedgerSchema(db);
    },
  },
  {
    id: 3,
    name: 'hosts',
    up(db) {
      db.exec(LEDGER_HOST);
      // One row per running host: its last heartbeat (SYSTAT). With SQLite there is one host, but
      // the same table keeps SYSTAT's code the same for both stores.
      db.exec(`
        CREATE TABLE hosts (
          name     TEXT PRIMARY KEY,
          boot     TEXT NOT NULL,
          beat_at  INTEGER NOT NULL,
          status   TEXT NOT NULL             -- JSON: HostStatus
        ) STRICT;
      `);
    },
  },
  {
    id: 4,
    name: 'program dialect',
    up(db) {
      // the BASIC dialect a program is saved with (NULL: the default dialect; other languages NULL)
      db.exec('ALTER TABLE programs ADD COLUMN dialect TEXT');
    },
  },
  {
    id: 5,
    name: 'per-user limits',
    up(db) {
      db.exec(`
        ALTER TABLE accounts ADD COLUMN max_jobs INTEGER;      -- NULL: the server's default
        ALTER TABLE accounts ADD COLUMN max_core INTEGER;      -- words
        ALTER TABLE accounts ADD COLUMN max_storage INTEGER;   -- words (characters) saved
      `);
    },
  },
  {
    id: 6,
    name: 'job numbers, snapshots and kept workspaces',
    up(db) {
      createHotelSchema(db);
    },
  },
  {
    id: 7,
    name: 'put-away jobs any host may take',
    up(db) {
      db.exec(HOTEL_PARKED);
    },
  },
];

/** Brings the database up to the newest migration. Returns the ids applied now. */
export function migrate(db: Database, list: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const done = new Set((db.prepare('SELECT id FROM migrations').all() as { id: number }[]).map((r) => r.id));
  const applied: number[] = [];
  for (const m of [...list].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
    })();
    applied.push(m.id);
  }
  return applied;
}
