// Faults: clients that vanish at awkward moments, a thousand connect/disconnect cycles, a database
// that is locked or whose disk is full, and kill -9 of the server in the middle of work.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FLUSH_MS } from '../../server/accounting/attach.ts';
import { until } from '../helpers/until.ts';
import { Pool, sleep, stillServed, systatJobs, typeProgram, waitSystat, type ServerProcess, type Term } from './server.ts';

const pool = new Pool();
afterEach(() => pool.cleanup());

function procStat(pid: number): { fds: number; rssKb: number } {
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { fds, rssKb };
}

/** Connects, maybe types a user name, then drops the line (politely or not). */
async function blip(url: string, i: number): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  await new Promise<void>((resolve) => {
    ws.once('message', () => {
      if (i % 2) ws.send(`blip${i}\r`);
      if (i % 3) ws.terminate();
      else ws.close();
      resolve();
    });
    ws.once('close', () => resolve());
  });
}

async function cycles(url: string, n: number, parallel = 25): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) await blip(url, next++);
  }));
}

describe('clients that vanish', () => {
  it('mid-INPUT, mid-output and mid-login: their jobs are detached, others are served, the users can log in again', async () => {
    const s = await pool.server();
    const watcher = await pool.user(s.url, 'watcher');
    const a = await pool.user(s.url, 'inputter');
    await typeProgram(a, 'ASK', ['10 INPUT A$', '20 PRINT A$', '30 END']);
    a.line('RUN');
    await a.expect('? ');
    a.send('half a li'); // mid-line, too
    await a.expect('half a li');
    a.ws.terminate();

    const b = await pool.user(s.url, 'flooder');
    await typeProgram(b, 'F.S', ['start: LI r1, 66', 'l: SVC PUTC', 'JMP l']);
    b.line('RUN');
    await b.expect('BBBBBBBB');
    b.ws.terminate();

    // mid-login: after the name; during the password; during registration's second password
    for (const frames of [['drop1\r'], ['drop2\r', 'pass'], ['drop3\rpassword1\rpass'], ['drop4\rpassword1\rpassword1\r']]) {
      const t = await pool.open(s.url);
      await t.expect('USER NAME--');
      for (const f of frames) t.send(f);
      t.ws.terminate();
    }
    // the dropped lines' jobs go on detached (the flood until its output limit)
    await waitSystat(watcher, (jobs) => jobs.length <= 2 && jobs.every((j) => j.line === 'DET') && jobs.some((j) => j.user === 'INPUTTER'));
    const st = await watcher.command('SYSTAT');
    expect(st).toMatch(/1 LINE IN USE/);
    await stillServed(watcher, 'V');

    // everyone can come back; drop4 may or may not have been registered, never half-registered
    const again = await pool.user(s.url, 'inputter', 'secret', false);
    expect(again.out).toMatch(/YOUR WORKSPACE ASK \(3 LINES\) WAS KEPT/);
    expect(again.out).toMatch(/YOU HAVE DETACHED JOBS:[\s\S]*ASK\s+WAITING FOR INPUT/);
    expect(await again.command('OLD ASK')).toContain('NO SAVED PROGRAM ASK.');
    await pool.user(s.url, 'flooder', 'secret', false);
    const d4 = await pool.open(s.url);
    await d4.expect('USER NAME--');
    d4.line('drop4');
    const next = await d4.expect(/PASSWORD--/);
    d4.line('password1');
    if (next.includes('NEW USER')) {
      await d4.expect('PASSWORD--');
      d4.line('password1');
    }
    await d4.expect(/READY\.\r\n/);
    expect(s.child.exitCode).toBe(null);
  });

  it('1,000 connect/disconnect cycles leave no open handles and no memory growth behind', async () => {
    const s = await pool.server(['--log-level', 'warn']);
    const pid = s.child.pid!;
    await cycles(s.url, 200); // warm up: code paths compiled, pools allocated
    // the baseline once the warm-up's lines are all gone from the server (not after a guessed pause)
    const probe = await pool.user(s.url, 'survivor');
    const linesInUse = async () => Number((await probe.command('SYSTAT')).match(/(\d+) LINES? IN USE/)![1]);
    await until(async () => (await linesInUse()) === 1, 'the warm-up lines to be gone', 15_000, 100);
    const before = procStat(pid);
    await cycles(s.url, 1000);
    await until(async () => (await linesInUse()) === 1, 'the 1,000 lines to be gone', 30_000, 100);
    let after = procStat(pid);
    for (let i = 0; i < 50 && after.fds > before.fds; i++) {
      await sleep(100);
      after = procStat(pid);
    }
    console.log(`server fds ${before.fds} -> ${after.fds}; RSS ${(before.rssKb / 1024).toFixed(1)} -> ${(after.rssKb / 1024).toFixed(1)} MiB`);
    expect(after.fds).toBeLessThanOrEqual(before.fds + 2);
    expect(after.rssKb - before.rssKb).toBeLessThan(40 * 1024);
    await stillServed(probe, 'Z');
  }, 60_000);
});

