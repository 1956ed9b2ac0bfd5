// Releasing a running job from its host on request: its owner types ATTACH on another host, which
// asks the job's host (LISTEN/NOTIFY) to put it away, then claims it and resumes it exactly where
// it stopped, under the same number; each cycle is charged once, by the host that ran it. Only the
// owner can do it. Two real servers on one real PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Term } from '../frontend/client.ts';
import { Pool } from '../e2e/pool.ts';
import { freshDatabase } from '../helpers/pg-db.ts';
import { until } from '../helpers/until.ts';
import { ROUNDS, after, rounds, runSums } from './rounds.ts';

const pool = new Pool();
afterAll(() => pool.cleanup());
const user = (url: string, name: string, register = false): Promise<Term> => pool.user(url, name, 'pass1234', register);

describe('a running job let go by its host to another on request', () => {
  it('ATTACH on BETA takes a job running on ALPHA: ALPHA puts it away, BETA resumes it where it stopped, same number, each cycle charged once; nobody else can', async () => {
    const store = await freshDatabase('release');
    // paced (a CPU second a second): the job runs long enough to be moved while it computes
    const [a, b] = await Promise.all([
      pool.server(['--store', store, '--system-name', 'ALPHA'], undefined, { paced: true }),
      pool.server(['--store', store, '--system-name', 'BETA'], undefined, { paced: true }),
    ]);
    const onA = await user(a.url, 'ann', true);
    await runSums(onA);
    // BETA lists it at login once ALPHA has written its row (a job's first row waits FIRST_ROW_MS)
    const n = await until(async () => {
      const t = await user(b.url, 'ann');
      t.close();
      return Number(/\n +(\d+) +SUMS +ALPHA +ON A LINE/.exec(t.out)?.[1]) || null;
    }, 'the job on ALPHA listed at login on BETA', 10_000, 100);

    // another user cannot take it: the job goes on on ALPHA
    const bob = await user(b.url, 'bob', true);
    expect(await bob.command(`ATTACH ${n}`)).toContain(`NO DETACHED JOB ${n} OF YOURS.`);
    const seen = rounds(onA.out).length;
    await expect.poll(() => rounds(onA.out).length, { timeout: 10_000 }).toBeGreaterThan(seen + 2);

    // its owner on BETA takes it
    const onB = await user(b.url, 'ann');
    onB.line(`ATTACH ${n}`);
    const took = await onB.expect(`JOB ${n} SUMS ATTACHED.`, 20_000);
    expect(took).toContain(`JOB ${n} RUNS ON HOST ALPHA: ASKING IT TO LET THE JOB GO.`);
    expect(took).toContain(`JOB ${n} COMES FROM HOST ALPHA.`);
    // ALPHA's line is told where it went and is READY
    await onA.expect(`*** JOB ${n} WAS TAKEN TO HOST BETA.`);
    await onA.expect(/READY\.\r\n/);
    const lastOnA = rounds(onA.out).at(-1)![0];
    // ALPHA has let it go: the job is BETA's
    expect(await onA.command('JOBS')).toMatch(new RegExp(`\\n +${n} +SUMS +HOST BETA`));
    // on BETA it goes on from where ALPHA's line left it, to the right sum
    const done = await onB.expect(/DONE +\d+ \r\n/, 60_000);
    await onB.expect(/READY\.\r\n/);
    const onBeta = rounds(done);
    expect(onBeta[0]![0], done.slice(0, 300)).toBe(lastOnA + 1);
    onBeta.forEach(([k, s], i) => {
      expect(k).toBe(lastOnA + 1 + i);
      expect(s).toBe(after(k));
    });
    expect(onBeta.at(-1)![0]).toBe(ROUNDS);
    expect(done).toContain(`DONE ${after(ROUNDS)}`);

    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      type Row = { host: string; kind: string; q: string; lo: string; top: string };
      let rows: Row[] = [];
      // BETA charges the end with its next flush
      await expect.poll(async () => {
        rows = (await c.query<Row>(`SELECT host, kind, SUM(quantity) AS q, MIN(cum - quantity) AS lo, MAX(cum) AS top FROM ledger
          WHERE job = $1 AND kind IN ('cpu', 'core') GROUP BY host, kind ORDER BY kind, MIN(id)`, [`J${n}`])).rows;
        return rows.filter((r) => r.kind === 'cpu').map((r) => r.host);
      }, { timeout: 15_000, interval: 250 }).toEqual(['ALPHA', 'BETA']);
      for (const kind of ['cpu', 'core']) {
        const [onAlpha, onBeta2] = rows.filter((r) => r.kind === kind);
        // ALPHA charged from 0 to where it put the job away, BETA from there on: no gap, no overlap
        expect(Number(onAlpha!.lo), kind).toBe(0);
        expect(Number(onAlpha!.q), kind).toBe(Number(onAlpha!.top));
        expect(Number(onBeta2!.lo), kind).toBe(Number(onAlpha!.top));
        expect(Number(onBeta2!.q), kind).toBe(Number(onBeta2!.top) - Number(onAlpha!.top));
      }
    } finally {
      await c.end();
    }
  }, 120_000);
});
