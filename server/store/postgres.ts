// The PostgreSQL store: several Timeshare hosts on one database share accounts, programs and the
// ledger, see each other's heartbeats (SYSTAT) and hear each other's notices (LISTEN/NOTIFY).
// `--store postgres://...` or TIMESHARE_STORE selects it (open.ts). Migrations run at open.
//
// The database may go away while hosts run: every call then fails with StoreUnavailableError (the
// front end tells the user so in plain words), the pool reconnects by itself when it returns, and
// the LISTEN connection is re-opened with back-off.
import pg from 'pg';
import { LocalNotices } from './notices.ts';
import { PgLedger } from './pg-ledger.ts';
import { PgHotel } from './pg-hotel.ts';
import { PgPurses } from './pg-purses.ts';
import { migratePg, PG_MIGRATIONS, type PgMigration } from './pg-migrations.ts';
import { clientConfig, makePool, PgDb, wrap } from './pg-pool.ts';
import type {
  Account, AccountStore, ClusterStore, HostStatus, Notice, Program, ProgramInfo, ProgramLang, ProgramStore, RenameResult, SaveResult, Store,
} from './store.ts';

const CHANNEL = 'timeshare_notice';
/** NOTIFY payloads are limited to 8,000 bytes; notices are one line of text, far below. */
const MAX_NOTICE = 7000;

interface AccountRow { name: string; password: string; operator: boolean; budget: number | null; created_at: number; last_login: number | null; max_jobs: number | null; max_core: number | null; max_storage: number | null }

const toAccount = (r: AccountRow): Account => ({
  name: r.name, password: r.password, operator: r.operator, budget: r.budget, createdAt: r.created_at, lastLogin: r.last_login,
  limits: { jobs: r.max_jobs ?? null, core: r.max_core ?? null, storage: r.max_storage ?? null },
});

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

export class PgStore implements Store {
  readonly kind = 'postgres';
  readonly where: string;
  readonly accounts: AccountStore;
  readonly programs: ProgramStore;
  readonly ledger: PgLedger;
  readonly cluster: ClusterStore;
  readonly hotel: PgHotel;
  readonly leases: PgPurses;
  readonly db: PgDb;
  private readonly notices = new LocalNotices();
  private listener: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private backoff = 250;

  /** Connects, migrates (once across hosts: an advisory lock), and returns the store. */
  static async open(url: string, opts: { migrations?: readonly PgMigration[]; poolSize?: number } = {}): Promise<PgStore> {
    const pool = makePool(url, opts.poolSize);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
    try {
      await migratePg(client, opts.migrations ?? PG_MIGRATIONS);
    } catch (err) {
      client.release(err as Error);
      await pool.end().catch(() => {});
      throw err;
    }
    client.release();
    return new PgStore(url, new PgDb(pool));
  }

  /** Job numbers: a counter shared by every host on the database. */
  nextJobNumber(count?: number): Promise<number> {
    return this.hotel.nextJobNumber(count);
  }

