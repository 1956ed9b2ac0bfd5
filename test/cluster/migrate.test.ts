// Live migration: a job put away by its host's orderly stop is resumed on another host by its
// owner (ATTACH), exactly where it stopped; its old host, started again, does not take it back; its
// cycles are charged once, each by the host that ran them. Two real servers on one real PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Term } from '../frontend/client.ts';
import { Pool } from '../e2e/pool.ts';
import { freshDatabase } from '../helpers/pg-db.ts';

const pool = new Pool();
afterAll(() => pool.cleanup());
const user = (url: string, name: string, register = false): Promise<Term> => pool.user(url, name, 'pass1234', register);

const M = 1_000_003;
const tri = (n: number) => Number((BigInt(n) * BigInt(n + 1) / 2n) % BigInt(M));
/** Sums 1..200,000 (mod M), says so, waits for a number, sums on to 400,000 and adds the number. */
const PROGRAM = [
  '10 S = 0', '20 FOR I = 1 TO 200000', '30 S = S + I', `40 IF S >= ${M} THEN S = S - ${M}`, '50 NEXT I',
  '60 PRINT "HALF"; S', '70 INPUT A', '80 FOR I = 200001 TO 400000', '90 S = S + I', `100 IF S >= ${M} THEN S = S - ${M}`,
  '110 NEXT I', '120 PRINT "DONE"; S + A', '130 END',
];

describe('a job put away on one host goes on on another', () => {
  it('ATTACH on BETA resumes the job ALPHA put away at its stop; ALPHA started again leaves it; its cycles are charged once', async () => {
    const store = await freshDatabase('migrate');
    const [a, b] = await Promise.all([
      pool.server(['--store', store, '--system-name', 'ALPHA']),
      pool.server(['--store', store, '--system-name', 'BETA']),
    ]);
    const onA = await user(a.url, 'ann', true);
    await onA.command('NEW SUMS');
    for (const l of PROGRAM) onA.line(l);
    expect(await onA.command('SAVE')).toContain('SUMS SAVED.');
    onA.line('RUN');
    await onA.expect(`HALF ${tri(200_000)}`);
    await onA.expect('? ');
    onA.send('\x04'); // Ctrl-D: the job waits for its input without the line
    await onA.expect(/JOB (\d+) DETACHED/);
    const n = Number(/JOB (\d+) DETACHED/.exec(onA.out)![1]);

    // on BETA the owner sees the job where it runs, and is sent there (once ALPHA's note that the
    // job started is in the store: it is written as the job starts, and the first half can now be
    // done in a few milliseconds, before that write lands on a busy host)
    const c0 = new pg.Client({ connectionString: store });
    await c0.connect();
    try {
      await expect.poll(async () => (await c0.query('SELECT job FROM snapshots WHERE job = $1', [n])).rowCount, { timeout: 10_000, interval: 100 }).toBe(1);
    } finally {
      await c0.end();
    }
    const onB = await user(b.url, 'ann');
    expect(onB.out).toContain('YOUR JOBS ON OTHER HOSTS:');
    expect(onB.out).toMatch(new RegExp(`\\n +${n} +SUMS +ALPHA +`));
    // (ALPHA writes the job's new state, detached, to the store a moment after Ctrl-D)
    await expect.poll(() => onB.command('JOBS'), { timeout: 10_000, interval: 300 }).toMatch(new RegExp(`\\n +${n} +SUMS +HOST ALPHA +DETACHED`));
    // (ATTACH here would ask ALPHA to let it go: test/cluster/release.test.ts; here ALPHA stops)
    // another user cannot take it, put away or not
    const bob = await user(b.url, 'bob', true);
    expect(await bob.command(`ATTACH ${n}`)).toContain(`NO DETACHED JOB ${n} OF YOURS.`);

    // ALPHA stops in good order: its jobs are put away in the store
    onA.close();
    expect(await a.stop()).toBe(0);
    expect(await onB.command('JOBS')).toMatch(new RegExp(`\\n +${n} +SUMS +HOST ALPHA +PUT AWAY`));
    expect(await bob.command(`ATTACH ${n}`)).toContain(`NO DETACHED JOB ${n} OF YOURS.`);
    onB.line(`ATTACH ${n}`);
    const took = await onB.expect(`JOB ${n} SUMS ATTACHED.`);
    expect(took).toContain(`JOB ${n} COMES FROM HOST ALPHA.`);

    // ALPHA starts again (its own data folder, its name): the job is BETA's now, not restored there
    const a2 = await pool.server(['--store', store, '--system-name', 'ALPHA'], a.dir);
    expect(a2.stdout()).toMatch(/"restored":0,"refused":0,"done":0/);
    const onA2 = await user(a2.url, 'ann');
    expect(onA2.out).toMatch(new RegExp(`\\n +${n} +SUMS +BETA `));
    expect(await onA2.command('JOBS')).toMatch(new RegExp(`\\n +${n} +SUMS +HOST BETA +ON A LINE`));

    // on BETA it goes on exactly where it stopped
    onB.line('7');
    await onB.expect(`DONE ${tri(400_000) + 7}`);
    await onB.expect(/READY\.\r\n/);

    // the same program run through on one host, for its cycles
    onB.line('OLD SUMS');
    onB.line('RUN');
    await onB.expect('? ');
    onB.line('7');
    await onB.expect(`DONE ${tri(400_000) + 7}`);
    await onB.expect(/TIME: [\d.]+ SECS\./);

    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      type Row = { job: string; host: string; q: string; top: string };
      const read = async () => (await c.query<Row>(`SELECT job, host, SUM(quantity) AS q, MAX(cum) AS top FROM ledger WHERE kind = 'cpu' AND job_no IS NOT NULL
        GROUP BY job, host ORDER BY job, MIN(id)`)).rows;
      // both runs are charged at their ends, with the next flush: wait until the ledger has the
      // moved job's cycles, whole, equal to the run through one host (cycles only grow, by checkpoints)
      let rows: Row[] = [];
      const tops = async () => {
        rows = await read();
        const moved = rows.filter((r) => r.job === `J${n}`);
        const whole = rows.find((r) => r.job !== `J${n}`);
        return whole ? Math.max(...moved.map((r) => Number(r.top))) - Number(whole.top) : null;
      };
      await expect.poll(tops, { timeout: 15_000, interval: 250 }).toBe(0);
      const moved = rows.filter((r) => r.job === `J${n}`);
      // part on ALPHA, the rest on BETA; together charged once: the quantities add up to the last reading
      expect(moved.map((r) => r.host)).toEqual(['ALPHA', 'BETA']);
      const sum = moved.reduce((t, r) => t + Number(r.q), 0);
      const top = Math.max(...moved.map((r) => Number(r.top)));
      expect(sum).toBe(top);
      expect(Number(moved[0]!.top)).toBeLessThan(top);
    } finally {
      await c.end();
    }
  }, 120_000);
});
