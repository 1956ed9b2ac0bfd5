// A user's statement for a month: usage by day and by job, the charges by kind and rate, and the
// total. Every amount is a sum of ledger entries, so each section's lines add up to the total
// exactly (amounts are printed whole, to the micro-dollar, so the reader can check the sum too).
import type { DayGroup, JobGroup, Ledger, LedgerGroup } from '../store/ledger.ts';
import { formatCents, formatMicros } from './money.ts';
import { monthRange } from './zone.ts';
import { type Col, WIDTH, fixed, hms, row, rule, spread } from './table.ts';

export interface Usage {
  /** CPU seconds at the rated clock in force when charged */
  cpuSeconds: number;
  connectMs: number;
  kcs: number;
  /** thousand-word-days of storage */
  storageKwd: number;
  amount: number;
}

export interface DayLine extends Usage { day: string }
/** host: where the job ran (null: charged before hosts were named) */
export interface JobLine extends Usage { job: string; jobNo: number | null; jobName: string | null; day: string; host: string | null }
/** One host's share of the month (several hosts sharing one store each charge the same ledger). */
export interface HostLine extends Usage { host: string | null }
export interface ChargeLine {
  /** set when lines are kept apart by host (invoices); a statement's charges sum all hosts */
  host?: string | null;
  kind: string;
  quantity: number;
  unit: string;
  rate: number;
  per: number;
  discount: number;
  rateId: string;
  amount: number;
}

export interface Statement {
  user: string;
  month: string;
  zone: string;
  byDay: DayLine[];
  byJob: JobLine[];
  /** the month by host, in name order */
  byHost: HostLine[];
  charges: ChargeLine[];
  total: number;
  /** monthly budget in micro-dollars, if the user has one */
  budget?: number | null;
}

function empty(): Usage {
  return { cpuSeconds: 0, connectMs: 0, kcs: 0, storageKwd: 0, amount: 0 };
}

/** Adds one ledger group to a usage line; the display quantities come from the rate it recorded. */
export function addGroup(u: Usage, g: LedgerGroup): void {
  u.amount += g.amount;
  switch (g.kind) {
    case 'cpu': u.cpuSeconds += (g.quantity * 60) / g.per; break; // per = 60 x clock
    case 'core': u.kcs += g.quantity / g.per; break; // per = 1,000,000 word-ms
    case 'connect': u.connectMs += g.quantity; break;
    case 'storage': u.storageKwd += g.unit === 'word-hours' ? g.quantity / 24_000 : g.quantity / 1000; break; // hourly samples since 2026-12
  }
}

/** Charges grouped by kind and rate (the same rate on different days is one line); `byHost` keeps
 *  each host's charges apart (each line says which host). */
export function chargeLines(groups: readonly LedgerGroup[], byHost = false): ChargeLine[] {
  const map = new Map<string, ChargeLine>();
  for (const g of groups) {
    const k = `${byHost ? `${g.host ?? ''}/` : ''}${g.kind}/${g.rateId}/${g.rate}/${g.per}/${g.discount}`;
    const c = map.get(k);
    if (c) {
      c.quantity += g.quantity;
      c.amount += g.amount;
    } else {
      map.set(k, { ...(byHost ? { host: g.host ?? null } : {}), kind: g.kind, quantity: g.quantity, unit: g.unit, rate: g.rate, per: g.per, discount: g.discount, rateId: g.rateId, amount: g.amount });
    }
  }
  const order = ['cpu', 'connect', 'core', 'storage'];
  return [...map.values()].sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || a.rateId.localeCompare(b.rateId)
    || order.indexOf(a.kind) - order.indexOf(b.kind) || a.discount - b.discount);
}

export async function buildStatement(ledger: Ledger, user: string, month: string, zone: string, budget?: number | null): Promise<Statement> {
  const { first, last } = monthRange(month);
  const { days, jobs } = await ledger.groups(user, first, last);
  return statementFrom(user, month, zone, days, jobs, budget);
}

