// `npm run bench -- cluster [--lines N] [--busy N] [--seconds S] [--procs P]`: two Timeshare servers
// (each its own process and mainframe) on one real PostgreSQL, N lines each (default 1,000),
// against one server on the same PostgreSQL with N lines:
//  - login rate: N users register and log in on each host at once (the real dialog, tiny scrypt
//    cost, so the figure is the store's and the front end's, not the password hash's);
//  - ledger entries per second: rows the hosts wrote to the shared ledger while measured (connect
//    time of every line, CPU and core-time of `--busy` paced jobs per host), and the raw append
//    capacity of the PostgreSQL ledger with one and with two writers (128-entry batches);
//  - echo p99 on each host: every line types 10 characters a second, as in `bench echo`.
// Human lines, then one JSON object as the last line. PostgreSQL runs on the same two cores as the
// servers and the clients; the machine is shared, so figures are noisy: compare within one run.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { removeDir, spawnServer, type ServerProcess } from '../e2e/spawn.ts';
import { loginMany } from '../e2e/many.ts';
import { startPostgres, type PgServer } from '../helpers/postgres.ts';
import { type EchoFigures, TypistsPool, show } from './_typists-pool.ts';
import { Meter } from '../../server/accounting/meter.ts';
import { RateBook } from '../../server/accounting/rates.ts';
import { PgStore } from '../../server/store/postgres.ts';
import type { LedgerEntry } from '../../server/store/ledger.ts';

const WARMUP_MS = 2000;

interface HostFigures {
  host: string;
  logins: number;
  login_s: number;
  logins_per_s: number;
  ledger_entries_per_s: number;
  echo: EchoFigures;
}

async function ledgerRows(db: string): Promise<Map<string, number>> {
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    const r = await c.query<{ host: string; n: string }>('SELECT host, COUNT(*) AS n FROM ledger GROUP BY host');
    return new Map(r.rows.map((x) => [x.host, Number(x.n)]));
  } finally {
    await c.end();
  }
}

/** `names.length` hosts on a fresh database of `server`; logins, ledger rate and echo on each at once. */
async function runHosts(server: PgServer, names: string[], lines: number, busy: number, seconds: number, procs: number): Promise<HostFigures[]> {
  const db = await server.createDatabase('bench');
  const hosts: ServerProcess[] = [];
  try {
    // one at a time: the first migrates the database
    for (const n of names) hosts.push(await spawnServer(['--store', db, '--system-name', n, '--max-lines', String(2 * lines + busy + 20), '--log-level', 'warn'], undefined, { paced: true, built: true }));
    // logins: every host at once
    const logins = await Promise.all(hosts.map(async (h, i) => {
      const t0 = performance.now();
      const terms = await loginMany(h.url, lines, `l${names[i]}x`);
      const s = (performance.now() - t0) / 1000;
      for (const t of terms) t.close();
      return s;
    }));
    // paced CPU-bound jobs: ledger traffic besides every line's connect time
    const jobs = await Promise.all(hosts.map((h, i) => loginMany(h.url, busy, `b${names[i]}x`)));
    for (const t of jobs.flat()) t.send('NEW LOOP.S\r10 start: ADD r1, r1, 1\r20 JMP start\rRUN\r');
    const pools = await Promise.all(hosts.map((h, i) => TypistsPool.start(h.url, lines, procs, 'login', `t${names[i]}x`)));
    try {
      const before = await ledgerRows(db);
      const t0 = performance.now();
      const echoes = await Promise.all(pools.map((p) => p.measure(WARMUP_MS, seconds)));
      const elapsed = (performance.now() - t0) / 1000;
      const after = await ledgerRows(db);
      return names.map((n, i) => ({
        host: n,
        logins: lines,
        login_s: Math.round(logins[i]! * 100) / 100,
        logins_per_s: Math.round(lines / logins[i]!),
        ledger_entries_per_s: Math.round(((after.get(n) ?? 0) - (before.get(n) ?? 0)) / elapsed),
        echo: echoes[i]!,
      }));
    } finally {
      await Promise.all(pools.map((p) => p.stop()));
      for (const t of jobs.flat()) t.close();
    }
  } finally {
    for (const h of hosts) {
      await h.stop();
      removeDir(h.dir);
    }
  }
}

