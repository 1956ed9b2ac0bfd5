// Starts a real PostgreSQL server for tests and benchmarks: a fresh cluster (initdb) in a temporary
// folder, on a free loopback port, its socket in that folder too. PostgreSQL refuses to run as
// root, so as root it runs as the `postgres` OS user (runuser). Nothing here skips: if the
// binaries are missing or the server does not start, the error says why and the tests fail.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** A fresh, empty database on this server; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown: connections are cut, as when the database goes away). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/** The folder holding postgres, initdb and pg_ctl: $PG_BIN, PATH, or Debian's /usr/lib/postgresql/N/bin. */
export function pgBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  for (const d of (process.env.PATH ?? '').split(':')) if (d) candidates.push(d);
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // no Debian packages
  }
  for (const d of candidates) if (existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')) && existsSync(join(d, 'postgres'))) return d;
  throw new Error('PostgreSQL is not installed (no initdb/pg_ctl/postgres on PATH, in $PG_BIN or /usr/lib/postgresql/*/bin); `.ci/run` installs it with apt-get install postgresql');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function asPostgres(bin: string, args: string[]): { cmd: string; args: string[] } {
  return isRoot() ? { cmd: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] } : { cmd: bin, args };
}

function run(bin: string, args: string[]): void {
  const c = asPostgres(bin, args);
  try {
    execFileSync(c.cmd, c.args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`${[bin, ...args].join(' ')} failed: ${e.stderr?.toString() || e.stdout?.toString() || e.message}`);
  }
}

async function waitReady(url: string, ms: number, child: () => ChildProcess | null, logFile: string): Promise<void> {
  const until = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < until) {
    const c = child();
    if (c && c.exitCode !== null) break;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let log = '';
  try {
    log = execFileSync('tail', ['-n', '20', logFile]).toString();
  } catch {
    // no log yet
  }
  throw new Error(`PostgreSQL did not start (${(last as Error)?.message ?? 'exited'}):\n${log}`);
}

/** Starts a private PostgreSQL server. Call destroy() when done. */
export async function startPostgres(opts: { port?: number } = {}): Promise<PgServer> {
  const bin = pgBinDir();
  const base = mkdtempSync(join(tmpdir(), 'timeshare-pg-'));
  const data = join(base, 'data');
  const logFile = join(base, 'server.log');
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(base, uid, gid);
  }
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = opts.port ?? (await freePort());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;

  const start = async () => {
    // The server runs as our child (not pg_ctl's daemon) so its exit is seen at once. Trust
    // authentication is safe here: it listens on loopback only, in a throwaway cluster.
    const c = asPostgres(join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', base,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=200', '-c', 'shared_buffers=32MB', '-c', `log_destination=stderr`,
    ]);
    const fd = openSync(logFile, 'a');
    child = spawn(c.cmd, c.args, { stdio: ['ignore', fd, fd] });
    // not unref'd: a test process waiting for the server must not exit under it
    await waitReady(url, 30_000, () => child, logFile);
  };

  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    // "fast" shutdown: clients are disconnected at once, as when a database server goes away
    run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
    await exited;
  };

  await start();
  let dbSeq = 0;
  return {
    url,
    port,
    async createDatabase(prefix = 'ts') {
      const name = `${prefix}_${process.pid}_${++dbSeq}_${Date.now().toString(36)}`.toLowerCase();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
