// Two hosts' accountants charging one PostgreSQL ledger: each sees what the other charged once it
// re-reads the month-to-date totals (about once a checkpoint), so a user running on both is stopped
// near the budget rather than each host letting them spend it whole.
import { afterAll, describe, expect, it } from 'vitest';
import { Accountant } from '../../server/accounting/accountant.ts';
import { PgStore } from '../../server/store/postgres.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book } from '../accounting/helpers.ts';
import { freshDatabase } from '../helpers/pg-db.ts';

const meters = (cycles: number): Meters => ({ cycles, svcs: 0, coreWords: 4096, coreWordCycles: cycles * 4096, coreWordMs: Math.round((cycles * 4096) / 10_000), outputChars: 0, startedAt: 0 });
const stores: PgStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

describe('budgets across hosts', () => {
  it('a host stops a job once the other host\'s charges and its own reach the budget', async () => {
    const url = await freshDatabase('acct');
    const [sa, sb] = [await PgStore.open(url), await PgStore.open(url)];
    stores.push(sa, sb);
    const t = { now: PRIME };
    const make = (s: PgStore, host: string) => new Accountant({
      ledger: s.ledger, rates: book(), bootId: host, host, now: () => t.now, budgetOf: async () => 2_000_000, // $2.00
    });
    const a = make(sa, 'ALPHA');
    const b = make(sb, 'BETA');
    for (const acct of [a, b]) {
      acct.login(1, 'ANN');
      expect(await acct.refuseRun('ANN')).toBeNull();
      acct.jobStarted(1, 'ANN', 1, 'LOOP');
    }
    // 20 CPU seconds on each host: $0.67 + $0.16 core each, $1.66 together; neither is over alone
    expect(a.checkpoint([{ job: 1, meters: meters(20 * CLOCK) }], t.now)).toEqual([]);
    expect(b.checkpoint([{ job: 1, meters: meters(20 * CLOCK) }], t.now)).toEqual([]);
    await Promise.all([a.flush(), b.flush()]);
    await Promise.all([a.refreshSpent(), b.refreshSpent()]);
    expect((await a.budgetState('ANN')).spent).toBe((await b.budgetState('ANN')).spent);
    // 10 more seconds on ALPHA ($0.42) put the sum over $2: BETA's next checkpoint (no new use of its own)
    // stops its job once it has re-read the ledger
    expect(a.checkpoint([{ job: 1, meters: meters(30 * CLOCK) }], t.now)).toEqual([1]);
    await a.flush();
    expect(b.checkpoint([{ job: 1, meters: meters(20 * CLOCK) }], t.now)).toEqual([]);
    await b.refreshSpent();
    expect(b.checkpoint([{ job: 1, meters: meters(20 * CLOCK) }], t.now)).toEqual([1]);
    expect(await b.refuseRun('ANN')).toMatch(/BUDGET EXHAUSTED/);
  });
});