/** Entries a second the PostgreSQL ledger takes from `writers` concurrent hosts in 128-entry batches. */
async function appendCapacity(server: PgServer, writers: number, seconds: number): Promise<number> {
  const db = await server.createDatabase('cap');
  const stores = [];
  for (let i = 0; i < writers; i++) stores.push(await PgStore.open(db));
  const rates = new RateBook({ timeZone: 'UTC', primeStartHour: 8, primeEndHour: 18, schedules: [{ effective: '1970-01-01', cpuPerMinute: 2_000_000, connectPerHour: 2_000_000, perKcs: 2_000, storagePerKWordMonth: 1_000_000, offPrimeDiscountPct: 0 }] }, 10_000_000);
  try {
    const until = performance.now() + seconds * 1000;
    const counts = await Promise.all(stores.map(async (s, w) => {
      const m = new Meter(rates);
      let n = 0;
      let cycles = 0;
      while (performance.now() < until) {
        const batch: LedgerEntry[] = [];
        cycles += 1000;
        for (let j = 0; j < 64; j++) {
          for (const e of m.job({ user: `U${j}`, session: null, job: `W${w}.J${j}`, jobNo: j, jobName: 'X' }, { cycles, svcs: 0, coreWords: 4096, coreWordCycles: cycles * 4096, coreWordMs: Math.round((cycles * 4096) / 10_000), outputChars: 0, startedAt: 0 }, Date.now())) batch.push({ ...e, host: `W${w}` });
        }
        n += await s.ledger.append(batch);
      }
      return n;
    }));
    return Math.round(counts.reduce((a, b) => a + b, 0) / seconds);
  } finally {
    for (const s of stores) await s.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      lines: { type: 'string', default: '1000' },
      busy: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '10' },
      procs: { type: 'string', default: '1' },
    },
  });
  const lines = Number(values.lines);
  const busy = Number(values.busy);
  const seconds = Number(values.seconds);
  const procs = Number(values.procs);
  console.log(`PostgreSQL ${''}on loopback; ${lines} lines per host typing 10 characters a second, ${busy} paced CPU-bound jobs per host, ${seconds} s measured after ${WARMUP_MS / 1000} s of warm-up`);
  const server = await startPostgres();
  try {
    const capacity1 = await appendCapacity(server, 1, 3);
    const capacity2 = await appendCapacity(server, 2, 3);
    console.log(`ledger append capacity (128-entry batches): one writer ${capacity1} entries/s, two writers ${capacity2} entries/s`);
    const [single] = await runHosts(server, ['SOLO'], lines, busy, seconds, procs);
    const s = single!;
    console.log(`single host ${s.host}: ${s.logins} logins in ${s.login_s} s (${s.logins_per_s}/s); ${s.ledger_entries_per_s} ledger entries/s`);
    console.log(show(`  echo, single host`, s.echo));
    const cluster = await runHosts(server, ['ALPHA', 'BETA'], lines, busy, seconds, procs);
    for (const h of cluster) {
      console.log(`cluster host ${h.host}: ${h.logins} logins in ${h.login_s} s (${h.logins_per_s}/s); ${h.ledger_entries_per_s} ledger entries/s`);
      console.log(show(`  echo, ${h.host}`, h.echo));
    }
    const p99 = cluster.map((h) => h.echo.p99_ms);
    console.log(`echo p99 per host vs single host: ${cluster.map((h) => `${h.host} ${(h.echo.p99_ms / s.echo.p99_ms).toFixed(2)}x`).join(', ')}`);
    console.log(JSON.stringify({
      bench: 'cluster', lines_per_host: lines, busy_jobs_per_host: busy, seconds,
      ledger_append_capacity: { one_writer_per_s: capacity1, two_writers_per_s: capacity2 },
      single: s,
      cluster,
      cluster_logins_per_s: cluster.reduce((a, h) => a + h.logins_per_s, 0),
      cluster_ledger_entries_per_s: cluster.reduce((a, h) => a + h.ledger_entries_per_s, 0),
      echo_p99_ratio_vs_single: p99.map((x) => Math.round((x / s.echo.p99_ms) * 100) / 100),
    }));
  } finally {
    await server.destroy();
  }
}
