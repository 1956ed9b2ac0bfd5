// What the web server sends the browser as JSON: the one definition of each payload, used by the
// server that builds it (server/web/bill.ts, console.ts) and the page that reads it
// (server/web/client/bill.ts, console.ts), so a field renamed on one side is a type error on the
// other. Money is integer micro-dollars, with its exact dollar text beside it.

// ---- My bill: GET /api/bill ----

export interface BillDay {
  day: string;
  cpuSeconds: number;
  amount: number;
}

export interface BillData {
  user: string;
  month: string;
  /** this month in the rate zone */
  current: string;
  zone: string;
  /** months with a statement, newest first (the account's first month to now) */
  months: string[];
  /** micro-dollars, and as dollars to the micro-dollar */
  total: number;
  totalText: string;
  budget: number | null;
  budgetText: string | null;
  /** the month's charges against the budget, in percent (null: no budget) */
  budgetUsedPct: number | null;
  /** every day of the month, charged or not */
  days: BillDay[];
  charges: { kind: string; label: string; quantity: string; rate: string; rateEffective: string; amount: number; amountText: string }[];
  jobs: { job: number | null; name: string; day: string; cpuSeconds: number; kcs: number; amount: number; amountText: string }[];
}

// ---- the operator's console: /api/console/events and its actions ----

/** One second's figures, pushed to every open console. */
export interface Sample {
  at: number;
  uptimeMs: number;
  /** busy share of the mainframe's cycles since the previous sample, 0..1 (null: no cycles ran) */
  utilisation: number | null;
  load: [number, number, number] | null;
  /** the mainframe's own busy share decayed over 1, 5 and 15 minutes (SYSTAT's), 0..1 */
  utilisationAvg: [number, number, number] | null;
  core: { total: number; used: number } | null;
  lines: { line: number; user: string | null; address: string; since: number; idleMs: number; state: string }[];
  jobs: { job: number; owner: string; name: string; line: number | null; state: string; cpuSeconds: number; coreWords: number; share: number | null; snapshotAgeMs: number | null }[];
}

/** The ledger's figures for the console (sent less often than samples). */
export interface Ledgerish {
  revenue: { day: string; amount: number; amountText: string }[];
  monthTotal: number;
  monthTotalText: string;
  budgets: { user: string; operator: boolean; budget: number | null; budgetText: string | null; spent: number; spentText: string }[];
}

/** An operator's action, as the console's log shows it. */
export interface Action {
  at: number;
  by: string;
  action: 'BROADCAST' | 'HANGUP' | 'KILL' | 'BUDGET';
  detail: string;
}