export function statementFrom(user: string, month: string, zone: string, days: readonly DayGroup[], jobs: readonly JobGroup[], budget?: number | null): Statement {
  const byDay = new Map<string, DayLine>();
  for (const g of days) {
    let d = byDay.get(g.day);
    if (!d) byDay.set(g.day, (d = { day: g.day, ...empty() }));
    addGroup(d, g);
  }
  // a job resumed on another host has a line for each host it ran on
  const byJob = new Map<string, JobLine>();
  for (const g of jobs) {
    const k = `${g.job}\u0000${g.host ?? ''}`;
    let j = byJob.get(k);
    if (!j) byJob.set(k, (j = { job: g.job, jobNo: g.jobNo, jobName: g.jobName, day: g.day, host: g.host ?? null, ...empty() }));
    addGroup(j, g);
  }
  // Quantities are summed as integers per host, kind and rate first, then turned into display
  // units in a fixed order: the figures do not depend on the order the groups came in (a running
  // statement adds them in commit order, the ledger's query in its own).
  const sums = new Map<string, LedgerGroup>();
  for (const g of days) {
    const k = `${g.host ?? ''}\u0000${g.kind}\u0000${g.per}\u0000${g.rate}\u0000${g.discount}\u0000${g.rateId}\u0000${g.unit}`;
    const a = sums.get(k);
    if (a) {
      a.quantity += g.quantity;
      a.amount += g.amount;
      a.entries += g.entries;
    } else sums.set(k, { ...g });
  }
  const byHost = new Map<string, HostLine>();
  for (const k of [...sums.keys()].sort()) {
    const g = sums.get(k)!;
    const hk = g.host ?? '';
    let h = byHost.get(hk);
    if (!h) byHost.set(hk, (h = { host: g.host ?? null, ...empty() }));
    addGroup(h, g);
  }
  const charges = chargeLines(days);
  const total = charges.reduce((s, c) => s + c.amount, 0);
  return {
    user, month, zone, byDay: [...byDay.values()], byJob: [...byJob.values()],
    byHost: [...byHost.values()].sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '')), charges, total, budget,
  };
}

const DAY_COLS: Col[] = [
  { width: 10, align: 'l' }, { width: 9, align: 'r' }, { width: 9, align: 'r' }, { width: 10, align: 'r' },
  { width: 13, align: 'r' }, { width: 16, align: 'r' },
];
const JOB_COLS: Col[] = [
  { width: 5, align: 'r' }, { width: 8, align: 'l' }, { width: 10, align: 'l' }, { width: 9, align: 'r' },
  { width: 10, align: 'r' }, { width: 24, align: 'r' },
];
/** The same with the host each job ran on (when the ledger names hosts). */
const JOB_HOST_COLS: Col[] = [
  { width: 5, align: 'r' }, { width: 8, align: 'l' }, { width: 10, align: 'l' }, { width: 10, align: 'l' }, { width: 9, align: 'r' },
  { width: 10, align: 'r' }, { width: 13, align: 'r' },
];
const HOST_COLS: Col[] = [
  { width: 16, align: 'l' }, { width: 10, align: 'r' }, { width: 9, align: 'r' }, { width: 10, align: 'r' }, { width: 22, align: 'r' },
];
const CHARGE_COLS: Col[] = [
  { width: 18, align: 'l' }, { width: 16, align: 'r' }, { width: 20, align: 'l' }, { width: 14, align: 'r' },
];

export const LABEL: Record<string, string> = { cpu: 'CPU TIME', connect: 'CONNECT TIME', core: 'CORE-TIME', storage: 'STORAGE' };

/** A price in micro-dollars as dollars with at least two decimals and no trailing zeros beyond. */
export function priceText(micros: number): string {
  return `$${formatMicros(micros).replace(/0{1,4}$/, '')}`;
}

export function rateText(c: ChargeLine): string {
  const unit = c.kind === 'cpu' ? '/MIN' : c.kind === 'connect' ? '/HR' : c.kind === 'core' ? '/KCS' : '/KW-MO';
  return `${priceText(c.rate)}${unit}${c.discount ? ` -${c.discount}%` : ''}`;
}

export function quantityText(c: ChargeLine): string {
  const u: Usage = empty();
  addGroup(u, { ...c, host: null, entries: 1 });
  switch (c.kind) {
    case 'cpu': return `${fixed(u.cpuSeconds, 3)} SEC`;
    case 'connect': return hms(u.connectMs);
    case 'core': return `${fixed(u.kcs, 3)} KCS`;
    default: return `${fixed(u.storageKwd, 3)} KW-D`;
  }
}

