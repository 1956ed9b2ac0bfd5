// Running statements: a user's month kept summed in memory, so "My bill" answers a user with
// ten thousand jobs from sums instead of re-grouping every ledger entry at each page load (the
// grouping queries cost about 0.5 s for 80,000 entries on this host, and SQLite runs them on the
// front end's thread, in front of every echo).
//
// A month is read from the ledger once, with the same grouping queries BILL uses (byDay, byJob),
// then every batch the accountant commits is added to the sums with the same grouping keys. The
// ledger is append-only, so sums plus new entries are the ledger. Each read checks the sums'
// total against the ledger's own total (one cheap query): a mismatch (entries written by another
// server sharing a PostgreSQL ledger, a replayed batch) drops the sums and reads the month again.
// The statement itself is built by statementFrom, the code BILL prints.
import type { DayGroup, JobGroup, Ledger, LedgerEntry, LedgerGroup } from '../store/ledger.ts';
import { type Statement, statementFrom } from './bill.ts';
import { monthRange } from './zone.ts';

/** Months kept in memory (least recently used go first). */
const MAX_MONTHS = 500;

interface Month {
  user: string;
  month: string;
  days: Map<string, DayGroup>;
  jobs: Map<string, JobGroup & { order: number }>;
  total: number;
  /** batches committed while the month was being read */
  pending: LedgerEntry[] | null;
  nextOrder: number;
  /** bumped by every entry added */
  version: number;
  /** the last statement built, while nothing was added since */
  last: { version: number; zone: string; budget: number | null; statement: Statement } | null;
}

const groupKey = (e: { host?: string | null; kind: string; unit: string; per: number; rate: number; discount: number; rateId: string }) =>
  `${e.host ?? ''}\u0000${e.kind}\u0000${e.unit}\u0000${e.per}\u0000${e.rate}\u0000${e.discount}\u0000${e.rateId}`;

function addTo(g: LedgerGroup, e: LedgerEntry): void {
  g.quantity += e.quantity;
  g.amount += e.amount;
  g.entries++;
}

function newGroup(e: LedgerEntry): LedgerGroup {
  return { host: e.host ?? null, kind: e.kind, unit: e.unit, quantity: e.quantity, amount: e.amount, per: e.per, rate: e.rate, discount: e.discount, rateId: e.rateId, entries: 1 };
}

export class RunningStatements {
  private months = new Map<string, Month>();
  /** months being read from the ledger: a second reader waits for the first */
  private loading = new Map<string, Promise<Month>>();
  /** months read from the ledger (the slow way) since start */
  loads = 0;

  constructor(
    private ledger: Ledger,
    /** waits until every charge made so far is committed (the accountant's flush) */
    private settle: () => Promise<unknown>,
  ) {}

  /** The accountant's writer calls this with each committed batch. */
  committed(batch: readonly LedgerEntry[]): void {
    if (this.months.size === 0) return;
    for (const e of batch) {
      const m = this.months.get(`${e.user}/${e.day.slice(0, 7)}`);
      if (!m) continue;
      if (m.pending) m.pending.push(e);
      else this.add(m, e);
    }
  }

  private add(m: Month, e: LedgerEntry): void {
    m.version++;
    m.total += e.amount;
    const dk = `${e.day}\u0000${groupKey(e)}`;
    const d = m.days.get(dk);
    if (d) addTo(d, e);
    else m.days.set(dk, { day: e.day, ...newGroup(e) });
    if (e.job === null) return;
    const jk = `${e.job}\u0000${groupKey(e)}`;
    const j = m.jobs.get(jk);
    if (j) {
      addTo(j, e);
      if (e.jobNo !== null && (j.jobNo === null || e.jobNo < j.jobNo)) j.jobNo = e.jobNo;
      if (e.jobName !== null && (j.jobName === null || e.jobName < j.jobName)) j.jobName = e.jobName;
      if (e.day < j.day) j.day = e.day;
    } else {
      // a group first seen now has a larger first id than every group read before
      m.jobs.set(jk, { job: e.job, jobNo: e.jobNo, jobName: e.jobName, day: e.day, ...newGroup(e), order: m.nextOrder++ });
    }
  }

  /** Reads the month from the ledger (the grouping queries) and starts following it. */
  private async load(user: string, month: string): Promise<Month> {
    const { first, last } = monthRange(month);
    this.loads++;
    await this.settle();
    // From here to the queries nothing yields, so no commit falls between what the queries read
    // and what `committed` hears next (SQLite runs them at once; see the total check for others).
    const m: Month = { user, month, days: new Map(), jobs: new Map(), total: 0, pending: [], nextOrder: 0, version: 0, last: null };
    const key = `${user}/${month}`;
    this.months.delete(key);
    this.months.set(key, m);
    const { days, jobs } = await this.ledger.groups(user, first, last);
    for (const g of days) {
      m.days.set(`${g.day}\u0000${groupKey(g)}`, { ...g });
      m.total += g.amount;
    }
    for (const g of jobs) m.jobs.set(`${g.job}\u0000${groupKey(g)}`, { ...g, order: m.nextOrder++ });
    const pending = m.pending!;
    m.pending = null;
    for (const e of pending) this.add(m, e);
    while (this.months.size > MAX_MONTHS) this.months.delete(this.months.keys().next().value!);
    return m;
  }

  /** The statement for `user` and `month`, from the sums (read from the ledger when needed). */
  async statement(user: string, month: string, zone: string, budget: number | null): Promise<Statement> {
    const key = `${user}/${month}`;
    const { first, last } = monthRange(month);
    let m = this.months.get(key);
    if (m && !m.pending) {
      await this.settle();
      const total = await this.ledger.total(user, first, last);
      if (total !== m.total || m.pending) m = undefined;
      else {
        this.months.delete(key); // most recently used last
        this.months.set(key, m);
      }
    } else m = undefined;
    if (!m) {
      let p = this.loading.get(key);
      if (!p) {
        p = this.load(user, month).finally(() => this.loading.delete(key));
        this.loading.set(key, p);
      }
      m = await p;
    }
    // nothing charged since the last statement: the same statement (callers do not change it)
    const l = m.last;
    if (l && l.version === m.version && l.zone === zone && l.budget === budget) return l.statement;
    const days = [...m.days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : (a.host ?? '') < (b.host ?? '') ? -1 : (a.host ?? '') > (b.host ?? '') ? 1 : 0));
    const jobs = [...m.jobs.values()].sort((a, b) => a.order - b.order);
    const statement = statementFrom(user, month, zone, days, jobs, budget);
    m.last = { version: m.version, zone, budget, statement };
    return statement;
  }

  /** Months followed now (tests). */
  get size(): number {
    return this.months.size;
  }
}
