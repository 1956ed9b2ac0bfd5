// Accounting end to end: the real server process, real terminals. TIME after RUN, BILL, the BYE
// summary, budgets set by an operator, and a SIGKILL while 20 jobs run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Term } from '../frontend/client.ts';
import { Pool } from '../e2e/pool.ts';
import { ROOT, type ServerProcess } from '../e2e/spawn.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import { DEFAULT_CONFIG } from '../../server/monitor/config.ts';
import { FLUSH_MS } from '../../server/accounting/attach.ts';

const pool = new Pool();
afterEach(() => pool.cleanup());

const server = (dir?: string): Promise<ServerProcess> => pool.server([], dir);
const user = (url: string, name: string, register = true): Promise<Term> => pool.user(url, name, 'secret', register);
const HELLO = readFileSync(join(ROOT, 'server/machine/examples/hello.s'), 'utf8').split('\n').filter((r) => r.trim()).map((r, i) => `${(i + 1) * 10} ${r}\r`).join('');
const LOOP = '10 start: JMP start';
const micros = (s: string) => { const [w, f] = s.split('.'); return Number(w) * 1_000_000 + Number(f); };

/** CPU charges by job, each job's in ledger order, checked to overlap nowhere: its cumulative
 *  readings strictly increase and its increments add up to the last one. */
function cpuChargesWithoutOverlap<R extends { job: string; quantity: number; cum: number }>(rows: R[]): Map<string, R[]> {
  const byJob = new Map<string, R[]>();
  for (const r of rows) (byJob.get(r.job) ?? byJob.set(r.job, []).get(r.job)!).push(r);
  for (const [job, es] of byJob) {
    for (let i = 1; i < es.length; i++) expect(es[i]!.cum, job).toBeGreaterThan(es[i - 1]!.cum);
    expect(es.reduce((a, e) => a + e.quantity, 0), job).toBe(es.at(-1)!.cum);
  }
  return byJob;
}

