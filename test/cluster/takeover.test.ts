// Taking over a crashed host's jobs: ALPHA is killed (kill -9) while a job of ANN's runs there.
// Once ALPHA's heartbeat is older than the takeover time (--takeover-s), ANN's ATTACH on BETA takes
// the job over from its last snapshot in the store, and ALPHA is fenced for it: started again it
// does not get the job back, and its writes for it (its row, its charges) change nothing. Each
// stretch of the job is charged once. Two real servers on one real PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Term } from '../frontend/client.ts';
import { Pool } from '../e2e/pool.ts';
import { freshDatabase } from '../helpers/pg-db.ts';
import { until } from '../helpers/until.ts';
import { PgStore } from '../../server/store/postgres.ts';
import { ROUNDS, after, rounds, runSums } from './rounds.ts';

const pool = new Pool();
const stores: PgStore[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
  await pool.cleanup();
});
const user = (url: string, name: string, register = false): Promise<Term> => pool.user(url, name, 'pass1234', register);

const TAKEOVER_S = 3;

describe('a crashed host\'s jobs', () => {
  it('after kill -9 of ALPHA and the takeover time, ATTACH on BETA takes its job over from its last snapshot; ALPHA is fenced for it; each stretch charged once', async () => {
    const store = await freshDatabase('takeover');
    // paced, with a snapshot every CPU second: the job has one in the store when ALPHA dies
    const opts = ['--store', store, '--takeover-s', String(TAKEOVER_S), '--snapshot-s', '1'];
    const [a, b] = await Promise.all([
      pool.server([...opts, '--system-name', 'ALPHA'], undefined, { paced: true }),
      pool.server([...opts, '--system-name', 'BETA'], undefined, { paced: true }),
    ]);
    const onA = await user(a.url, 'ann', true);
    await runSums(onA);
    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      const n = await until(async () => (await c.query<{ job: string }>(`SELECT job FROM snapshots WHERE host = 'ALPHA' AND image IS NOT NULL AND cycles > 0`)).rows[0]?.job, 'a snapshot in the store', 20_000, 100);
      const snapCycles = async () => Number((await c.query<{ cycles: string }>('SELECT cycles FROM snapshots WHERE job = $1', [n])).rows[0]!.cycles);
      // a second snapshot, and charges past it: the crash loses a stretch that is then done again
      const first = await snapCycles();
      await until(async () => (await snapCycles()) > first || null, 'a later snapshot', 20_000, 100);

      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      pool.servers.splice(pool.servers.indexOf(a), 1); // killed: nothing to stop (its folder stays for the restart)
      const lastOnA = rounds(onA.out).at(-1)![0];
      const chargedByA = Number((await c.query<{ top: string }>(`SELECT COALESCE(MAX(cum), 0) AS top FROM ledger WHERE job = $1 AND kind = 'cpu'`, [`J${n}`])).rows[0]!.top);

      // before the takeover time, nobody takes it; nor, ever, anybody but its owner
      const bob = await user(b.url, 'bob', true);
      expect(await bob.command(`ATTACH ${n}`)).toContain(`NO DETACHED JOB ${n} OF YOURS.`);
      await until(async () => {
        const beat = Number((await c.query<{ beat_at: string }>(`SELECT beat_at FROM hosts WHERE name = 'ALPHA'`)).rows[0]!.beat_at);
        return Date.now() - beat > TAKEOVER_S * 1000 + 500 || null;
      }, 'ALPHA silent for the takeover time', 20_000, 100);
      expect(await bob.command(`ATTACH ${n}`)).toContain(`NO DETACHED JOB ${n} OF YOURS.`);

      const onB = await user(b.url, 'ann');
      onB.line(`ATTACH ${n}`);
      const took = await onB.expect(`JOB ${n} SUMS ATTACHED.`, 20_000);
      expect(took).toContain(`HOST ALPHA IS NOT HEARD FROM: JOB ${n} IS TAKEN OVER FROM ITS LAST SNAPSHOT THERE.`);
      expect((await c.query<{ host: string }>('SELECT host FROM snapshots WHERE job = $1', [n])).rows[0]!.host).toBe('BETA');

      // ALPHA's late writes for the job change nothing: its row, and its charges
      const s = await PgStore.open(store);
      stores.push(s);
      const mine = (await s.ledger.entriesOf({ job: `J${n}` })).filter((e) => e.host === 'ALPHA' && e.kind === 'cpu').at(-1)!;
      expect(await s.ledger.append([{ ...mine, key: `${mine.key}.late`, cum: mine.cum! + 1_000_000, quantity: 1_000_000 }])).toBe(0);
      await s.hotel.put([{ job: Number(n), host: 'ALPHA', owner: 'ANN', name: 'SUMS', takenAt: Date.now(), cycles: 1, meta: '{}', image: null }]);
      expect((await s.hotel.get(Number(n)))!.host).toBe('BETA');

      // ALPHA started again (its folder, its name): the job is BETA's, not restored there
      const a2 = await pool.server([...opts, '--system-name', 'ALPHA'], a.dir, { paced: true });
      expect(a2.stdout()).toMatch(/"restored":0,"refused":0,"done":0/);
      // on BETA it goes on from that snapshot (the rounds since are done again) to the right sum
      const done = await onB.expect(/DONE +\d+ \r\n/, 60_000);
      await onB.expect(/READY\.\r\n/);
      const onBeta = rounds(done);
      expect(onBeta[0]![0]).toBeLessThanOrEqual(lastOnA + 1);
      onBeta.forEach(([k, sum], i) => {
        expect(k).toBe(onBeta[0]![0] + i);
        expect(sum).toBe(after(k));
      });
      expect(done).toContain(`DONE ${after(ROUNDS)}`);
      // once its row is gone (the job ended), ALPHA's late write does not bring it back
      await until(async () => (await s.hotel.get(Number(n))) === null || null, 'the ended job\'s row removed', 10_000, 100);
      await s.hotel.put([{ job: Number(n), host: 'ALPHA', owner: 'ANN', name: 'SUMS', takenAt: Date.now(), cycles: 1, meta: '{}', image: null }]);
      expect(await s.hotel.get(Number(n))).toBeNull();

      // the charges: ALPHA's up to what reached the ledger before it died, BETA's from there on (the
      // stretch between that and the snapshot, done on ALPHA, and the rounds redone are charged
      // once, by BETA): for each meter no gap and no overlap
      type Row = { host: string; kind: string; q: string; lo: string; top: string };
      let rows: Row[] = [];
      await until(async () => {
        rows = (await c.query<Row>(`SELECT host, kind, SUM(quantity) AS q, MIN(cum - quantity) AS lo, MAX(cum) AS top FROM ledger
          WHERE job = $1 AND kind IN ('cpu', 'core') GROUP BY host, kind ORDER BY kind, MIN(id)`, [`J${n}`])).rows;
        return rows.filter((r) => r.kind === 'cpu' && r.host === 'BETA').length === 1 || null;
      }, 'BETA\'s charges for the job', 15_000, 200);
      for (const kind of ['cpu', 'core']) {
        const [onAlpha, onBeta2] = rows.filter((r) => r.kind === kind);
        expect([onAlpha!.host, onBeta2!.host]).toEqual(['ALPHA', 'BETA']);
        expect(Number(onAlpha!.lo), kind).toBe(0);
        expect(Number(onAlpha!.q), kind).toBe(Number(onAlpha!.top));
        expect(Number(onBeta2!.lo), kind).toBe(Number(onAlpha!.top));
        expect(Number(onBeta2!.q), kind).toBe(Number(onBeta2!.top) - Number(onAlpha!.top));
      }
      expect(Number(rows.find((r) => r.kind === 'cpu' && r.host === 'ALPHA')!.top)).toBe(chargedByA);
    } finally {
      await c.end();
    }
  }, 120_000);

  it('a host only cut off, heard from again after its job was taken over, stops its copy; the store takes none of its charges for it', async () => {
    const store = await freshDatabase('fenced');
    const a = await pool.server(['--store', store, '--system-name', 'ALPHA'], undefined, { paced: true });
    const onA = await user(a.url, 'ann', true);
    await runSums(onA);
    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      // (its row is written FIRST_ROW_MS after it started)
      const n = Number(await until(async () => (await c.query<{ job: string }>(`SELECT job FROM snapshots WHERE host = 'ALPHA'`)).rows[0]?.job, 'the job\'s row in the store', 10_000, 50));
      const entries = async () => Number((await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ledger WHERE job = $1 AND host = 'ALPHA'`, [`J${n}`])).rows[0]!.n);
      // what a takeover by BETA leaves in the store while ALPHA was not heard from (as in the test
      // above, where HotelStore.claim does it): the row is BETA's and ALPHA is fenced for the job
      await c.query('BEGIN');
      await c.query(`UPDATE snapshots SET host = 'BETA' WHERE job = $1`, [n]);
      await c.query(`INSERT INTO job_fences (job_no, host, at) VALUES ($1, 'ALPHA', $2)`, [n, Date.now()]);
      await c.query('COMMIT');
      const fencedAt = await entries();
      // its next heartbeat (every 2 s) finds it out: the job stops on ALPHA, its line says why
      await onA.expect('KILLED: IT WAS TAKEN OVER BY ANOTHER HOST WHILE THIS ONE WAS NOT HEARD FROM', 15_000);
      await onA.expect(/READY\.\r\n/);
      // its last charges for the job (the checkpoints since, and the end) are not in the ledger,
      // and its row stays BETA's (the end's removal, fenced, removed nothing)
      await onA.command('BILL'); // (a statement flushes everything ALPHA has charged)
      expect(await entries()).toBe(fencedAt);
      expect((await c.query<{ host: string }>('SELECT host FROM snapshots WHERE job = $1', [n])).rows[0]!.host).toBe('BETA');
    } finally {
      await c.end();
    }
  }, 60_000);
});
