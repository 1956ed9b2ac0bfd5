// `npm run bench -- web [--jobs N] [--requests R]`: how long "My bill" takes to get its data for a
// user with N jobs this month (default 10,000; the target is 100 ms).
//
// The ledger is filled the way the server fills it: the accountant charges every job at three
// checkpoints and its end (CPU and core-time entries), spread over this month's days so far, and
// flushes to the SQLite file a real server then opens. The server is the real one (a child
// process, as `npm start` runs it); the client logs in on the web and times GET /api/bill
// (statement from the ledger, JSON of every job line) over HTTP, R times after one warm-up.
// Also timed: the JSON download (what `npm run bills --format json` prints for the user).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { Accountant } from '../../server/accounting/accountant.ts';
import { loadRates } from '../../server/accounting/rates.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { spawnServer } from '../e2e/spawn.ts';
import { cookieOf, http } from '../web/http.ts';
import { median, option } from './_util.ts';

const CLOCK = 10_000_000;

export async function main(args: string[]): Promise<void> {
  const jobs = option(args, '--jobs', 10_000);
  const requests = option(args, '--requests', 20);
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-bench-web-'));
  try {
    const store = SqliteStore.open(dir);
    await store.accounts.create({ name: 'HEAVY', password: await hashPassword('heavypw', 16) });
    await store.accounts.create({ name: 'LIGHT', password: await hashPassword('lightpw', 16) });
    const rates = loadRates(undefined, CLOCK);
    const acct = new Accountant({ ledger: store.ledger, rates, bootId: 'bench', budgetOf: async () => null });
    const now = Date.now();
    const today = new Date(now);
    const monthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
    const span = Math.max(1, now - monthStart - 60_000);
    const t0 = performance.now();
    const all = jobs + Math.floor(jobs / 10);
    for (let j = 1; j <= all; j++) {
      // HEAVY runs `jobs` jobs; LIGHT one for every ten of them, in between
      const owner = j % 11 === 0 ? 'LIGHT' : 'HEAVY';
      const at = monthStart + Math.floor((span * j) / (all + 1));
      acct.jobStarted(j, owner, null, `PROG${j % 37}`);
      const cycles = 1_000_000 + ((j * 7919) % 50_000_000);
      // a job of about four seconds holding a 4,096-word partition, checkpointed every second
      const m = (c: number, ms: number, k: number): Meters => ({ cycles: c, svcs: k, coreWords: 4096, coreWordCycles: c * 4096, coreWordMs: 4096 * ms, outputChars: 10 * k, startedAt: at });
      for (let k = 1; k <= 3; k++) acct.checkpoint([{ job: j, meters: m(Math.floor((cycles * k) / 4), k * 1000, k) }], at + k * 1000);
      acct.jobEnded(j, m(cycles, 4000, 4), at + 4000);
      if (j % 1000 === 0) await acct.flush();
    }
    await acct.flush();
    const rows = (store.db.prepare('SELECT COUNT(*) AS n FROM ledger').get() as { n: number }).n;
    const heavyJobs = all - Math.floor(all / 11);
    console.log(`ledger: ${rows} entries for ${all} jobs (${heavyJobs} of them HEAVY's) this month, written in ${Math.round(performance.now() - t0)} ms`);
    await store.close();

    const server = await spawnServer([], dir, { built: true });
    try {
      const base = server.url.replace(/^ws/, 'http');
      const login = await http(base, 'POST', '/login', { headers: { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=HEAVY&password=heavypw' });
      if (login.status !== 303) throw new Error(`login failed: ${login.status}`);
      const cookie = cookieOf(login);
      const timeGet = async (path: string) => {
        const t = performance.now();
        const r = await http(base, 'GET', path, { headers: { Cookie: cookie } });
        const ms = performance.now() - t;
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 200)}`);
        return { ms, bytes: r.raw.length, body: r.body };
      };
      // the first load of the month reads it from the ledger (the grouping queries BILL uses);
      // later loads add up the running sums
      const warm = await timeGet('/api/bill');
      console.log(`first GET /api/bill after start (reads the month from the ledger): ${warm.ms.toFixed(1)} ms`);
      const data = JSON.parse(warm.body) as { jobs: unknown[]; total: number };
      if (data.jobs.length !== heavyJobs) throw new Error(`expected ${heavyJobs} job lines, got ${data.jobs.length}`);
      const bill: number[] = [];
      for (let i = 0; i < requests; i++) bill.push((await timeGet('/api/bill')).ms);
      const dl: number[] = [];
      for (let i = 0; i < Math.min(5, requests); i++) dl.push((await timeGet('/api/bill.json')).ms);
      const sorted = [...bill].sort((a, b) => a - b);
      const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
      console.log(`GET /api/bill for ${heavyJobs} jobs: median ${median(bill).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms over ${requests} requests (${(warm.bytes / 1024).toFixed(0)} KiB of JSON; target 100 ms)`);
      console.log(`GET /api/bill.json (the bills CLI's JSON): median ${median(dl).toFixed(1)} ms`);
      console.log(`(a shared 2-core machine, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}: figures are noisy; quote the median)`);
      console.log(JSON.stringify({
        bench: 'web', jobs: heavyJobs, ledgerEntries: rows, requests, firstBillMs: Math.round(warm.ms * 10) / 10, billMedianMs: Math.round(median(bill) * 10) / 10, billP95Ms: Math.round(p95 * 10) / 10,
        billMaxMs: Math.round(sorted[sorted.length - 1] * 10) / 10, billBytes: warm.bytes, downloadJsonMedianMs: Math.round(median(dl) * 10) / 10, targetMs: 100, pass: median(bill) <= 100,
      }));
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
