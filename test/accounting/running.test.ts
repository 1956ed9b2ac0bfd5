// Running statements ("My bill" for heavy users) must be BILL's statement exactly: the same lines,
// the same micro-dollars, whatever was charged between two reads, across rate changes, off-prime
// discounts, midnights and several jobs at once.
import { describe, expect, test } from 'vitest';
import { Accountant } from '../../server/accounting/accountant.ts';
import { buildStatement } from '../../server/accounting/bill.ts';
import { SqliteLedger } from '../../server/store/ledger.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { book, CLOCK } from './helpers.ts';

const meters = (cycles: number, at: number): Meters => ({ cycles, svcs: 1, coreWords: 4096, coreWordCycles: cycles * 4096, coreWordMs: Math.round((cycles * 4096) / 10_000), outputChars: 0, startedAt: at }) as unknown as Meters;

describe('running statements', () => {
  test('equal buildStatement after every step of a busy month', async () => {
    const ledger = SqliteLedger.memory();
    let now = Date.UTC(2026, 9, 12, 7, 0, 0); // a Monday before prime time
    const rates = book([{ offPrimeDiscountPct: 25 }, { effective: '2026-10-14', cpuPerMinute: 3_000_000 }]);
    const acct = new Accountant({ ledger, rates, bootId: 'T', budgetOf: async () => 5_000_000, now: () => now });
    const check = async () => {
      for (const user of ['ALICE', 'BOB']) {
        const running = await acct.runningStatement(user, '2026-10');
        const direct = await buildStatement(ledger, user, '2026-10', 'UTC', 5_000_000);
        expect(running).toEqual(direct);
      }
    };
    await check(); // empty months are followed from the start
    acct.login(1, 'ALICE', now);
    let job = 0;
    for (let step = 0; step < 60; step++) {
      now += 97 * 60_000; // across prime/off-prime and midnights, into the new rate schedule
      const user = step % 3 === 0 ? 'BOB' : 'ALICE';
      const j = ++job;
      acct.jobStarted(j, user, user === 'ALICE' ? 1 : null, `P${j % 4}`);
      acct.checkpoint([{ job: j, meters: meters(1_000_000 * (step + 1), now) }], now);
      if (step % 4 !== 0) acct.jobEnded(j, meters(3_000_000 * (step + 1), now + 500), now + 500);
      else acct.checkpoint([{ job: j, meters: meters(2_000_000 * (step + 1), now + 400) }], now + 400); // still running
      if (step % 5 === 0) await acct.tick(now);
      if (step % 7 === 0) await check();
      else await acct.flush();
    }
    await check();
    expect((await acct.runningStatement('ALICE', '2026-10')).byJob.length).toBeGreaterThan(30);
    expect(acct.running.size).toBe(2);
    expect(acct.running.loads).toBe(2); // read once each, then followed by sums alone
  });

  test('a month charged behind its back (another server, a replay) is read again', async () => {
    const ledger = SqliteLedger.memory();
    const now = Date.UTC(2026, 9, 14, 10, 0, 0);
    const acct = new Accountant({ ledger, rates: book(), bootId: 'T', budgetOf: async () => null, now: () => now });
    acct.jobStarted(1, 'ALICE', null, 'A');
    acct.jobEnded(1, meters(CLOCK, now), now);
    const before = await acct.runningStatement('ALICE', '2026-10');
    // another writer appends straight to the ledger
    await ledger.append([{ key: 'other/1', user: 'ALICE', session: null, job: 'OTHER.J1', jobNo: 1, jobName: 'B', kind: 'cpu', quantity: CLOCK, unit: 'cycles', cum: CLOCK,
      rate: 2_000_000, per: 600_000_000, discount: 0, rateId: '1970-01-01', amount: 33_333, at: now, day: '2026-10-14', host: 'OTHER' }]);
    expect(acct.running.loads).toBe(1);
    const after = await acct.runningStatement('ALICE', '2026-10');
    expect(acct.running.loads).toBe(2);
    expect(after.total).toBe(before.total + 33_333);
    expect(after).toEqual(await buildStatement(ledger, 'ALICE', '2026-10', 'UTC', null));
  });
});
