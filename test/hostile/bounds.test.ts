// Every user is bounded, through the real server: live jobs per user (and an operator's LIMIT),
// core per user, core charged by wall time held (a sleeping job pays for its core), budgets that
// hold with 20 jobs in large partitions, and a storage quota.
import { untilReply } from '../helpers/until.ts';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import { Pool, login, typeProgram, type ServerProcess, type Term } from './server.ts';
import { until as waitUntil } from '../helpers/until.ts';

const pool = new Pool();
afterAll(() => pool.cleanup());

const SLEEPER = ['start: LI r1, 60000', 'SVC SLEEP', 'JMP start'];
const hog = (words: number) => ['start: ADD r1, r1, 1', 'JMP start', `pad: .space ${words}`];

/** A server whose data already holds the operator OPER (password "operpw"). */
async function serverWithOperator(args: string[]): Promise<ServerProcess> {
  const s0 = await pool.server();
  await s0.stop();
  pool.servers.pop();
  const store = SqliteStore.open(s0.dir);
  await store.accounts.create({ name: 'OPER', password: await hashPassword('operpw', 16), operator: true });
  await store.close();
  return pool.server(args, s0.dir);
}

async function user(url: string, name: string, pw = 'secret', register = true): Promise<Term> {
  const t = await login(url, name, pw, register);
  pool.terms.push(t);
  return t;
}

