// The accountant as the front end uses it: sessions, jobs, checkpoints, budgets, BYE and TIME.
import { describe, expect, it } from 'vitest';
import { Accountant, BUDGET_FRESH_MS } from '../../server/accounting/accountant.ts';
import { Meter } from '../../server/accounting/meter.ts';
import { SqliteLedger } from '../../server/store/ledger.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book, payer } from './helpers.ts';

const meters = (cycles: number): Meters => ({ cycles, svcs: 3, coreWords: 4096, coreWordCycles: cycles * 4096, coreWordMs: Math.round((cycles * 4096) / 10_000), outputChars: 0, startedAt: 0 });

function make(budgets: Record<string, number | null>, ledger = SqliteLedger.memory(), t = { now: PRIME }) {
  const acct = new Accountant({
    ledger, rates: book(), bootId: 'B2', now: () => t.now,
    budgetOf: async (u) => budgets[u] ?? null,
  });
  return { acct, ledger, t };
}

describe('budgets', () => {
  it('refuses RUN at the budget, counting charges not yet flushed', async () => {
    const { acct, ledger } = make({ ALICE: 1_000_000 }); // $1.00
    acct.login(1, 'ALICE');
    expect(await acct.refuseRun('ALICE')).toBeNull();
    acct.jobStarted(1, 'ALICE', 1, 'LOOP');
    // 29 CPU seconds ($0.966667) + core ($0.237568): over $1, all in memory
    const over = acct.checkpoint([{ job: 1, meters: meters(29 * CLOCK) }], PRIME);
    expect(over).toEqual([1]);
    expect(await ledger.total('ALICE', '2026-10-01', '2026-10-31')).toBe(0); // nothing flushed yet
    const msg = await acct.refuseRun('ALICE');
    expect(msg).toMatch(/^BUDGET EXHAUSTED: \$1\.204235 CHARGED THIS MONTH, BUDGET \$1\.00\.\nSEE THE OPERATOR/);
    for (const l of msg!.split('\n')) expect(l.length).toBeLessThanOrEqual(72);
    // the stopped job's end is charged too
    expect(acct.jobEnded(1, meters(30 * CLOCK))).toBe('TIME: 30.00 SECS.');
    await acct.flush();
    expect(await ledger.total('ALICE', '2026-10-01', '2026-10-31')).toBe(1_000_000 + 245_760);
  });

  it('sees charges made before a restart, and a raised budget', async () => {
    const ledger = SqliteLedger.memory();
    await ledger.append(new Meter(book()).job(payer('BOB', 9), meters(60 * CLOCK), PRIME - 3_600_000));
    const store: Record<string, number | null> = { BOB: 2_000_000 };
    const { acct, t } = make(store, ledger);
    expect(await acct.budgetState('BOB')).toEqual({ spent: 2_000_000 + 491_520, budget: 2_000_000 });
    expect(await acct.refuseRun('BOB')).toMatch(/BUDGET EXHAUSTED/);
    store.BOB = 5_000_000; // raised with npm run admin while the server runs: RUN reads it afresh,
    expect(await acct.refuseRun('BOB')).toMatch(/BUDGET EXHAUSTED/); // once the last read is a second old
    t.now += BUDGET_FRESH_MS;
    expect(await acct.refuseRun('BOB')).toBeNull();
    acct.setBudget('BOB', null); // the BUDGET command sets both the store and the accountant
    store.BOB = null;
    expect(await acct.refuseRun('BOB')).toBeNull();
  });

  it('reads a budget from the store at most once a second, however often RUN asks', async () => {
    let reads = 0;
    const t = { now: PRIME };
    const acct = new Accountant({
      ledger: SqliteLedger.memory(), rates: book(), bootId: 'B3', now: () => t.now,
      budgetOf: async () => (reads++, 2_000_000),
    });
    for (let i = 0; i < 100; i++, t.now += 25) expect(await acct.refuseRun('EVE')).toBeNull(); // 2.5 s of RUNs
    expect(reads).toBe(3); // at 0, 1 and 2 s
    acct.setBudget('EVE', 0); // the BUDGET command: seen at once, and counts as a read
    expect(await acct.refuseRun('EVE')).toMatch(/BUDGET EXHAUSTED/);
    expect(reads).toBe(3);
  });

  it('leaves users without a budget alone', async () => {
    const { acct } = make({});
    acct.login(1, 'CAROL');
    await acct.budgetState('CAROL');
    acct.jobStarted(5, 'CAROL', 1, 'BIG');
    expect(acct.checkpoint([{ job: 5, meters: meters(3600 * CLOCK) }], PRIME)).toEqual([]);
  });

  it('does not double count after a flush', async () => {
    const { acct } = make({ DAN: 10_000_000 });
    acct.login(1, 'DAN');
    await acct.budgetState('DAN');
    acct.jobStarted(1, 'DAN', 1, 'X');
    acct.checkpoint([{ job: 1, meters: meters(60 * CLOCK) }], PRIME);
    const before = await acct.budgetState('DAN');
    await acct.flush();
    expect(await acct.budgetState('DAN')).toEqual(before);
  });
});