  private constructor(private readonly url: string, db: PgDb) {
    this.where = redactUrl(url);
    this.db = db;
    this.ledger = new PgLedger(db);
    this.hotel = new PgHotel(db);
    this.leases = new PgPurses(db);

    this.accounts = {
      get: async (name) => {
        const r = await db.q<AccountRow>('SELECT * FROM accounts WHERE name = $1', [name]);
        return r.rows[0] ? toAccount(r.rows[0]) : null;
      },
      create: async (a) => {
        const r = await db.q(`INSERT INTO accounts (name, password, operator, budget, created_at) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (name) DO NOTHING`, [a.name, a.password, a.operator ?? false, a.budget ?? null, Date.now()]);
        return r.rowCount === 1;
      },
      recordLogin: async (name, at) => {
        // the previous value, read and replaced in one statement (FOR UPDATE: two hosts logging the
        // same user in at once each get a distinct "last login")
        const r = await db.q<{ last_login: number | null }>(`WITH old AS (SELECT last_login FROM accounts WHERE name = $2 FOR UPDATE)
          UPDATE accounts SET last_login = $1 FROM old WHERE accounts.name = $2 RETURNING old.last_login`, [at, name]);
        return r.rows[0]?.last_login ?? null;
      },
      setBudget: async (name, budget) => (await db.q('UPDATE accounts SET budget = $1 WHERE name = $2', [budget, name])).rowCount === 1,
      setLimits: async (name, l) => {
        const cols = ([['jobs', 'max_jobs'], ['core', 'max_core'], ['storage', 'max_storage']] as const).filter(([k]) => l[k] !== undefined);
        if (!cols.length) return (await db.q('SELECT 1 FROM accounts WHERE name = $1', [name])).rowCount === 1;
        const sets = cols.map(([, c], i) => `${c} = $${i + 1}`).join(', ');
        return (await db.q(`UPDATE accounts SET ${sets} WHERE name = $${cols.length + 1}`, [...cols.map(([k]) => l[k] ?? null), name])).rowCount === 1;
      },
      setPassword: async (name, password) => (await db.q('UPDATE accounts SET password = $1 WHERE name = $2', [password, name])).rowCount === 1,
      list: async () => (await db.q<AccountRow>('SELECT * FROM accounts ORDER BY name')).rows.map(toAccount),
    };

    this.programs = {
      list: async (owner): Promise<ProgramInfo[]> => {
        const r = await db.q<{ name: string; lang: ProgramLang; size: number; saved_at: number }>(
          'SELECT name, lang, length(text) AS size, saved_at FROM programs WHERE owner = $1 ORDER BY name COLLATE "C"', [owner]);
        return r.rows.map((p) => ({ name: p.name, lang: p.lang, size: p.size, savedAt: p.saved_at }));
      },
      get: async (owner, name): Promise<Program | null> => {
        const r = await db.q<{ owner: string; name: string; lang: ProgramLang; text: string; size: number; saved_at: number; dialect: string | null }>(
          'SELECT owner, name, lang, text, length(text) AS size, saved_at, dialect FROM programs WHERE owner = $1 AND name = $2', [owner, name]);
        const p = r.rows[0];
        return p ? { owner: p.owner, name: p.name, lang: p.lang, text: p.text, size: p.size, savedAt: p.saved_at, dialect: p.dialect } : null;
      },
      save: async (owner, p, replace): Promise<SaveResult> => {
        if (!replace) {
          const r = await db.q(`INSERT INTO programs (owner, name, lang, text, saved_at, dialect) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (owner, name) DO NOTHING`, [owner, p.name, p.lang, p.text, Date.now(), p.dialect ?? null]);
          return r.rowCount === 1 ? 'saved' : 'duplicate';
        }
        // xmax = 0 on the returned row: it was inserted, not updated
        const r = await db.q<{ inserted: boolean }>(`INSERT INTO programs (owner, name, lang, text, saved_at, dialect) VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (owner, name) DO UPDATE SET lang = excluded.lang, text = excluded.text, saved_at = excluded.saved_at, dialect = excluded.dialect
          RETURNING (xmax = 0) AS inserted`, [owner, p.name, p.lang, p.text, Date.now(), p.dialect ?? null]);
        return r.rows[0]!.inserted ? 'saved' : 'replaced';
      },
      delete: async (owner, name) => (await db.q('DELETE FROM programs WHERE owner = $1 AND name = $2', [owner, name])).rowCount === 1,
      rename: async (owner, from, to, lang): Promise<RenameResult> => {
        try {
          const r = await db.q('UPDATE programs SET name = $3, lang = $4, saved_at = $5 WHERE owner = $1 AND name = $2', [owner, from, to, lang, Date.now()]);
          return r.rowCount === 1 ? 'renamed' : 'missing';
        } catch (err) {
          if ((err as { code?: string }).code === '23505') return 'duplicate'; // unique_violation: `to` exists
          throw err;
        }
      },
    };

    this.cluster = {
      beat: async (st: HostStatus) => {
        await db.q(`INSERT INTO hosts (name, boot, beat_at, status) VALUES ($1, $2, $3, $4)
          ON CONFLICT (name) DO UPDATE SET boot = excluded.boot, beat_at = excluded.beat_at, status = excluded.status`,
        [st.host, st.boot, st.beatAt, JSON.stringify(st)]);
      },
      hosts: async () => (await db.q<{ status: HostStatus }>('SELECT status FROM hosts ORDER BY name')).rows.map((r) => r.status),
      forget: async (host) => void (await db.q('DELETE FROM hosts WHERE name = $1', [host])),
      notify: async (n: Notice) => {
        const payload = JSON.stringify(n);
        if (Buffer.byteLength(payload) > MAX_NOTICE) throw new Error('notice too long');
        await db.q('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      },
      listen: (fn) => {
        const off = this.notices.on(fn);
        this.startListening();
        return off;
      },
    };
  }

  /** The LISTEN connection: one per store, opened on the first listener, re-opened when it drops. */
  private startListening(): void {
    if (this.listening || this.closed) return;
    this.listening = true;
    void this.connectListener();
  }

  private async connectListener(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client(clientConfig(this.url));
    const again = () => {
      if (this.listener === c) this.listener = null;
      c.removeAllListeners('notification');
      c.end().catch(() => {});
      if (this.closed || this.retry) return;
      this.retry = setTimeout(() => {
        this.retry = null;
        void this.connectListener();
      }, this.backoff);
      this.retry.unref();
      this.backoff = Math.min(this.backoff * 2, 5000);
    };
    c.on('error', again);
    c.on('end', again);
    c.on('notification', (m) => {
      if (m.channel !== CHANNEL || !m.payload) return;
      try {
        this.notices.emit(JSON.parse(m.payload) as Notice);
      } catch {
        // not one of ours
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      this.listener = c;
      this.backoff = 250;
    } catch {
      again();
    }
  }

  /** True while the LISTEN connection is up (tests wait for it before notifying). */
  get listeningNow(): boolean {
    return this.listener !== null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const l = this.listener;
    this.listener = null;
    if (l) {
      l.removeAllListeners();
      l.on('error', () => {});
      await l.end().catch(() => {});
    }
    await this.db.pool.end().catch((err: unknown) => {
      throw wrap(err);
    });
  }
}
