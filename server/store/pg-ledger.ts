// The ledger in PostgreSQL: the same append-only, idempotent ledger as ledger.ts (SQLite), shared by
// every host on the database. A batch is one INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT
// (key) DO NOTHING: one round trip and one transaction whatever its size, and a replayed entry
// (same key) is ignored, so a batch retried after the database came back never charges twice.
import type { PgDb } from './pg-pool.ts';
import type { DayGroup, JobGroup, Ledger, LedgerEntry, UserGroup } from './ledger.ts';

const ENTRY_COLS = `key, user_name AS "user", host, session, job, job_no AS "jobNo", job_name AS "jobName", kind, quantity, unit, cum,
  rate, per, discount, rate_id AS "rateId", amount, at, day`;
const GROUP_COLS = `host, kind, unit, SUM(quantity) AS quantity, SUM(amount) AS amount, per, rate, discount, rate_id AS "rateId",
  COUNT(*) AS entries`;
const GROUP_BY = `host, kind, unit, per, rate, discount, rate_id`;

const BY_DAY = `SELECT day, ${GROUP_COLS} FROM ledger WHERE user_name = $1 AND day BETWEEN $2 AND $3
  GROUP BY day, ${GROUP_BY} ORDER BY day, kind, host NULLS FIRST`;
const BY_JOB = `SELECT job, MIN(job_no) AS "jobNo", MIN(job_name) AS "jobName", MIN(day) AS day, ${GROUP_COLS}
  FROM ledger WHERE user_name = $1 AND day BETWEEN $2 AND $3 AND job IS NOT NULL GROUP BY job, ${GROUP_BY} ORDER BY MIN(id)`;

export class PgLedger implements Ledger {
  constructor(private readonly db: PgDb) {}

  async append(entries: readonly LedgerEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const cols: unknown[][] = Array.from({ length: 18 }, () => []);
    for (const e of entries) {
      const v = [e.key, e.user, e.host ?? null, e.session, e.job, e.jobNo, e.jobName, e.kind, e.quantity, e.unit, e.cum, e.rate, e.per,
        e.discount, e.rateId, e.amount, e.at, e.day];
      for (let i = 0; i < 18; i++) cols[i]!.push(v[i]);
    }
    // (a host fenced for a job taken over from it charges nothing more for it: the new host
    // charges from the ledger's last reading, so each stretch of the job is charged once)
    const r = await this.db.q(`INSERT INTO ledger
      (key, user_name, host, session, job, job_no, job_name, kind, quantity, unit, cum, rate, per, discount, rate_id, amount, at, day)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
        $9::bigint[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::int[], $15::text[], $16::bigint[], $17::bigint[], $18::text[])
        AS x(key, user_name, host, session, job, job_no, job_name, kind, quantity, unit, cum, rate, per, discount, rate_id, amount, at, day)
      WHERE x.job_no IS NULL OR NOT EXISTS (SELECT 1 FROM job_fences f WHERE f.job_no = x.job_no AND f.host = x.host)
      ON CONFLICT (key) DO NOTHING`, cols);
    return r.rowCount ?? 0;
  }

  async total(user: string, first: string, last: string): Promise<number> {
    const r = await this.db.q<{ t: number }>(`SELECT COALESCE(SUM(amount), 0) AS t FROM ledger WHERE user_name = $1 AND day BETWEEN $2 AND $3`, [user, first, last]);
    return r.rows[0]!.t;
  }

  /** Month-to-date totals of several users in one query (the budget check across hosts). */
  async totals(users: readonly string[], first: string, last: string): Promise<Map<string, number>> {
    const r = await this.db.q<{ user: string; t: number }>(`SELECT user_name AS "user", SUM(amount) AS t FROM ledger
      WHERE user_name = ANY($1) AND day BETWEEN $2 AND $3 GROUP BY user_name`, [users, first, last]);
    const m = new Map<string, number>(users.map((u) => [u, 0]));
    for (const row of r.rows) m.set(row.user, row.t);
    return m;
  }