describe('sessions', () => {
  it('sums a session for BYE: runtime, KCS, connect time and charge', async () => {
    const { acct, ledger, t } = make({});
    acct.login(3, 'ALICE', PRIME);
    acct.jobStarted(12, 'ALICE', 3, 'HELLO');
    acct.checkpoint([{ job: 12, meters: meters(CLOCK) }], PRIME + 1000);
    acct.jobEnded(12, meters(1.5 * CLOCK), PRIME + 1500);
    t.now = PRIME + (12 * 60 + 3) * 1000;
    await acct.tick();
    const bye = acct.logout(3, t.now)!;
    expect(bye.split('\n')).toEqual([
      'JOB 12, USER ALICE, LINE 3, LOGGED OFF AT 10:12:03 14-OCT-26',
      'RUNTIME 1.50 SEC, KCS 6, CONNECT 0:12:03',
      'CHARGE $0.463955 THIS SESSION', // 1.5 s $0.05 + 6.144 KCS $0.012288 + 723 s $0.401667
    ]);
    await acct.flush();
    const entries = await ledger.entriesOf({ session: 'B2.S1' });
    expect(entries.reduce((s, e) => s + e.amount, 0)).toBe(463_955);
    expect(entries.filter((e) => e.kind === 'connect').reduce((s, e) => s + e.quantity, 0)).toBe(723_000);
  });

  it('charges storage once an hour, however often it ticks', async () => {
    const ledger = SqliteLedger.memory();
    const t = { now: PRIME };
    const acct = new Accountant({
      ledger, rates: book(), bootId: 'B3', now: () => t.now, budgetOf: async () => null,
      savedWords: async () => new Map([['ALICE', 3000], ['BOB', 0]]),
    });
    await acct.tick();
    await acct.tick();
    t.now += 3_600_000;
    await acct.tick();
    t.now += 86_400_000 - 3_600_000;
    await acct.tick();
    await acct.flush();
    const acct2 = new Accountant({ ledger, rates: book(), bootId: 'B4', now: () => t.now, budgetOf: async () => null, savedWords: async () => new Map([['ALICE', 3000]]) });
    await acct2.tick(); // a restart the same hour
    await acct2.flush();
    const days = await ledger.byDay('ALICE', '2026-10-01', '2026-10-31');
    // 3,000 words held an hour: 3,000 word-hours, 1/720 of a month at $1 a thousand words
    expect(days.map((d) => [d.day, d.kind, d.quantity, d.amount])).toEqual([
      ['2026-10-14', 'storage', 6000, 8_334],
      ['2026-10-15', 'storage', 3000, 4_167],
    ]);
  });
});
