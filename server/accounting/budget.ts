// Budgets: a user's budget is the most that may be charged to them in one calendar month (in the
// rate zone); null means unlimited. The check adds charges not yet flushed to the ledger, so a
// user cannot outrun the budget between two batches.
import { formatCents, formatMicros } from './money.ts';

export interface BudgetState {
  /** micro-dollars charged this month (ledger + unflushed) */
  spent: number;
  /** micro-dollars, null = unlimited */
  budget: number | null;
}

export function atBudget(s: BudgetState): boolean {
  return s.budget !== null && s.spent >= s.budget;
}

/** The message (two lines within 72 columns) a user sees when RUN is refused or a job is stopped at the budget. */
export function budgetMessage(s: BudgetState): string {
  return `BUDGET EXHAUSTED: $${formatMicros(s.spent)} CHARGED THIS MONTH, BUDGET $${formatCents(s.budget ?? 0)}.\nSEE THE OPERATOR TO RAISE IT.`;
}