describe('the database in trouble', () => {
  let lock: Database.Database | null = null;
  afterAll(() => lock?.close());

  it('locked by another process: SAVE says it was not saved, nothing half-written, and works once the lock goes', async () => {
    const s = await pool.server();
    const a = await pool.user(s.url, 'saver');
    const other = await pool.user(s.url, 'other');
    // a running job, so that the accountant writes ledger checkpoints while the database is locked
    const spinner = await pool.user(s.url, 'spinner');
    await typeProgram(spinner, 'L.S', ['start: LI r1, 1', 'SVC SLEEP', 'JMP start']);
    spinner.line('RUN');
    await typeProgram(a, 'KEEP', ['10 PRINT "V1"', '20 END']);
    expect(await a.command('SAVE')).toContain('KEEP SAVED.');
    await typeProgram(a, 'KEEP', ['10 PRINT "V2"', '15 PRINT "MORE"', '20 END']);
    lock = new Database(join(s.dir, 'timeshare.db'));
    lock.exec('BEGIN EXCLUSIVE');
    const out = await a.command('REPLACE', 20_000);
    expect(out).toContain('KEEP WAS NOT SAVED: THE DISK IS BUSY OR FULL. NOTHING WAS CHANGED');
    // the lock must not freeze the front end (it once slept 5 s on the lock at every ledger write):
    // keystrokes on another line keep echoing across several checkpoints (generous bound)
    // (a latency measured over 15 of the accountant's flush periods, each a write that meets the lock)
    const t0 = Date.now();
    let worst = 0;
    while (Date.now() - t0 < 15 * FLUSH_MS) {
      const t1 = Date.now();
      other.send('k');
      await other.expect('k');
      worst = Math.max(worst, Date.now() - t1);
      await sleep(50);
    }
    other.send('\x15');
    expect(worst, 'worst echo while the database was locked (ms)').toBeLessThan(1500);
    await stillServed(other, 'L');
    lock.exec('ROLLBACK');
    const row = lock.prepare("SELECT text FROM programs WHERE owner = 'SAVER' AND name = 'KEEP'").get() as { text: string };
    expect(row.text).toBe('10 PRINT "V1"\n20 END\n');
    lock.close();
    lock = null;
    // the workspace was kept: the same REPLACE now works
    expect(await a.command('LIST')).toContain('15 PRINT "MORE"');
    expect(await a.command('REPLACE')).toContain('KEEP REPLACED.');
    expect(await a.command('RUN')).toContain('V2\r\nMORE\r\n');
  });

  const canMount = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"']).status === 0;

  // A real full disk needs a small tmpfs: the test runs as root (as CI does) and fails, never
  // skips, where it cannot mount one.
  it('disk full: SAVE says so, earlier programs stay intact, and SAVE works once there is room', async () => {
    expect(canMount, 'this test mounts a 3 MiB tmpfs: it needs root and tmpfs (CI runs as root)').toBe(true);
    const mnt = join('/tmp', `timeshare-full-${process.pid}`);
    mkdirSync(mnt, { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]).status).toBe(0);
    let s: ServerProcess | null = null;
    try {
      s = await pool.server([], join(mnt, 'data'));
      pool.servers.pop(); // stopped here, before the unmount
      const a = await pool.user(s.url, 'filler');
      await typeProgram(a, 'SMALL', ['10 PRINT "SAFE"', '20 END']);
      expect(await a.command('SAVE')).toContain('SMALL SAVED.');
      // fill the disk to the last block
      spawnSync('sh', ['-c', `dd if=/dev/zero of=${mnt}/filler bs=4k 2>/dev/null; sync`]);
      const big = Array.from({ length: 3000 }, (_, i) => `${i + 1} REM ${'X'.repeat(60)}`);
      big.push('3001 END');
      await typeProgram(a, 'BIG', big);
      const out = await a.command('SAVE', 20_000);
      expect(out).toContain('BIG WAS NOT SAVED: THE DISK IS BUSY OR FULL');
      rmSync(join(mnt, 'filler'));
      expect(await a.command('SAVE', 20_000)).toContain('BIG SAVED.');
      expect(await a.command('OLD SMALL')).toContain('SMALL LOADED.');
      expect(await a.command('RUN')).toContain('SAFE\r\n');
      expect(await a.command('OLD BIG')).toContain('BIG LOADED.');
      expect(await a.command('LIST 3000-')).toContain(`3000 REM ${'X'.repeat(60)}\r\n3001 END\r\n`);
      a.close();
    } finally {
      if (s) await s.stop();
      spawnSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});

describe('kill -9', () => {
  it('during load: saved programs are intact, the ledger is consistent, everyone can log in again', async () => {
    const s = await pool.server();
    const users = Array.from({ length: 12 }, (_, i) => `load${i}`);
    const terms: Term[] = await Promise.all(users.map((u) => pool.user(s.url, u)));
    const acked = new Map<string, number>();
    let stop = false;
    const versionRows = (v: number) => Array.from({ length: 20 }, (_, k) => `${(k + 1) * 10} PRINT "V${v} ROW${k}"`).concat('999 END');
    const work = terms.map(async (t, i) => {
      // one job each that burns CPU (so the ledger gets checkpoints), then edits and saves in a loop
      await typeProgram(t, 'SPIN.S', ['start: ADD r1, r1, 1', 'JMP start']);
      await t.command('SAVE');
      await t.command(`SUBMIT SPIN.S`);
      for (let v = 1; !stop; v++) {
        try {
          await typeProgram(t, 'PROG', versionRows(v));
          const out = await t.command(v === 1 ? 'SAVE' : 'REPLACE', 5000);
          if (/PROG (SAVED|REPLACED)\./.test(out)) acked.set(users[i], v);
        } catch {
          return; // the server died under us
        }
      }
    });
    // killed in the middle of work: every user has had saves acknowledged and goes on saving
    await until(() => users.every((u) => (acked.get(u) ?? 0) >= 2), 'every user to have two saves acknowledged', 60_000, 20);
    s.child.kill('SIGKILL');
    stop = true;
    await Promise.all(work);
    await s.stop();
    pool.servers.pop();

    const db = new Database(join(s.dir, 'timeshare.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const dupes = db.prepare('SELECT key, COUNT(*) AS n FROM ledger GROUP BY key HAVING n > 1').all();
    expect(dupes).toEqual([]);
    // each job's and session's entries add up to its last cumulative reading: no charge twice, none lost between
    const sums = db.prepare(`SELECT COALESCE(job, session) AS subject, kind, SUM(quantity) AS q, MAX(cum) AS c FROM ledger
      WHERE cum IS NOT NULL GROUP BY COALESCE(job, session), job IS NULL, kind`).all() as { subject: string; kind: string; q: number; c: number }[];
    for (const r of sums) expect(r.q, `${r.subject} ${r.kind}`).toBe(r.c);
    const ledgerRows = (db.prepare('SELECT COUNT(*) AS n FROM ledger').get() as { n: number }).n;
    db.close();

    const s2 = await pool.server([], s.dir);
    const checker = await pool.user(s2.url, 'checker');
    for (const u of users) {
      const t = await pool.user(s2.url, u, 'secret', false);
      const v = acked.get(u);
      const out = await t.command('OLD PROG');
      if (v === undefined) continue; // never acknowledged: may or may not be there, but must be whole if it is
      expect(out).toContain('PROG LOADED.');
      const list = await t.command('LIST');
      const m = /V(\d+) ROW0/.exec(list);
      const saved = Number(m![1]);
      // the acknowledged version, or the one in flight when the server died; never a mixture
      expect(saved === v || saved === v + 1, `${u}: acked V${v}, found V${saved}`).toBe(true);
      for (let k = 0; k < 20; k++) expect(list).toContain(`${(k + 1) * 10} PRINT "V${saved} ROW${k}"`);
      expect(list.match(/PRINT "V\d+/g)!.every((x) => x === `PRINT "V${saved}`)).toBe(true);
      t.close();
    }
    expect(acked.size).toBeGreaterThan(0);
    // the background jobs come back (from their last snapshot, or from their start)
    const back = systatJobs(await checker.command('SYSTAT'));
    expect(back.map((j) => [j.program, j.line]).sort()).toEqual(users.map(() => ['SPIN.S', 'BG']));
    console.log(`kill -9: ${acked.size}/${users.length} users had acknowledged saves; ledger rows ${ledgerRows}`);
  }, 90_000);
});
