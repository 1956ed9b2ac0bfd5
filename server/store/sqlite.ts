// The SQLite store: one file DATA/timeshare.db, WAL, foreign keys on, migrations at open, and one
// transaction per change. better-sqlite3 is synchronous and each call here is one short statement,
// so the promises resolve at once; the interface is async for the sake of a networked database.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate, MIGRATIONS, type Migration } from './migrations.ts';
import { SqliteLedger } from './ledger.ts';
import { LocalNotices } from './notices.ts';
import type {
  Account, AccountStore, ClusterStore, HostStatus, Program, ProgramInfo, ProgramLang, ProgramStore, RenameResult, SaveResult, Store,
} from './store.ts';
import { SqliteHotel } from './hotel.ts';
import { WAL_LIMIT_BYTES } from './wal.ts';

interface AccountRow { name: string; password: string; operator: number; budget: number | null; created_at: number; last_login: number | null; max_jobs: number | null; max_core: number | null; max_storage: number | null }
interface ProgramRow { owner: string; name: string; lang: ProgramLang; text: string; saved_at: number; size: number; dialect: string | null }

const toAccount = (r: AccountRow): Account => ({
  name: r.name, password: r.password, operator: r.operator !== 0, budget: r.budget, createdAt: r.created_at, lastLogin: r.last_login,
  limits: { jobs: r.max_jobs ?? null, core: r.max_core ?? null, storage: r.max_storage ?? null },
});


