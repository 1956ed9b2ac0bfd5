// Bills over a ledger charged by several hosts: the statement's job lines say which host each job
// ran on, a section gives each host's share, and the invoices keep each host's charges on lines of
// their own; every section still adds up to the total.
import { describe, expect, it } from 'vitest';
import { Meter } from '../../server/accounting/meter.ts';
import { buildStatement, formatStatement } from '../../server/accounting/bill.ts';
import { buildInvoices, invoicesCsv, invoicesJson } from '../../server/accounting/invoices.ts';
import { SqliteLedger, type LedgerEntry } from '../../server/store/ledger.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book, payer } from '../accounting/helpers.ts';

const meters = (cycles: number): Meters => ({ cycles, svcs: 0, coreWords: 4096, coreWordCycles: cycles * 4096, coreWordMs: Math.round((cycles * 4096) / 10_000), outputChars: 0, startedAt: 0 });
const on = (host: string | null, es: LedgerEntry[]) => es.map((e) => ({ ...e, host }));

async function ledger() {
  const l = SqliteLedger.memory();
  const m = new Meter(book());
  await l.append([
    ...on('ALPHA', m.job(payer('ANN', 101), meters(60 * CLOCK), PRIME)),
    ...on('BETA', m.job(payer('ANN', 102), meters(30 * CLOCK), PRIME + 3_600_000)),
    ...on('BETA', m.job(payer('BEN', 103), meters(CLOCK), PRIME)),
  ]);
  return l;
}

describe('bills across hosts', () => {
  it('BILL: each job line names its host; USAGE BY HOST adds up to the total', async () => {
    const st = await buildStatement(await ledger(), 'ANN', '2026-10', 'UTC', null);
    expect(st.byHost.map((h) => [h.host, h.cpuSeconds])).toEqual([['ALPHA', 60], ['BETA', 30]]);
    expect(st.byHost.reduce((s, h) => s + h.amount, 0)).toBe(st.total);
    const text = formatStatement(st);
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(72);
    expect(text).toMatch(/^ +JOB NAME +HOST +DATE +CPU SEC/m);
    expect(text).toMatch(/^ +101 PROG101 +ALPHA +2026-10-14 +60\.000/m);
    expect(text).toMatch(/^ +102 PROG102 +BETA +2026-10-14 +30\.000/m);
    expect(text).toContain('USAGE BY HOST');
    expect(text).toMatch(/^ALPHA +60\.000 +0:00:00 +245\.760 +2\.491520$/m);
    expect(text).toMatch(/^2 HOSTS +3\.737280$/m);
    expect(text).toMatch(/^TOTAL +3\.737280$/m);
  });

  it('npm run bills: each charge line says which host, and the user total sums them', async () => {
    const run = await buildInvoices(await ledger(), '2026-10', 'UTC', new Map());
    const ann = run.invoices.find((i) => i.user === 'ANN')!;
    expect(ann.lines.filter((l) => l.kind === 'cpu').map((l) => [l.host, l.quantity])).toEqual([['ALPHA', 60 * CLOCK], ['BETA', 30 * CLOCK]]);
    expect(ann.total).toBe(ann.lines.reduce((s, l) => s + l.amount, 0));
    const csv = invoicesCsv(run).split('\n').map((r) => r.split(','));
    expect(csv[0]!.at(-1)).toBe('host');
    expect(csv.filter((r) => r[1] === 'ANN' && r[2] === 'cpu').map((r) => r[10])).toEqual(['ALPHA', 'BETA']);
    const json = JSON.parse(invoicesJson(run));
    expect(json.users[0].lines[0]).toMatchObject({ host: 'ALPHA', kind: 'cpu' });
  });

  it('a one-host ledger prints as before: no host column, no host section', async () => {
    const l = SqliteLedger.memory();
    await l.append(new Meter(book()).job(payer('ANN', 1), meters(CLOCK), PRIME));
    const text = formatStatement(await buildStatement(l, 'ANN', '2026-10', 'UTC', null));
    expect(text).not.toContain('HOST');
  });
});
