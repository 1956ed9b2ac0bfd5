// A damaged database, a store that throws, a full disk, errors nobody caught: the server keeps
// serving, says plainly what is wrong, and no job runs unbudgeted.
import { openSync, writeSync, closeSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { SqliteLedger, type Ledger } from '../../server/store/ledger.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import { attachAccounting, type Accounting } from '../../server/accounting/attach.ts';
import { HOOK_REFUSAL } from '../../server/frontend/hub.ts';
import { until } from '../helpers/until.ts';
import { installLastResort } from '../../server/lastresort.ts';
import { RateLimitedLog } from '../../server/ratelog.ts';
import { LedgerWriter } from '../../server/accounting/writer.ts';
import { Pool, login, typeProgram, type Term } from './server.ts';
import { startFrontEnd, type Harness } from '../frontend/harness.ts';
import { FakeMainframe } from '../frontend/fake-mainframe.ts';
import { book } from '../accounting/helpers.ts';

const pool = new Pool();
let h: Harness | null = null;
let acct: Accounting | null = null;
const terms: Term[] = [];
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await acct?.close().catch(() => {});
  acct = null;
  await h?.stop();
  h = null;
  await pool.cleanup();
});

/** A data folder whose ledger pages are overwritten with garbage; ALICE (password "alicepw") is intact. */
async function damagedData(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-damaged-'));
  const store = SqliteStore.open(dir);
  await store.accounts.create({ name: 'ALICE', password: await hashPassword('alicepw', 16) });
  await store.programs.save('ALICE', { name: 'HELLO', lang: 'basic', text: '10 PRINT "HI"\n20 END' }, false);
  const ledger = new SqliteLedger(store.db);
  const entries = Array.from({ length: 4000 }, (_, i) => ({
    key: `k${i}`, user: 'ALICE', session: null, job: `J${i}`, jobNo: i, jobName: 'HELLO', kind: 'cpu', quantity: 1, unit: 'cycles',
    cum: i, rate: 1, per: 1, discount: 0, rateId: '1970-01-01', amount: 1, at: 0, day: '2026-01-01',
  }));
  ledger.appendSync(entries);
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  const root = (store.db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'ledger'`).get() as { rootpage: number }).rootpage;
  await store.close(); // checkpoints the WAL into the file
  const fd = openSync(join(dir, 'timeshare.db'), 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
  closeSync(fd);
  return dir;
}

describe('a damaged database', () => {
  it('is found at start and said plainly; logins work read-only; RUN and SAVE are refused; the server stays up', async () => {
    const dir = await damagedData();
    const srv = await pool.server([], dir);
    const log = srv.stdout();
    expect(log).toMatch(/the database failed its integrity check: serving read-only/);
    const t = await login(srv.url, 'alice', 'alicepw', false);
    terms.push(t);
    expect(t.out).toContain('*** THE SYSTEM IS READ-ONLY: THE DATABASE IS DAMAGED AND AWAITS REPAIR');
    expect(await t.command('OLD HELLO')).toContain('HELLO LOADED.');
    expect(await t.command('LIST')).toContain('10 PRINT "HI"');
    const run = await t.command('RUN');
    expect(run).toContain('NO JOB CAN RUN: THE SYSTEM IS READ-ONLY');
    expect(run).not.toMatch(/^HI\r$/m);
    expect(await t.command('SAVE')).toMatch(/WAS NOT SAVED: THE SYSTEM IS READ-ONLY|DUPLICATE NAME/);
    t.line('10 PRINT "CHANGED"');
    expect(await t.command('REPLACE')).toContain('HELLO WAS NOT SAVED: THE SYSTEM IS READ-ONLY');
    // a stranger cannot register on a read-only system
    const s = await pool.open(srv.url);
    await s.expect('USER NAME--');
    s.line('newbie');
    await s.expect('NO NEW ACCOUNTS CAN BE MADE NOW: THE SYSTEM IS READ-ONLY.');
    expect(await t.command('SYSTAT')).toContain('LINES IN USE');
    expect(srv.child.exitCode).toBeNull();
  });
});

/** The real accountant over a ledger whose reads fail while `broken` is set. */
function brokenLedger(): { ledger: Ledger; broken: { reads: boolean } } {
  const inner = SqliteLedger.memory();
  const broken = { reads: false };
  const ledger = new Proxy(inner, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (prop === 'total' || prop === 'byDay' || prop === 'byJob') {
        return (...a: unknown[]) => {
          if (broken.reads) return Promise.reject(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }));
          return (v as (...x: unknown[]) => unknown).apply(target, a);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { ledger, broken };
}

describe('a store that throws in a hook fails closed', () => {
  it('at login (the month is read in the background) and at RUN: no crash, RUN refused, no job reaches the mainframe', async () => {
    const mf = new FakeMainframe();
    h = await startFrontEnd({}, { mainframe: mf });
    const { ledger, broken } = brokenLedger();
    acct = attachAccounting(h.fe, { ledger, rates: book(), log: h.fe.log });
    broken.reads = true;
    const t = await login(h.url, 'bea');
    terms.push(t);

    await new Promise((r) => setTimeout(r, 50));
    await t.command('NEW P');
    t.line('10 PRINT HELLO');
    const out = await t.command('RUN');
    expect(out).toContain(HOOK_REFUSAL);
    expect(mf.posted.filter((m) => m.t === 'run')).toHaveLength(0);
    expect(h.logs.join('')).toContain('hook failed: the job is refused');
    // the store answers again: RUN works
    broken.reads = false;
    expect(await t.command('RUN')).toContain('HELLO');
  });

  it('a user with a budget whose budget cannot be read gets no job at all (jobLimit), and the line goes on', async () => {
    const mf = new FakeMainframe();
    h = await startFrontEnd({}, { mainframe: mf });
    acct = attachAccounting(h.fe, { ledger: SqliteLedger.memory(), rates: book(), log: h.fe.log });
    const t = await login(h.url, 'cal');
    terms.push(t);
    await h.store.accounts.setBudget('CAL', 1_000_000);
    // the accounts table fails after the beforeJob hook has read the budget: the jobLimit hook meets it
    h.fe.hub.hooks.jobLimit.unshift(async () => { throw new Error('SQLITE_IOERR: disk I/O error'); });
    await t.command('NEW P');
    t.line('10 LOOP');
    expect(await t.command('RUN')).toContain(HOOK_REFUSAL);
    expect(mf.posted.filter((m) => m.t === 'run')).toHaveLength(0);
    expect(await t.command('HELP')).toContain('COMMANDS');
  });

  it('afterRun and beforeBye failures type a plain line; the job ran, READY. follows, BYE still hangs up', async () => {
    h = await startFrontEnd();
    h.fe.hub.hooks.afterRun.push(async () => { throw new Error('SQLITE_CORRUPT'); });
    h.fe.hub.hooks.beforeBye.push(() => { throw new Error('SQLITE_CORRUPT'); });
    const t = await login(h.url, 'dot');
    terms.push(t);
    await t.command('NEW P');
    t.line('10 PRINT FINE');
    const out = await t.command('RUN');
    expect(out).toContain('FINE');
    expect(out).toContain('THE CHARGE FOR THIS RUN CANNOT BE SHOWN NOW; IT IS KEPT.');
    t.line('BYE');
    await t.expect("THIS SESSION'S CHARGES CANNOT BE SHOWN NOW; THEY ARE KEPT.");
    await t.expect('LOGGED OFF');
    await t.closedWith();
  });
});

describe('a full disk', () => {
  it('logins still work, SAVE says it did not save, background output waits in memory until the disk has room', async () => {
    h = await startFrontEnd();
    const a = await login(h.url, 'eve');
    terms.push(a);
    await a.command('BYE').catch(() => {});
    // the database may not grow by a single page from here on: writes that need room fail SQLITE_FULL
    const pages = h.store.db.pragma('page_count', { simple: true }) as number;
    h.store.db.pragma(`max_page_count = ${pages}`);
    const big = Array.from({ length: 400 }, (_, i) => `${(i + 1) * 10} PRINT "${'X'.repeat(200)}"`);
    const t = await login(h.url, 'eve', 'secret', false); // the login is recorded, or not, and works
    terms.push(t);
    await typeProgram(t, 'BIG', big);
    expect(await t.command('SAVE')).toContain('BIG WAS NOT SAVED: THE DISK IS BUSY OR FULL');
    expect(await t.command('LIST 10')).toContain('10 PRINT'); // the workspace is kept
    // a background job's output cannot be written now; it is kept and written once there is room
    h.store.db.pragma(`max_page_count = ${pages + 1000}`);
    await t.command('NEW OUTP');
    t.line('10 SPEW 20000');
    expect(await t.command('SAVE')).toContain('OUTP SAVED.');
    const now = h.store.db.pragma('page_count', { simple: true }) as number;
    h.store.db.pragma(`max_page_count = ${now}`);
    expect(await t.command('SUBMIT OUTP')).toMatch(/JOB \d+ SUBMITTED/);
    const logs = h.logs;
    const keptErrors = () => logs.map((s) => JSON.parse(s)).filter((e) => e.msg === 'could not save job output; kept in memory, trying again');
    // the job has ended and its output could not be written: it is not there, half or whole
    await until(() => keptErrors().length > 0, 'the failed save of the job output');
    expect(await h.store.programs.get('EVE', 'OUTP.OUT')).toBeNull();
    h.store.db.pragma(`max_page_count = ${now + 1000}`);
    const store = h.store;
    const saved = await until(() => store.programs.get('EVE', 'OUTP.OUT'), 'the job output saved once there is room');
    expect(saved.text).toContain('x'.repeat(20000));
  });

  it('a ledger that fails every flush is logged once a minute, not every 200 ms', async () => {
    const logged: string[] = [];
    const log = { error: (_o: object, msg: string) => void logged.push(msg) };
    const failing = { append: () => Promise.reject(new Error('database or disk is full')) } as unknown as Ledger;
    const w = new LedgerWriter(failing, log);
    for (let i = 0; i < 50; i++) {
      w.add({ key: `k${i}` } as never);
      await w.flush();
    }
    expect(w.failures).toBe(50);
    expect(w.pending).toBe(50); // nothing lost
    expect(logged).toHaveLength(1);
  });
});

describe('the last resort', () => {
  it('logs an unhandled rejection and an uncaught exception and goes on; a burst of exceptions exits for a restart', () => {
    const proc = new EventEmitter();
    const lines: string[] = [];
    let exited: number | null = null;
    let t = 0;
    const log = { error: (_o: object, m: string) => void lines.push(m), fatal: (_o: object, m: string) => void lines.push(`FATAL ${m}`) };
    installLastResort(proc, { log, exit: (c) => void (exited = c), maxPerMinute: 5, now: () => t });
    proc.emit('unhandledRejection', new Error('SqliteError: database disk image is malformed'));
    proc.emit('unhandledRejection', new Error('SqliteError: database disk image is malformed'));
    proc.emit('uncaughtException', new Error('boom'));
    expect(exited).toBeNull();
    expect(lines).toEqual(['unhandled rejection: logged, and the server goes on serving', 'uncaught exception: logged, and the server goes on serving']);
    for (let i = 0; i < 5; i++) {
      t += 1000;
      proc.emit('uncaughtException', new Error(`boom ${i}`));
    }
    expect(exited).toBe(1);
    expect(lines[lines.length - 1]).toMatch(/^FATAL more than 5 uncaught exceptions in a minute/);
  });

  it('a rate-limited log says how many repeats it held back', () => {
    const seen: object[] = [];
    let t = 0;
    const rl = new RateLimitedLog({ error: (o) => void seen.push(o) }, 60_000, () => t);
    for (let i = 0; i < 10; i++) rl.error(new Error('disk full'), 'write failed');
    t = 61_000;
    rl.error(new Error('disk full'), 'write failed');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ repeatsHeldBack: 9 });
  });
});

