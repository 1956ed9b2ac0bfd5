// The accounting commands at the teletype: BILL for everyone, BUDGET for operators.
import type { Command } from '../frontend/commands/registry.ts';
import { userName } from '../frontend/names.ts';
import { crlf } from '../frontend/format.ts';
import type { Accountant } from './accountant.ts';
import { formatCents, formatMicros, parseDollars } from './money.ts';
import { monthRange } from './zone.ts';


export function accountingCommands(acct: Accountant): Command[] {
  return [
    {
      name: 'BILL', usage: 'BILL [YYYY-MM]', help: 'your statement for this month (or the month given)',
      async run(ctx) {
        const { session } = ctx;
        const month = ctx.args.trim();
        if (month) {
          try {
            monthRange(month);
          } catch {
            return session.println(`BILL WANTS A MONTH LIKE ${acct.rates.zone.day(Date.now()).slice(0, 7)}, NOT ${month.slice(0, 20).toUpperCase()}.`);
          }
        }
        session.print(crlf((await acct.statement(session.user!, month || undefined)).split('\n')));
      },
    },
    {
      name: 'BUDGET', usage: 'BUDGET USER [DOLLARS|NONE]', help: "show or set a user's monthly budget", operator: true,
      async run(ctx) {
        const { session, sys } = ctx;
        const [rawUser, amount, extra] = ctx.args.split(/\s+/).filter(Boolean);
        if (!rawUser || extra !== undefined) return session.println('USAGE: BUDGET USER [DOLLARS|NONE], E.G. BUDGET ALICE 25.00');
        const u = userName(rawUser);
        if ('error' in u) return session.println(u.error);
        const account = await sys.store.accounts.get(u.name);
        if (!account) return session.println(`NO USER ${u.name}.`);
        if (amount === undefined) {
          const st = await acct.budgetState(u.name);
          return session.println(`${u.name}: BUDGET ${st.budget === null ? 'NONE' : `$${formatCents(st.budget)}`} A MONTH, $${formatMicros(st.spent)} CHARGED THIS MONTH.`);
        }
        let budget: number | null;
        if (/^none$/i.test(amount)) budget = null;
        else {
          const b = parseDollars(amount);
          if (b === undefined) return session.println(`NOT AN AMOUNT: ${amount.slice(0, 20)} (DOLLARS, AT MOST 6 DECIMALS, OR NONE).`);
          budget = b;
        }
        if (!(await sys.store.accounts.setBudget(u.name, budget))) return session.println(`NO USER ${u.name}.`);
        acct.setBudget(u.name, budget);
        session.log.info({ target: u.name, budget }, 'budget set');
        session.println(`${u.name}: BUDGET ${budget === null ? 'NONE (UNLIMITED)' : `$${formatMicros(budget)} A MONTH`}.`);
      },
    },
  ];
}
