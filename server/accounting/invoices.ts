// Every user's invoice for a month, for the operator: a table (each user's full statement, then a
// summary), CSV (one row per charge line plus a TOTAL row per user) or JSON (amounts in micro-dollars).
import type { Ledger } from '../store/ledger.ts';
import { type ChargeLine, buildStatement, chargeLines, formatStatement } from './bill.ts';
import { formatMicros } from './money.ts';
import { type Col, row, rule } from './table.ts';
import { monthRange } from './zone.ts';

export interface Invoice {
  user: string;
  total: number;
  budget: number | null;
  lines: ChargeLine[];
}

export interface InvoiceRun {
  month: string;
  zone: string;
  invoices: Invoice[];
  total: number;
}

/** Invoices for users with charges in `month` (or just `onlyUser`, charged or not). */
export async function buildInvoices(ledger: Ledger, month: string, zone: string, budgets: ReadonlyMap<string, number | null>, onlyUser?: string): Promise<InvoiceRun> {
  const { first, last } = monthRange(month);
  const groups = await ledger.byUser(first, last);
  const byUser = new Map<string, typeof groups>();
  for (const g of groups) {
    if (onlyUser !== undefined && g.user !== onlyUser) continue;
    let list = byUser.get(g.user);
    if (!list) byUser.set(g.user, (list = []));
    list.push(g);
  }
  if (onlyUser !== undefined && !byUser.has(onlyUser)) byUser.set(onlyUser, []);
  const invoices = [...byUser.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([user, gs]) => {
    const lines = chargeLines(gs, true); // each host's charges on lines of their own
    return { user, lines, total: lines.reduce((s, l) => s + l.amount, 0), budget: budgets.get(user) ?? null };
  });
  return { month, zone, invoices, total: invoices.reduce((s, i) => s + i.total, 0) };
}

export function invoicesJson(run: InvoiceRun): string {
  return JSON.stringify({
    month: run.month,
    timeZone: run.zone,
    amounts: 'micro-dollars',
    total: run.total,
    users: run.invoices.map((i) => ({
      user: i.user,
      total: i.total,
      budget: i.budget,
      lines: i.lines.map((l) => ({ host: l.host ?? null, kind: l.kind, quantity: l.quantity, unit: l.unit, rate: l.rate, per: l.per, discountPct: l.discount, rateEffective: l.rateId, amount: l.amount })),
    })),
  }, null, 2);
}

function csvCell(s: string | number): string {
  const t = String(s);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function invoicesCsv(run: InvoiceRun): string {
  // `host` last, so the columns scripts already read keep their places
  const out = ['month,user,kind,quantity,unit,rate_micros,per,discount_pct,rate_effective,amount_micros,host'];
  for (const i of run.invoices) {
    for (const l of i.lines) out.push([run.month, i.user, l.kind, l.quantity, l.unit, l.rate, l.per, l.discount, l.rateId, l.amount, l.host ?? ''].map(csvCell).join(','));
    out.push([run.month, i.user, 'TOTAL', '', '', '', '', '', '', i.total, ''].map(csvCell).join(','));
  }
  return out.join('\n');
}

const SUMMARY_COLS: Col[] = [{ width: 12, align: 'l' }, { width: 20, align: 'r' }, { width: 20, align: 'r' }];

/** Each user's statement, then one line per user and the grand total. */
export async function invoicesTable(ledger: Ledger, run: InvoiceRun, printedAt: string): Promise<string> {
  const parts: string[] = [];
  for (const i of run.invoices) parts.push(formatStatement(await buildStatement(ledger, i.user, run.month, run.zone, i.budget), printedAt));
  const sum = [`INVOICES FOR ${run.month} (${run.zone.toUpperCase()})`, row(SUMMARY_COLS, ['USER', 'BUDGET $', 'TOTAL $'])];
  for (const i of run.invoices) sum.push(row(SUMMARY_COLS, [i.user, i.budget === null ? 'NONE' : formatMicros(i.budget), formatMicros(i.total)]));
  sum.push(rule(SUMMARY_COLS));
  sum.push(row(SUMMARY_COLS, [`${run.invoices.length} USERS`, '', formatMicros(run.total)]));
  parts.push(sum.join('\n'));
  return parts.join(`\n\n${'='.repeat(72)}\n\n`);
}