/** The ledger's sums for a user, by kind (micro-dollars and quantities). */
function ledger(dir: string, user: string): Record<string, { amount: number; quantity: number }> {
  const db = new Database(join(dir, 'timeshare.db'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT kind, SUM(amount) AS amount, SUM(quantity) AS quantity FROM ledger WHERE user = ? GROUP BY kind`).all(user) as { kind: string; amount: number; quantity: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, { amount: r.amount, quantity: r.quantity }]));
  } finally {
    db.close();
  }
}


describe('bounds per user', () => {
  it('live jobs: a SUBMIT or RUN past the cap is refused at once; an operator raises one user\'s cap', async () => {
    const s = await serverWithOperator(['--max-jobs', '3']);
    const op = await user(s.url, 'oper', 'operpw', false);
    const t = await user(s.url, 'dan');
    await typeProgram(t, 'SLEEP.S', SLEEPER);
    expect(await t.command('SAVE')).toContain('SLEEP.S SAVED.');
    for (let i = 0; i < 3; i++) expect(await t.command('SUBMIT SLEEP.S')).toMatch(/JOB \d+ SUBMITTED/);
    expect(await t.command('SUBMIT SLEEP.S')).toContain('YOU HAVE 3 JOBS (3 AT MOST). WAIT FOR ONE TO END, OR KILL ONE (SEE JOBS).');
    expect(await t.command('RUN')).toContain('YOU HAVE 3 JOBS (3 AT MOST).');
    // at the cap the refusal comes before the program is looked for: a SUBMIT loop costs the store nothing
    expect(await t.command('SUBMIT NOSUCH.S')).toContain('YOU HAVE 3 JOBS (3 AT MOST).');
    expect(await op.command('LIMIT DAN JOBS 5')).toContain('DAN: JOBS 5, CORE 1048576 (DEFAULT) WORDS, STORAGE 1000000 (DEFAULT) WORDS.');
    for (let i = 0; i < 2; i++) expect(await t.command('SUBMIT SLEEP.S')).toMatch(/JOB \d+ SUBMITTED/);
    expect(await t.command('SUBMIT SLEEP.S')).toContain('YOU HAVE 5 JOBS (5 AT MOST)');
    const other = await user(s.url, 'eli'); // another user is not affected
    await typeProgram(other, 'SLEEP.S', SLEEPER);
    await other.command('SAVE');
    expect(await other.command('SUBMIT SLEEP.S')).toMatch(/JOB \d+ SUBMITTED/);
    expect(await op.command('LIMIT DAN JOBS DEFAULT')).toContain('DAN: JOBS 3 (DEFAULT)');
    expect(await t.command('LIMIT DAN JOBS 99')).toMatch(/WHAT\? LIMIT IS NOT A COMMAND/);
  });

  it('core: a user\'s jobs may hold their core limit and no more; core is charged by wall time held, asleep or not', async () => {
    const s = await pool.server(['--max-core-per-user', '40000']);
    const t = await user(s.url, 'fay');
    await typeProgram(t, 'BIG.S', ['start: LI r1, 60000', 'SVC SLEEP', 'JMP start', 'pad: .space 30000']);
    await t.command('SAVE');
    const first = Number(/JOB (\d+) SUBMITTED/.exec(await t.command('SUBMIT BIG.S'))![1]);
    await t.command('SUBMIT BIG.S');
    const out = await untilReply(t, 'OLD BIG.S.OUT', (o) => o.includes('LOADED'));
    expect(out).toContain('BIG.S.OUT');
    expect(await t.command('LIST')).toMatch(/PROGRAM NEEDS \d+ WORDS OF CORE; YOUR JOBS HOLD \d+ AND YOUR LIMIT IS 40000 WORDS/);
    // the first one sleeps, holding 30,000-odd words; once two seconds of them are charged, it goes
    await waitUntil(() => (ledger(s.dir, 'FAY').core?.quantity ?? 0) >= 30_000 * 2_000, "two seconds of the sleeper's core charged", 30_000, 100);
    expect(await t.command(`KILL ${first}`)).toContain(`JOB ${first} KILLED.`);
    await untilReply(t, 'JOBS', (o) => o.includes('NO JOBS.'));
    await new Promise((r) => setTimeout(r, 600)); // the ledger's next flush
    const l = ledger(s.dir, 'FAY');
    // at least 30,000 words x 2,000 ms (word-ms), though it used almost no CPU
    expect(l.core.quantity).toBeGreaterThanOrEqual(30_000 * 2_000);
    expect(l.core.amount).toBeGreaterThanOrEqual(120_000); // 60 KCS at $0.002
    expect(l.cpu.amount).toBeLessThan(1_000);
  });

  it('a $0.10 budget holds with 20 jobs in 40,000-word partitions, whatever the host\'s load: CPU and core never pass it', async () => {
    const s = await serverWithOperator([]);
    const op = await user(s.url, 'oper', 'operpw', false);
    const t = await user(s.url, 'gus');
    expect(await op.command('BUDGET GUS 0.10')).toContain('GUS: BUDGET $0.100000 A MONTH.');
    await typeProgram(t, 'HOG.S', hog(40_000));
    await t.command('SAVE');
    for (let i = 0; i < 20; i++) {
      const r = await t.command('SUBMIT HOG.S');
      expect(r).toMatch(/JOB \d+ SUBMITTED|BUDGET EXHAUSTED/);
    }
    await untilReply(t, 'JOBS', (o) => o.includes('NO JOBS.'), 60_000);
    await new Promise((r) => setTimeout(r, 1500)); // the last charges reach the ledger
    const l = ledger(s.dir, 'GUS');
    const jobs = (l.cpu?.amount ?? 0) + (l.core?.amount ?? 0);
    console.log(`20 jobs, $0.10 budget: CPU ${l.cpu?.amount} + core ${l.core?.amount} = ${jobs} micro-dollars`);
    // The mainframe checks the purse in its own time (cycles, and core paid ahead: monitor.ts
    // grant()), so a starved thread cannot let core run on past it. What remains is rounding: each
    // job's charge of each kind is rounded to the micro-dollar (half a micro-dollar at most), and
    // these jobs make no supervisor call (whose own charge comes after it has run).
    expect(jobs).toBeLessThanOrEqual(100_000 + 20);
    expect(jobs).toBeGreaterThan(90_000); // the budget was used, not refused at the door
    // The purse stops jobs when it cannot pay for two more milliseconds of their core; a later job
    // may use what is left, and no more.
    expect(await t.command('SUBMIT HOG.S')).toMatch(/JOB \d+ SUBMITTED|BUDGET EXHAUSTED/);
    await untilReply(t, 'JOBS', (o) => o.includes('NO JOBS.'), 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    const l2 = ledger(s.dir, 'GUS');
    expect((l2.cpu?.amount ?? 0) + (l2.core?.amount ?? 0)).toBeLessThanOrEqual(100_000 + 21);
  });

  it('storage: SAVE past the quota is refused and the workspace kept; an operator gives a user more', async () => {
    const s = await serverWithOperator(['--storage-quota', '300']);
    const op = await user(s.url, 'oper', 'operpw', false);
    const t = await user(s.url, 'hal');
    await typeProgram(t, 'ONE', [`10 PRINT "${'A'.repeat(150)}"`, '20 END']);
    expect(await t.command('SAVE')).toContain('ONE SAVED.');
    await typeProgram(t, 'TWO', [`10 PRINT "${'B'.repeat(150)}"`, '20 END']);
    expect(await t.command('SAVE')).toMatch(/TWO WAS NOT SAVED: IT HAS \d+ CHARACTERS AND YOUR OTHER FILES \d+; YOUR QUOTA IS 300\./);
    expect(await t.command('LIST 10')).toContain('B'.repeat(150));
    expect(await op.command('LIMIT HAL STORAGE 1000')).toContain('STORAGE 1000 WORDS');
    expect(await t.command('SAVE')).toContain('TWO SAVED.');
  });

  it('a session shorter than ten seconds is charged its connect time, even when the server is killed -9', async () => {
    const s = await pool.server([]);
    const t = await user(s.url, 'ida');
    await new Promise((r) => setTimeout(r, 2600));
    expect(await t.command('HELP')).toContain('COMMANDS');
    s.child.kill('SIGKILL');
    await new Promise<void>((r) => (s.child.exitCode !== null || s.child.signalCode !== null ? r() : s.child.once('exit', () => r())));
    const l = ledger(s.dir, 'IDA');
    // checkpointed every second for the first ten: at most about a second of it is lost
    expect(l.connect.quantity).toBeGreaterThanOrEqual(1_000);
  });
});