export { WAL_LIMIT_BYTES };

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly where: string;
  /** The open database, for modules that keep their own tables in it (the ledger). */
  readonly db: Database.Database;
  readonly accounts: AccountStore;
  readonly programs: ProgramStore;
  readonly ledger: SqliteLedger;
  readonly cluster: ClusterStore;
  readonly hotel: SqliteHotel;
  readonly nextJobNumber: (count?: number) => Promise<number>;

  /** Opens DIR/timeshare.db (":memory:" as dir for a private in-memory database). */
  static open(dir: string, migrations: readonly Migration[] = MIGRATIONS, opts: { readonly?: boolean } = {}): SqliteStore {
    let file = ':memory:';
    if (dir !== ':memory:') {
      mkdirSync(dir, { recursive: true });
      file = join(dir, 'timeshare.db');
    }
    if (opts.readonly) {
      // A damaged database is served read-only, as it is: no migration, no write can make it worse.
      const db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 100');
      return new SqliteStore(db, file);
    }
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // After a checkpoint has emptied the write-ahead log, the next write truncates its file to this
    // size: a WAL that once grew (a reader holding an old snapshot, a full disk) gives the space
    // back instead of keeping it until the server stops (wal.ts also truncates it).
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable across process crashes, fast commits
    // The admin CLI may write while the server runs; its writes take milliseconds. The wait is a
    // sleep on the calling thread (better-sqlite3 is synchronous), which in the server is the front
    // end's: a 5 s wait froze every line's echo while another process held the lock. A failed write
    // is retried (ledger) or reported to the user (SAVE) instead.
    db.pragma('busy_timeout = 100');
    migrate(db, migrations);
    return new SqliteStore(db, file);
  }

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.where = file;
    this.ledger = new SqliteLedger(db);
    this.hotel = new SqliteHotel(db);
    this.nextJobNumber = this.hotel.nextJobNumber;
    const q = {
      getAccount: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?'),
      insertAccount: db.prepare('INSERT OR IGNORE INTO accounts (name, password, operator, budget, created_at) VALUES (?, ?, ?, ?, ?)'),
      setLogin: db.prepare('UPDATE accounts SET last_login = ? WHERE name = ?'),
      setBudget: db.prepare('UPDATE accounts SET budget = ? WHERE name = ?'),
      setPassword: db.prepare('UPDATE accounts SET password = ? WHERE name = ?'),
      listAccounts: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name'),
      listPrograms: db.prepare<[string], ProgramRow>('SELECT owner, name, lang, saved_at, length(text) AS size FROM programs WHERE owner = ? ORDER BY name'),
      getProgram: db.prepare<[string, string], ProgramRow>('SELECT owner, name, lang, text, saved_at, length(text) AS size, dialect FROM programs WHERE owner = ? AND name = ?'),
      insertProgram: db.prepare('INSERT OR IGNORE INTO programs (owner, name, lang, text, saved_at, dialect) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertProgram: db.prepare(`INSERT INTO programs (owner, name, lang, text, saved_at, dialect) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (owner, name) DO UPDATE SET lang = excluded.lang, text = excluded.text, saved_at = excluded.saved_at, dialect = excluded.dialect`),
      existsProgram: db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM programs WHERE owner = ? AND name = ?'),
      deleteProgram: db.prepare('DELETE FROM programs WHERE owner = ? AND name = ?'),
      renameProgram: db.prepare('UPDATE programs SET name = ?, lang = ?, saved_at = ? WHERE owner = ? AND name = ?'),
    };

    const recordLogin = db.transaction((name: string, at: number): number | null => {
      const row = q.getAccount.get(name);
      if (!row) return null;
      q.setLogin.run(at, name);
      return row.last_login;
    });
    const save = db.transaction((owner: string, p: { name: string; lang: ProgramLang; text: string; dialect?: string | null }, replace: boolean): SaveResult => {
      const existed = q.existsProgram.get(owner, p.name) !== undefined;
      if (replace) {
        q.upsertProgram.run(owner, p.name, p.lang, p.text, Date.now(), p.dialect ?? null);
        return existed ? 'replaced' : 'saved';
      }
      if (existed) return 'duplicate';
      q.insertProgram.run(owner, p.name, p.lang, p.text, Date.now(), p.dialect ?? null);
      return 'saved';
    });
    const rename = db.transaction((owner: string, from: string, to: string, lang: ProgramLang): RenameResult => {
      if (q.existsProgram.get(owner, from) === undefined) return 'missing';
      if (from !== to && q.existsProgram.get(owner, to) !== undefined) return 'duplicate';
      q.renameProgram.run(to, lang, Date.now(), owner, from);
      return 'renamed';
    });

    this.accounts = {
      get: async (name) => { const r = q.getAccount.get(name); return r ? toAccount(r) : null; },
      create: async (a) => q.insertAccount.run(a.name, a.password, a.operator ? 1 : 0, a.budget ?? null, Date.now()).changes === 1,
      recordLogin: async (name, at) => recordLogin(name, at),
      setBudget: async (name, budget) => q.setBudget.run(budget, name).changes === 1,
      setLimits: async (name, l) => {
        const cols = ([['jobs', 'max_jobs'], ['core', 'max_core'], ['storage', 'max_storage']] as const).filter(([k]) => l[k] !== undefined);
        if (!cols.length) return q.getAccount.get(name) !== undefined;
        return db.prepare(`UPDATE accounts SET ${cols.map(([, c]) => `${c} = ?`).join(', ')} WHERE name = ?`).run(...cols.map(([k]) => l[k] ?? null), name).changes === 1;
      },
      setPassword: async (name, password) => q.setPassword.run(password, name).changes === 1,
      list: async () => q.listAccounts.all().map(toAccount),
    };
    // One process owns a SQLite store, so notices travel in memory; the hosts table still holds
    // this host's heartbeat, so SYSTAT reads it the same way for both kinds of store.
    const notices = new LocalNotices();
    const h = {
      upsert: db.prepare(`INSERT INTO hosts (name, boot, beat_at, status) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET boot = excluded.boot, beat_at = excluded.beat_at, status = excluded.status`),
      all: db.prepare<[], { status: string }>('SELECT status FROM hosts ORDER BY name'),
      forget: db.prepare('DELETE FROM hosts WHERE name = ?'),
    };
    this.cluster = {
      beat: async (st) => void h.upsert.run(st.host, st.boot, st.beatAt, JSON.stringify(st)),
      hosts: async () => h.all.all().map((r) => JSON.parse(r.status) as HostStatus),
      forget: async (host) => void h.forget.run(host),
      notify: async (n) => notices.emit(n),
      listen: (fn) => notices.on(fn),
    };
    this.programs = {
      list: async (owner): Promise<ProgramInfo[]> =>
        q.listPrograms.all(owner).map((r) => ({ name: r.name, lang: r.lang, size: r.size, savedAt: r.saved_at })),
      get: async (owner, name): Promise<Program | null> => {
        const r = q.getProgram.get(owner, name);
        return r ? { owner: r.owner, name: r.name, lang: r.lang, text: r.text, size: r.size, savedAt: r.saved_at, dialect: r.dialect } : null;
      },
      save: async (owner, p, replace) => save(owner, p, replace),
      delete: async (owner, name) => q.deleteProgram.run(owner, name).changes === 1,
      rename: async (owner, from, to, lang) => rename(owner, from, to, lang),
    };
  }

  async check(): Promise<string[]> {
    try {
      const rows = this.db.pragma('quick_check(20)') as { quick_check: string }[];
      const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
      return problems;
    } catch (err) {
      return [(err as Error).message];
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
