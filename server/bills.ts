// `npm run bills -- [--data DIR] [--store URL] [--month YYYY-MM] [--user NAME] [--format table|csv|json] [--rates FILE]`
// Every user's invoice for a month, read from the ledger in DIR/timeshare.db (or the PostgreSQL
// store every host shares: the bill sums all hosts). Output goes to stdout; mistakes get one plain
// line on stderr and exit status 2 (usage) or 1 (no data).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from './store/sqlite.ts';
import { hasLedger } from './store/ledger.ts';
import { openStore, storeSpec } from './store/open.ts';
import { isPostgresUrl } from './store/postgres.ts';
import type { Store } from './store/store.ts';
import { loadRates } from './accounting/rates.ts';
import { buildInvoices, invoicesCsv, invoicesJson, invoicesTable } from './accounting/invoices.ts';
import { monthRange } from './accounting/zone.ts';
import { tops10Date } from './accounting/notices.ts';

const USAGE = 'usage: npm run bills -- [--data DIR | --store postgres://...] [--month YYYY-MM] [--user NAME] [--format table|csv|json] [--rates FILE]';

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        data: { type: 'string', default: './data' },
        store: { type: 'string' },
        month: { type: 'string' },
        user: { type: 'string' },
        format: { type: 'string', default: 'table' },
        rates: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const format = args.format!;
  if (!['table', 'csv', 'json'].includes(format)) throw new UsageError(`unknown format "${format}": use table, csv or json`);
  // The rate file gives the site's time zone (the ledger's days were fixed in it when charged).
  const rates = loadRates(args.rates, 1);
  const month = args.month ?? rates.zone.day(Date.now()).slice(0, 7);
  try {
    monthRange(month);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const user = args.user?.trim().toUpperCase();
  if (user !== undefined && !/^[A-Z][A-Z0-9]*$/.test(user)) throw new UsageError(`not a user name: "${args.user}"`);

  const spec = storeSpec(args.store, args.data!);
  if (!isPostgresUrl(spec) && !existsSync(join(spec, 'timeshare.db'))) {
    console.error(`bills: no database in ${spec} (no timeshare.db; check --data or --store)`);
    return 1;
  }
  const store: Store = await openStore(spec);
  try {
    const accounts = await store.accounts.list();
    if (user !== undefined && !accounts.some((a) => a.name === user)) {
      console.error(`bills: no account named ${user}`);
      return 1;
    }
    if (store instanceof SqliteStore && !hasLedger(store.db)) {
      console.error(`bills: the database in ${spec} has no ledger yet`);
      return 1;
    }
    const ledger = store.ledger;
    const budgets = new Map(accounts.map((a) => [a.name, a.budget]));
    const run = await buildInvoices(ledger, month, rates.zone.name, budgets, user);
    if (format === 'json') console.log(invoicesJson(run));
    else if (format === 'csv') console.log(invoicesCsv(run));
    else console.log(await invoicesTable(ledger, run, tops10Date(Date.now(), rates.zone)));
    return 0;
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`bills: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`bills: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
