// The connection pool to PostgreSQL and the one place that decides which errors mean "the store is
// unavailable" (the server went away, refused us, or stopped answering) as opposed to a bug or a
// constraint. Every query goes through q() or tx(), so callers see StoreUnavailableError for the
// former and can tell the user in plain words.
import pg from 'pg';
import { StoreUnavailableError } from './store.ts';

/** BIGINT (20) and NUMERIC (1700, what SUM(bigint) returns) as JavaScript numbers: every amount,
 *  cycle count and time stamp in the store is a safe integer (money in micro-dollars). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Client options shared by the pool and the LISTEN connection. */
export function clientConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    types,
    // A database that does not answer must not hold a login or a SAVE for long: fail, say so.
    connectionTimeoutMillis: 3000,
    query_timeout: 15_000,
    keepAlive: true,
    application_name: 'timeshare',
  };
}

export function makePool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url), max, idleTimeoutMillis: 30_000 });
  // An idle client whose server goes away emits 'error'; unheard, that would end the process.
  // The pool drops such a client by itself; the next query gets a fresh one (or fails, and says so).
  pool.on('error', () => {});
  return pool;
}

const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** True for errors that mean the database cannot be reached now (rather than a wrong query). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now;
  // 53300: too many connections
  if (NET_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code === '53300') return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /connection terminated|timeout exceeded when trying to connect|query read timeout|not queryable|connection error|the database system is (starting up|shutting down)/i.test(msg);
}

export function wrap(err: unknown): unknown {
  return isConnectionError(err) ? new StoreUnavailableError(err) : err;
}

export class PgDb {
  constructor(readonly pool: pg.Pool) {}

  async q<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      // nothing was sent: a write certainly did not happen (the ledger writer relies on this)
      throw isConnectionError(err) ? new StoreUnavailableError(err, false) : err;
    }
    try {
      const r = await client.query<R>(text, params);
      client.release();
      return r;
    } catch (err) {
      client.release(isConnectionError(err) ? (err as Error) : undefined);
      throw wrap(err);
    }
  }

  /** Runs fn in one transaction (rolled back if it throws). */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw isConnectionError(err) ? new StoreUnavailableError(err, false) : err;
    }
    let broken: unknown = undefined;
    try {
      await client.query('BEGIN');
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (err) {
      if (isConnectionError(err)) broken = err;
      else await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      throw wrap(err);
    } finally {
      // a client whose connection broke is destroyed rather than returned to the pool
      client.release(broken === undefined ? undefined : (broken as Error));
    }
  }
}