describe('accounting in the server', () => {
  it('types TIME after RUN, a statement for BILL and a summary at BYE', async () => {
    const s = await server();
    const t = await user(s.url, 'alice');
    await t.command('NEW HELLO.S');
    t.send(HELLO);
    await t.command('SAVE');
    const run = await t.command('RUN');
    expect(run).toMatch(/HELLO, WORLD\r\n(?:\r\n)?TIME: \d+\.\d\d SECS\.\r\n/);
    const bill = await t.command('BILL');
    expect(bill).toContain('STATEMENT FOR ALICE');
    expect(bill).toMatch(/USAGE BY JOB\r\n.*\r\n +1 HELLO\.S /);
    for (const l of bill.split('\r\n')) expect(l.length).toBeLessThanOrEqual(72);
    expect(await t.command('BILL 2026-13')).toMatch(/BILL WANTS A MONTH LIKE \d{4}-\d\d, NOT 2026-13\./);
    expect(await t.command('BILL 1999-01')).toContain('NO CHARGES THIS MONTH.');
    t.line('BYE');
    const bye = await t.expect(/GOODBYE/);
    if (process.env.SHOW_TRANSCRIPT) console.log(t.out);
    expect(bye).toMatch(/JOB 1, USER ALICE, LINE 1, LOGGED OFF AT \d\d:\d\d:\d\d \d\d-[A-Z]{3}-\d\d\r\nRUNTIME \d+\.\d\d SEC, KCS \d+, CONNECT 0:00:\d\d\r\nCHARGE \$\d+\.\d{6} THIS SESSION\r\n/);
  });

  it('an operator sets budgets: RUN is refused at the budget and a running job is stopped and charged', async () => {
    const s0 = await server();
    await pool.stop(s0);
    const store = SqliteStore.open(s0.dir);
    await store.accounts.create({ name: 'OPER', password: await hashPassword('secret', 16), operator: true });
    await store.close();
    const s = await server(s0.dir);
    const op = await user(s.url, 'oper', false);
    const t = await user(s.url, 'bob');
    expect(await op.command('BUDGET BOB 0.01')).toContain('BOB: BUDGET $0.010000 A MONTH.');
    expect(await op.command('BUDGET NOBODY 5')).toContain('NO USER NOBODY.');
    expect(await op.command('BUDGET BOB LOTS')).toContain('NOT AN AMOUNT: LOTS');
    expect(await t.command('BUDGET BOB 100')).toMatch(/WHAT\? BUDGET IS NOT A COMMAND/);
    await t.command('NEW LOOP.S');
    t.line(LOOP);
    // $0.01 is about a quarter of a CPU second: the job's CPU limit is what the budget can pay
    // for, so the mainframe stops it right there (the checkpoint check is only a backstop).
    const run = await t.command('RUN', 20_000);
    expect(run).toMatch(/\r\nBUDGET EXHAUSTED\r\nTIME: \d+\.\d\d SECS\.\r\nBUDGET EXHAUSTED: \$0\.\d{6} CHARGED THIS MONTH, BUDGET \$0\.01\.\r\nSEE THE OPERATOR/);
    expect(await t.command('RUN')).toMatch(/BUDGET EXHAUSTED: \$0\.\d{6} CHARGED/);
    const bill = await t.command('BILL');
    const total = micros(/TOTAL +(\d+\.\d{6})\r\n\r\nBUDGET/.exec(bill)![1]!);
    expect(total).toBeGreaterThanOrEqual(9_900); // the stopped job was charged up to its end
    // ... and stopped at the budget, not a checkpoint later. The job's own charge is what the budget
    // bounds; connect time goes on accruing while BOB stays logged in (more of it on a busy host).
    const jobs = micros(/ JOBS +(\d+\.\d{6})\r\n/.exec(bill)![1]!);
    // CPU stops exactly at the budget; core-time is charged by wall time on top, so the promise is
    // the budget plus at most one checkpoint (1 s) of this job's 4,096 words: 8,192 micro-dollars.
    expect(jobs).toBeLessThanOrEqual(10_000 + 8_192);
    // The job's CPU limit is what the budget left pays for in CPU; the core-time and connect time
    // its run adds are charged by wall time besides: a slow run (a loaded host, or the JIT before
    // it translated to WebAssembly) ends a little over the budget, a fast one a few micro-dollars
    // under it (it failed once so: "$0.000004 LEFT").
    expect(bill).toMatch(/BUDGET \$0\.01 A MONTH, (EXHAUSTED|\$0\.0000\d\d LEFT)/);
    expect(await op.command('BUDGET BOB')).toMatch(/BOB: BUDGET \$0\.01 A MONTH, \$0\.\d{6} CHARGED THIS MONTH\./);
    expect(await op.command('BUDGET BOB NONE')).toContain('BOB: BUDGET NONE (UNLIMITED).');
    await t.command('NEW HELLO.S');
    t.send(HELLO);
    expect(await t.command('RUN')).toContain('HELLO, WORLD');
  });

  it('after SIGKILL with 20 jobs running: a consistent ledger, nothing charged twice, at most one checkpoint lost', async () => {
    const s = await server();
    const t = await user(s.url, 'carol');
    await t.command('NEW LOOP.S');
    t.line(LOOP);
    await t.command('SAVE');
    for (let i = 0; i < 20; i++) expect(await t.command('SUBMIT LOOP.S')).toMatch(/JOB \d+ SUBMITTED/);
    const db = new Database(join(s.dir, 'timeshare.db'), { readonly: true });
    const jobsCharged = () => (db.prepare(`SELECT COUNT(DISTINCT job) AS n FROM ledger WHERE kind = 'cpu' AND user = 'CAROL'`).get() as { n: number }).n;
    for (let i = 0; i < 200 && jobsCharged() < 20; i++) await new Promise((r) => setTimeout(r, 100));
    expect(jobsCharged()).toBe(20);
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000)); // some moment mid-interval
    const killedAt = Date.now();
    s.child.kill('SIGKILL');
    await pool.stop(s);

    const rows = db.prepare(`SELECT job, kind, quantity, cum, at, key FROM ledger WHERE job IS NOT NULL ORDER BY id`).all() as { job: string; kind: string; quantity: number; cum: number; at: number; key: string }[];
    db.close();
    const byJob = cpuChargesWithoutOverlap(rows.filter((r) => r.kind === 'cpu'));
    expect(byJob.size).toBe(20);
    const checkpointTimes = [...new Set(rows.map((r) => r.at))].sort((a, b) => a - b);
    for (const [job, es] of byJob) {
      // every job was charged up to one of the last two checkpoints in the ledger
      expect(checkpointTimes.slice(-2), job).toContain(es.at(-1)!.at);
    }
    // and the last checkpoint in the ledger is at most one interval (+ a flush, + slack for a busy
    // host) before the kill
    expect(killedAt - checkpointTimes.at(-1)!).toBeLessThan(DEFAULT_CONFIG.checkpointMs + FLUSH_MS + 3000);

    const s2 = await server(s.dir);
    const t2 = await user(s2.url, 'carol', false);
    // The restored jobs run on and are charged for their new work at each checkpoint. BILL writes
    // what is waiting to the ledger, then reads it: the ledger just after must hold that total,
    // unless a checkpoint's charges came in between (one a second; BILL takes milliseconds), when
    // it is asked again.
    const db2 = new Database(join(s.dir, 'timeshare.db'), { readonly: true });
    const ledgerTotal = () => (db2.prepare(`SELECT SUM(amount) AS t FROM ledger WHERE user = 'CAROL'`).get() as { t: number }).t;
    const totals: [number, number][] = [];
    for (let i = 0; i < 10 && !totals.some(([b, l]) => b === l); i++) {
      const bill = await t2.command('BILL');
      totals.push([micros(/TOTAL +(\d+\.\d{6})\r\n(?!.*TOTAL)/s.exec(bill)![1]!), ledgerTotal()]);
    }
    expect(totals.some(([billed, ledger]) => billed === ledger), JSON.stringify(totals)).toBe(true);
    // the restart charged none of the old jobs' work again: over the whole ledger, each job's
    // cumulative readings still strictly increase and its increments add up to the last one
    const all = db2.prepare(`SELECT job, quantity, cum FROM ledger WHERE kind = 'cpu' AND job IS NOT NULL ORDER BY id`).all() as { job: string; quantity: number; cum: number }[];
    const dupStorage = db2.prepare(`SELECT COUNT(*) AS n FROM ledger WHERE kind = 'storage' GROUP BY user, at / 3600000 HAVING n > 1`).all();
    db2.close();
    expect(cpuChargesWithoutOverlap(all).size).toBe(20);
    expect(dupStorage).toEqual([]);
  });
});