  async byDay(user: string, first: string, last: string): Promise<DayGroup[]> {
    const r = await this.db.q<DayGroup>(BY_DAY, [user, first, last]);
    return r.rows;
  }

  async byJob(user: string, first: string, last: string): Promise<JobGroup[]> {
    const r = await this.db.q<JobGroup>(BY_JOB, [user, first, last]);
    return r.rows;
  }

  async groups(user: string, first: string, last: string): Promise<{ days: DayGroup[]; jobs: JobGroup[] }> {
    // REPEATABLE READ: both queries see one snapshot, whatever other hosts commit meanwhile
    return this.db.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const days = await c.query<DayGroup>(BY_DAY, [user, first, last]);
      const jobs = await c.query<JobGroup>(BY_JOB, [user, first, last]);
      return { days: days.rows, jobs: jobs.rows };
    });
  }

  async byUser(first: string, last: string): Promise<UserGroup[]> {
    const r = await this.db.q<UserGroup>(`SELECT user_name AS "user", ${GROUP_COLS} FROM ledger WHERE day BETWEEN $1 AND $2
      GROUP BY user_name, ${GROUP_BY} ORDER BY user_name, kind, rate_id, discount, host NULLS FIRST`, [first, last]);
    return r.rows;
  }

  async lastCumulative(subject: { job?: string; session?: string }, kind: string): Promise<number> {
    const r = subject.job !== undefined
      ? await this.db.q<{ c: number }>(`SELECT COALESCE(MAX(cum), 0) AS c FROM ledger WHERE job = $1 AND kind = $2`, [subject.job, kind])
      : await this.db.q<{ c: number }>(`SELECT COALESCE(MAX(cum), 0) AS c FROM ledger WHERE session = $1 AND job IS NULL AND kind = $2`, [subject.session, kind]);
    return r.rows[0]!.c;
  }

  async entriesOf(subject: { job?: string; session?: string }): Promise<LedgerEntry[]> {
    const r = subject.job !== undefined
      ? await this.db.q<LedgerEntry>(`SELECT ${ENTRY_COLS} FROM ledger WHERE job = $1 ORDER BY id`, [subject.job])
      : await this.db.q<LedgerEntry>(`SELECT ${ENTRY_COLS} FROM ledger WHERE session = $1 ORDER BY id`, [subject.session]);
    return r.rows;
  }

  async replay(entries: readonly LedgerEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    return this.db.tx(async (c) => {
      let n = 0;
      for (const e of entries) {
        // skipped when the key is taken, or when a range of readings already charged for the same
        // meter overlaps this entry's (see Ledger.replay)
        const r = await c.query(`INSERT INTO ledger
          (key, user_name, host, session, job, job_no, job_name, kind, quantity, unit, cum, rate, per, discount, rate_id, amount, at, day)
          SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, $12, $13, $14, $15, $16, $17, $18
          WHERE NOT EXISTS (SELECT 1 FROM job_fences f WHERE f.job_no = $6::bigint AND f.host = $3::text)
          AND ($11::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM ledger l WHERE l.kind = $8 AND l.cum - l.quantity < $11::bigint AND l.cum > $11::bigint - $9
            AND (CASE WHEN $5::text IS NOT NULL THEN l.job = $5::text ELSE l.session = $4::text AND l.job IS NULL END)))
          ON CONFLICT (key) DO NOTHING`,
        [e.key, e.user, e.host ?? null, e.session, e.job, e.jobNo, e.jobName, e.kind, e.quantity, e.unit, e.cum, e.rate, e.per,
          e.discount, e.rateId, e.amount, e.at, e.day]);
        n += r.rowCount ?? 0;
      }
      return n;
    });
  }

  close(): void {
    // the pool belongs to the store
  }
}
