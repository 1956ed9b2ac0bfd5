// Two hosts' accountants charging one PostgreSQL ledger: each sees what the other charged once it
// re-reads the month-to-date totals (about once a checkpoint), so a user running on both is stopped
// near the budget rather than each host letting them spend it whole.
import { afterAll, describe, expect, it } from 'vitest';
import { Accountant } from '../../server/accounting/accountant.ts';
import { PgStore } from '../../server/store/postgres.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book, payer } from '../accounting/helpers.ts';
import { Meter } from '../../server/accounting/meter.ts';
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

describe('leases on a budget', () => {
  const month = '2026-10';
  const req = (host: string, over: Partial<Parameters<PgStore['leases']['lease']>[0]> = {}) => ({
    user: 'ANN', host, month, first: '2026-10-01', last: '2026-10-31', pending: 0, minGrant: 10_000, now: PRIME, staleMs: 60_000, ...over,
  });

  it('grants each host a share of what is left, never more than the budget in all, even when hosts ask at once', async () => {
    const url = await freshDatabase('lease');
    const stores4 = await Promise.all([0, 1, 2, 3].map(() => PgStore.open(url)));
    stores.push(...stores4);
    const [s] = stores4;
    await s!.accounts.create({ name: 'ANN', password: 'h', budget: 1_000_000 });
    for (const h of ['ALPHA', 'BETA', 'GAMMA', 'DELTA']) await s!.cluster.beat({ host: h, boot: h, url: '', startedAt: PRIME, beatAt: PRIME, maxLines: 1, lines: [], jobs: [], load: null, core: null });
    // 300,000 already charged (by a host of the past)
    const m = new Meter(book());
    await s!.ledger.append(m.job(payer('ANN', 1), meters(9 * CLOCK), PRIME).map((e) => ({ ...e, host: 'OLD' })));
    const charged = await s!.ledger.total('ANN', '2026-10-01', '2026-10-31');
    expect(charged).toBeGreaterThan(200_000);
    const first = await s!.leases.lease(req('ALPHA'));
    expect(first).toMatchObject({ budget: 1_000_000, used: 0 });
    expect(first.granted).toBe(Math.ceil((1_000_000 - charged) / 2)); // half of what is left, not all of it
    // four hosts asking again and again, at once: what they hold together never passes what is left
    const hosts = ['ALPHA', 'BETA', 'GAMMA', 'DELTA'];
    for (let round = 0; round < 6; round++) await Promise.all(hosts.map((h, i) => stores4[i]!.leases.lease(req(h))));
    const held = await s!.leases.held('ANN', month);
    expect(held.map((h) => h.host)).toEqual(['ALPHA', 'BETA', 'DELTA', 'GAMMA']);
    expect(held.reduce((t, h) => t + h.granted, 0)).toBeLessThanOrEqual(1_000_000 - charged);
    expect(held.reduce((t, h) => t + h.granted, 0)).toBeGreaterThan(0.99 * (1_000_000 - charged));
    // nothing more is free: a new grant is 0
    expect((await s!.leases.lease(req('BETA'))).grant).toBe(0);
    // a host that gives its lease back frees it for the others; one given more meanwhile keeps it
    const alpha = held.find((h) => h.host === 'ALPHA')!.granted;
    expect(await s!.leases.release('ANN', month, 'ALPHA', alpha + 1)).toBe(false);
    expect(await s!.leases.release('ANN', month, 'ALPHA', alpha)).toBe(true);
    expect((await s!.leases.lease(req('BETA'))).grant).toBeGreaterThan(0);
    // a host not heard from for staleMs: its lease counts as given back
    await s!.leases.releaseAll('BETA');
    const later = PRIME + 61_000;
    for (const h of ['ALPHA', 'BETA']) await s!.cluster.beat({ host: h, boot: h, url: '', startedAt: PRIME, beatAt: later, maxLines: 1, lines: [], jobs: [], load: null, core: null });
    const after = await s!.leases.lease(req('ALPHA', { now: later }));
    expect(after.granted).toBe(Math.ceil((1_000_000 - charged) / 2)); // GAMMA's and DELTA's leases are void
    // a user without a budget gets no lease
    await s!.accounts.create({ name: 'BOB', password: 'h' });
    expect(await s!.leases.lease(req('ALPHA', { user: 'BOB' }))).toEqual({ budget: null, granted: 0, used: 0, grant: 0 });
  });

  it('two hosts\' accountants with leases: charges for CPU and core stop at the budget, never past it', async () => {
    const url = await freshDatabase('leaseacct');
    const [sa, sb] = [await PgStore.open(url), await PgStore.open(url)];
    stores.push(sa, sb);
    await sa.accounts.create({ name: 'ANN', password: 'h', budget: 500_000 });
    const t = { now: PRIME };
    for (const h of ['ALPHA', 'BETA']) await sa.cluster.beat({ host: h, boot: h, url: '', startedAt: PRIME, beatAt: Date.now(), maxLines: 1, lines: [], jobs: [], load: null, core: null });
    const make = (s: PgStore, host: string) => new Accountant({
      ledger: s.ledger, rates: book(), bootId: host, host, now: () => t.now, budgetOf: async (u) => (await s.accounts.get(u))?.budget ?? null, leases: s.leases,
    });
    const a = make(sa, 'ALPHA');
    const b = make(sb, 'BETA');
    // each host's mainframe: a job that uses every cycle its ceiling allows, a CPU second a checkpoint
    const cycles = { ALPHA: 0, BETA: 0 };
    const ceilings = await Promise.all([a.ceiling('ANN', t.now), b.ceiling('ANN', t.now)]);
    for (const acct of [a, b]) acct.jobStarted(1, 'ANN', null, 'LOOP');
    const cap = { ALPHA: ceilings[0]!, BETA: ceilings[1]! };
    // a share, with more to come: a job reaching the ceiling waits for the renewal, asked for when
    // half of the share is used (renewAt), not when it is gone
    const first = a.purseNow('ANN', t.now)!;
    expect(first.more).toBe(true);
    expect(first.ceiling).toBe(cap.ALPHA);
    expect(first.renewAt).toBeGreaterThan(0);
    expect(first.renewAt).toBeLessThan(first.ceiling);
    for (let i = 0; i < 200; i++) {
      t.now += 1000;
      for (const [acct, h] of [[a, 'ALPHA'], [b, 'BETA']] as const) {
        cycles[h] = Math.min(cap[h], cycles[h] + CLOCK);
        acct.checkpoint([{ job: 1, meters: { ...meters(cycles[h]), coreWordMs: 0, coreWords: 0 } }], t.now);
        acct.renewLeases(['ANN'], t.now);
      }
      await Promise.all([a.flush(), b.flush()]);
      await new Promise((r) => setImmediate(r));
      await Promise.all([a.ceiling('ANN', t.now), b.ceiling('ANN', t.now)]);
      cap.ALPHA = a.ceilingNow('ANN', t.now)!;
      cap.BETA = b.ceilingNow('ANN', t.now)!;
    }
    const total = await sa.ledger.total('ANN', '2026-10-01', '2026-10-31');
    expect(total).toBeLessThanOrEqual(500_000);
    expect(total).toBeGreaterThan(480_000); // the budget was used, by both hosts
    expect(cycles.ALPHA).toBeGreaterThan(3 * CLOCK);
    expect(cycles.BETA).toBeGreaterThan(3 * CLOCK);
    // the database has nothing more to give either host: their ceilings are final (jobs stop)
    expect(a.purseNow('ANN', t.now)!.more).toBe(false);
    expect(b.purseNow('ANN', t.now)!.more).toBe(false);
  }, 90_000); // (200 rounds of grants and flushes: 1.5 s on a quiet host, past 30 s at load 26)
});