/** The statement as the teletype prints it: at most 72 columns, columns aligned. */
export function formatStatement(s: Statement, printedAt?: string): string {
  const out: string[] = [];
  out.push(spread(`STATEMENT FOR ${s.user.toUpperCase()}`, `MONTH ${s.month} (${s.zone.toUpperCase()})`));
  if (printedAt) out.push(`PRINTED ${printedAt}`);
  out.push('');
  if (s.total === 0 && s.byDay.length === 0) {
    out.push('NO CHARGES THIS MONTH.');
  } else {
    out.push('USAGE BY DAY');
    out.push(row(DAY_COLS, ['DATE', 'CPU SEC', 'CONNECT', 'KCS', 'STORAGE KW-D', 'CHARGE $']));
    for (const d of s.byDay) out.push(row(DAY_COLS, [d.day, fixed(d.cpuSeconds, 3), hms(d.connectMs), fixed(d.kcs, 3), fixed(d.storageKwd, 3), formatMicros(d.amount)]));
    out.push(rule(DAY_COLS));
    const t = empty();
    for (const d of s.byDay) {
      t.cpuSeconds += d.cpuSeconds; t.connectMs += d.connectMs; t.kcs += d.kcs; t.storageKwd += d.storageKwd; t.amount += d.amount;
    }
    out.push(row(DAY_COLS, ['TOTAL', fixed(t.cpuSeconds, 3), hms(t.connectMs), fixed(t.kcs, 3), fixed(t.storageKwd, 3), formatMicros(t.amount)]));
    if (s.byJob.length) {
      // with named hosts, each job's line says which host it ran on
      const hosts = s.byJob.some((j) => j.host !== null);
      const cols = hosts ? JOB_HOST_COLS : JOB_COLS;
      const cells = (a: string, b: string, host: string, rest: string[]) => (hosts ? [a, b, host, ...rest] : [a, b, ...rest]);
      out.push('');
      out.push('USAGE BY JOB');
      out.push(row(cols, cells('JOB', 'NAME', 'HOST', ['DATE', 'CPU SEC', 'KCS', 'CHARGE $'])));
      let jt = 0;
      for (const j of s.byJob) {
        jt += j.amount;
        out.push(row(cols, cells(j.jobNo === null ? '-' : String(j.jobNo), (j.jobName ?? '').toUpperCase(), j.host ?? '-',
          [j.day, fixed(j.cpuSeconds, 3), fixed(j.kcs, 3), formatMicros(j.amount)])));
      }
      out.push(rule(cols));
      out.push(row(cols, cells('', 'JOBS', '', ['', '', '', formatMicros(jt)])));
    }
    if (s.byHost.length > 1) {
      // several hosts charged this month: what each charged, adding up to the total
      out.push('');
      out.push('USAGE BY HOST');
      out.push(row(HOST_COLS, ['HOST', 'CPU SEC', 'CONNECT', 'KCS', 'CHARGE $']));
      for (const h of s.byHost) out.push(row(HOST_COLS, [h.host ?? '(UNNAMED)', fixed(h.cpuSeconds, 3), hms(h.connectMs), fixed(h.kcs, 3), formatMicros(h.amount)]));
      out.push(rule(HOST_COLS));
      out.push(row(HOST_COLS, [`${s.byHost.length} HOSTS`, '', '', '', formatMicros(s.byHost.reduce((t, h) => t + h.amount, 0))]));
    }
    out.push('');
    out.push('CHARGES');
    out.push(row(CHARGE_COLS, ['ITEM', 'QUANTITY', 'RATE', 'AMOUNT $']));
    const schedules = new Set(s.charges.map((c) => c.rateId));
    let lastId = '';
    for (const c of s.charges) {
      if (schedules.size > 1 && c.rateId !== lastId) out.push(`RATES OF ${c.rateId}`);
      lastId = c.rateId;
      out.push(row(CHARGE_COLS, [LABEL[c.kind] ?? c.kind.toUpperCase(), quantityText(c), rateText(c), formatMicros(c.amount)]));
    }
    out.push(rule(CHARGE_COLS));
    out.push(row(CHARGE_COLS, ['TOTAL', '', '', formatMicros(s.total)]));
  }
  if (s.budget !== undefined && s.budget !== null) {
    out.push('');
    const left = s.budget - s.total;
    out.push(`BUDGET $${formatCents(s.budget)} A MONTH, ${left > 0 ? `$${formatMicros(left)} LEFT` : 'EXHAUSTED'}`);
  }
  return out.map((l) => (l.length > WIDTH ? l.slice(0, WIDTH) : l)).join('\n');
}
