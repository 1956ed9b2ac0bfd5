// "My bill": the logged-in user's statement for a month as data for the page's charts and tables,
// plus downloads. Every figure comes from the accounting room's own code (Accountant.statementData
// is what BILL prints; buildInvoices is what `npm run bills` prints), so the page, BILL and the
// operator's bills agree to the micro-dollar. Nothing here takes a user name from the request: the
// session says whose bill it is.
import type { Accountant } from '../accounting/accountant.ts';
import { LABEL, formatStatement, quantityText, rateText, type Statement } from '../accounting/bill.ts';
import { type InvoiceRun, invoicesCsv, invoicesJson } from '../accounting/invoices.ts';
import { formatMicros } from '../accounting/money.ts';
import { tops10Date } from '../accounting/notices.ts';
import { monthRange } from '../accounting/zone.ts';
import type { Account } from '../store/store.ts';
import { HttpError } from './http.ts';
import type { BillData, BillDay } from '../../shared/web-api.ts';

/** Earlier months offered, at most (newest first). */
const MAX_MONTHS = 60;

export class BillService {
  constructor(private acct: Accountant) {}

  /** 'YYYY-MM' from the query, or this month; 400 for anything else. */
  month(raw: string | null): string {
    if (raw === null || raw === '') return this.current();
    try {
      monthRange(raw);
    } catch {
      throw new HttpError(400, `not a month: use YYYY-MM`);
    }
    return raw;
  }

  current(): string {
    return this.acct.rates.zone.day(Date.now()).slice(0, 7);
  }

  months(account: Account): string[] {
    const zone = this.acct.rates.zone;
    const first = zone.day(account.createdAt).slice(0, 7);
    const out: string[] = [];
    let m = this.current();
    while (out.length < MAX_MONTHS) {
      out.push(m);
      if (m <= first) break;
      const [y, mo] = m.split('-').map(Number);
      m = mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
    }
    return out;
  }

  async data(account: Account, month: string): Promise<BillData> {
    const st = await this.acct.runningStatement(account.name, month);
    return shape(st, this.current(), this.months(account));
  }

  /** `data` as JSON; the same statement (nothing charged since) gives the same text without
   *  shaping and serialising ten thousand job lines again. */
  async dataJson(account: Account, month: string): Promise<string> {
    const st = await this.acct.runningStatement(account.name, month);
    const current = this.current();
    const hit = this.serialised.get(st);
    if (hit && hit.current === current && hit.created === account.createdAt) return hit.json;
    const json = JSON.stringify(shape(st, current, this.months(account)));
    this.serialised.set(st, { current, created: account.createdAt, json });
    return json;
  }

  private serialised = new WeakMap<Statement, { current: string; created: number; json: string }>();

  /** The statement exactly as BILL types it. */
  async text(account: Account, month: string): Promise<string> {
    const st = await this.acct.statementData(account.name, month);
    return formatStatement(st, tops10Date(Date.now(), this.acct.rates.zone)) + '\n';
  }

  /** `npm run bills -- --user NAME --month M --format json|csv`, for this user alone. */
  async invoice(account: Account, month: string, format: 'json' | 'csv'): Promise<string> {
    // The invoice's lines are the statement's charges: both are chargeLines over the same entries
    // (bills groups them by user, the statement by day; chargeLines merges either by kind and rate).
    const st = await this.acct.runningStatement(account.name, month);
    const run: InvoiceRun = { month, zone: this.acct.rates.zone.name, invoices: [{ user: account.name, total: st.total, budget: account.budget, lines: st.charges }], total: st.total };
    return (format === 'json' ? invoicesJson(run) : invoicesCsv(run)) + '\n';
  }

  async jobsCsv(account: Account, month: string): Promise<string> {
    const st = await this.acct.runningStatement(account.name, month);
    const rows = ['job,program,day,cpu_seconds,kcs,amount_micros'];
    for (const j of st.byJob) rows.push([j.jobNo ?? '', csv(j.jobName ?? ''), j.day, j.cpuSeconds.toFixed(3), j.kcs.toFixed(3), j.amount].join(','));
    return rows.join('\n') + '\n';
  }
}

function csv(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function shape(st: Statement, current: string, months: string[]): BillData {
  const { first, last } = monthRange(st.month);
  const byDay = new Map(st.byDay.map((d) => [d.day, d]));
  const days: BillDay[] = [];
  for (let d = Number(first.slice(8)); d <= Number(last.slice(8)); d++) {
    const day = `${st.month}-${String(d).padStart(2, '0')}`;
    const x = byDay.get(day);
    days.push({ day, cpuSeconds: x ? round3(x.cpuSeconds) : 0, amount: x ? x.amount : 0 });
  }
  const budget = st.budget ?? null;
  return {
    user: st.user,
    month: st.month,
    current,
    zone: st.zone,
    months,
    total: st.total,
    totalText: formatMicros(st.total),
    budget,
    budgetText: budget === null ? null : formatMicros(budget),
    budgetUsedPct: budget === null ? null : budget === 0 ? 100 : Math.round((st.total * 1000) / budget) / 10,
    days,
    charges: st.charges.map((c) => ({
      kind: c.kind, label: LABEL[c.kind] ?? c.kind.toUpperCase(), quantity: quantityText(c), rate: rateText(c), rateEffective: c.rateId,
      amount: c.amount, amountText: formatMicros(c.amount),
    })),
    jobs: st.byJob.map((j) => ({
      job: j.jobNo, name: j.jobName ?? '', day: j.day, cpuSeconds: round3(j.cpuSeconds), kcs: round3(j.kcs), amount: j.amount, amountText: formatMicros(j.amount),
    })),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
