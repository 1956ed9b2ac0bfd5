// The database going away under a running server: stopped for real (pg_ctl stop -m fast), then
// started again. Lines keep echoing and jobs keep running; what needs the store says it is
// unavailable; the ledger entries made meanwhile wait and are written once it is back, once each.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { login, Term } from '../frontend/client.ts';
import { removeDir, spawnServer, type ServerProcess } from '../e2e/spawn.ts';
import { startPostgres, type PgServer } from '../helpers/postgres.ts';

let db: PgServer | null = null;
let server: ServerProcess | null = null;
const others: ServerProcess[] = [];
const terms: Term[] = [];
afterAll(async () => {
  for (const t of terms) t.close();
  for (const s of [server, ...others]) {
    if (!s) continue;
    await s.stop();
    removeDir(s.dir);
  }
  await db?.destroy();
});

const UNAVAILABLE = 'THE STORE IS UNAVAILABLE JUST NOW';

describe('the database going away', () => {
  it('lines echo, jobs run, logins/SAVE/BILL say so; waiting charges are written once when it returns', async () => {
    db = await startPostgres(); // a server of this test's own: stopping it touches no other test
    const store = await db.createDatabase('outage');
    server = await spawnServer(['--store', store, '--system-name', 'ALPHA']);
    const worker = await login(server.url, 'ann', 'pass1234');
    const typist = await login(server.url, 'ben', 'pass1234');
    terms.push(worker, typist);
    // a job that prints a number every so often, for ever
    worker.line('10 FOR J = 1 TO 20000');
    worker.line('20 NEXT J');
    worker.line('30 PRINT I');
    worker.line('40 I = I + 1');
    worker.line('50 GOTO 10');
    worker.line('60 END');
    worker.line('RUN');
    await worker.expect(/\r\n 3 \r\n/);
    typist.line('NEW HELLO');
    typist.line('10 PRINT "HI"');
    typist.line('20 END');

    const stoppedAt = Date.now();
    await db.stop();

    // the job goes on printing
    const before = worker.out.length;
    await expect.poll(() => worker.out.length - before, { timeout: 10_000 }).toBeGreaterThan(100);
    // echo: every character typed comes back
    typist.send('ABC');
    await typist.expect('ABC');
    typist.send('\x15'); // Ctrl-U: forget the line
    // what needs the store says so in plain words
    expect(await typist.command('SAVE')).toContain(`HELLO WAS NOT SAVED: ${UNAVAILABLE}`);
    expect(await typist.command('BILL')).toContain(UNAVAILABLE);
    // a new job needs the month's charges for its budget: refused in plain words, nothing breaks
    expect(await typist.command('RUN')).not.toContain('SYSTEM ERROR');
    const newcomer = await Term.open(server.url);
    terms.push(newcomer);
    await newcomer.expect('USER NAME--');
    newcomer.line('carl');
    await newcomer.expect(UNAVAILABLE);
    await newcomer.expect('USER NAME--');
    await new Promise((r) => setTimeout(r, 1500)); // a few checkpoints' worth of charges wait

    await db.start();
    const startedAt = Date.now();
    // the store is back: SAVE and BILL work again (the pool reconnects by itself)
    await expect.poll(async () => typist.command('SAVE'), { timeout: 20_000, interval: 500 }).toContain('HELLO SAVED.');
    worker.send('\x03');
    await worker.expect('STOPPED.');
    await worker.expect(/READY\.\r\n/);
    const bill = await worker.command('BILL');
    expect(bill).toContain('STATEMENT FOR ANN');
    newcomer.line('carl');
    await newcomer.expect('PASSWORD--');

    // the ledger: charges made while the database was away are there, and none twice (for each
    // meter, the quantities charged add up to exactly its last cumulative reading)
    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      const meters = await c.query<{ job: string; kind: string; q: string; top: string; n: string }>(`SELECT job, kind, SUM(quantity) AS q,
        MAX(cum) AS top, COUNT(*) AS n FROM ledger WHERE job IS NOT NULL GROUP BY job, kind`);
      expect(meters.rows.length).toBeGreaterThanOrEqual(2);
      for (const m of meters.rows) expect(m.q, `${m.job} ${m.kind}`).toBe(m.top);
      const during = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ledger WHERE at > $1 AND at < $2 AND kind IN ('cpu', 'core')`, [stoppedAt, startedAt]);
      expect(Number(during.rows[0]!.n)).toBeGreaterThan(0);
      const keys = await c.query<{ n: string; k: string }>('SELECT COUNT(*) AS n, COUNT(DISTINCT key) AS k FROM ledger');
      expect(keys.rows[0]!.n).toBe(keys.rows[0]!.k);
    } finally {
      await c.end();
    }
  }, 120_000);
});

describe('ending the server while the database is away', () => {
  it('spools the waiting charges and the jobs\' final snapshots to local files; the next start writes them, the job comes back where it stopped, nothing is charged twice', async () => {
    db ??= await startPostgres();
    const store = await db.createDatabase('spool');
    const first = await spawnServer(['--store', store, '--system-name', 'GAMMA']);
    others.push(first);
    const t = await login(first.url, 'dan', 'pass1234');
    terms.push(t);
    t.line('10 FOR J = 1 TO 20000');
    t.line('20 NEXT J');
    t.line('30 PRINT I');
    t.line('40 I = I + 1');
    t.line('50 GOTO 10');
    t.line('60 END');
    t.line('RUN');
    await t.expect(/\r\n 3 \r\n/);
    await db.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500)); // checkpoints' charges wait in memory
    // (the job has had no snapshot in the store yet: it has not run 30 CPU seconds nor waited)
    const numbers = (text: string) => [...text.matchAll(/\r\n (\d+) (?=\r\n)/g)].map((m) => Number(m[1]));
    expect(await first.stop()).toBe(0);
    // the last number the line got before the server hung it up (the job ran on until the stop)
    const seenBefore = Math.max(...numbers(t.out));
    const endedAt = Date.now();
    const file = join(first.dir, 'ledger-spool.GAMMA.json');
    expect(existsSync(file), first.stdout().slice(-2000)).toBe(true);
    const spooled = (JSON.parse(readFileSync(file, 'utf8')) as { entries: { key: string; at: number; kind: string }[] }).entries;
    const during = spooled.filter((e) => e.at >= stoppedAt && (e.kind === 'cpu' || e.kind === 'core'));
    expect(during.length).toBeGreaterThan(0);
    expect(first.stdout()).toContain('ledger entries spooled to a local file');
    // the job's final snapshot, taken as the server stopped, waits in a local file too
    const hotelFile = join(first.dir, 'hotel-spool.GAMMA.json');
    expect(existsSync(hotelFile), first.stdout().slice(-2000)).toBe(true);
    expect(first.stdout()).toContain('job snapshots spooled to a local file');

    await db.start();
    const second = await spawnServer(['--store', store, '--system-name', 'GAMMA'], first.dir);
    others.push(second);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(hotelFile)).toBe(false);
    expect(second.stdout()).toContain('ledger entries spooled during an outage are written');
    expect(second.stdout()).toContain('job snapshots spooled during an outage are written');
    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      // the charges made while the database was away are in the ledger now
      const keys = new Set((await c.query<{ key: string }>('SELECT key FROM ledger WHERE at >= $1 AND at <= $2', [stoppedAt, endedAt])).rows.map((r) => r.key));
      expect(during.filter((e) => keys.has(e.key)).length).toBe(during.length);
      // the job is back, detached, and goes on exactly where it stopped: from its final snapshot
      // (not from its start, nor from an older snapshot: it had none in the store)
      const back = await login(second.url, 'dan', 'pass1234', false);
      terms.push(back);
      expect(back.out).toContain('YOU HAVE DETACHED JOBS:');
      const n = Number(/\n +(\d+) +\S+ +RUNNING/.exec(back.out)?.[1]);
      expect(n, back.out).toBeGreaterThan(0);
      expect(back.out).not.toContain('CPU SECONDS OF ITS WORK ARE DONE AGAIN'); // nothing lost, nothing redone
      back.line(`ATTACH ${n}`);
      await back.expect(`JOB ${n} `);
      const at = back.cursor;
      await expect.poll(() => numbers(back.out.slice(at)).length, { timeout: 15_000 }).toBeGreaterThan(3);
      const after = numbers(back.out.slice(at));
      console.log(`the line saw up to ${seenBefore} before the stop; after ATTACH on the next start: ${after.slice(0, 3).join(', ')}, ...`);
      // what it kept and what it prints now follow on from the last number seen before the stop
      expect(after[0], back.out.slice(at, at + 400)).toBeGreaterThanOrEqual(seenBefore - 1);
      expect(after[0]).toBeLessThanOrEqual(seenBefore + 1);
      after.forEach((v, i) => expect(v).toBe(after[0]! + i));
      back.send('\x03');
      await back.expect('STOPPED.');
      await back.expect(/READY\.\r\n/);
      back.line('BYE');
      await back.closedWith();
      // nothing twice: for each meter the quantities charged add up to exactly its last reading
      await expect.poll(async () => Number((await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ledger WHERE host = 'GAMMA' AND at > $1`, [endedAt])).rows[0]!.n), { timeout: 10_000 }).toBeGreaterThan(0);
      const meters = await c.query<{ job: string; kind: string; q: string; top: string }>(`SELECT job, kind, SUM(quantity) AS q, MAX(cum) AS top
        FROM ledger WHERE job IS NOT NULL GROUP BY job, kind`);
      expect(meters.rows.length).toBeGreaterThanOrEqual(2);
      for (const m of meters.rows) expect(m.q, `${m.job} ${m.kind}`).toBe(m.top);
      // and the stretch before the stop was charged once, by the first run (its final reading is
      // where the second run's charges start)
      const cpu = (await c.query<{ cum: string; at: string }>(`SELECT cum, at FROM ledger WHERE job = $1 AND kind = 'cpu' ORDER BY cum`, [`J${n}`])).rows;
      expect(cpu.some((r) => Number(r.at) > endedAt)).toBe(true);
    } finally {
      await c.end();
    }
  }, 120_000);
});
