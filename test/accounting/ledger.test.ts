import { describe, expect, it } from 'vitest';
import { Meter } from '../../server/accounting/meter.ts';
import { CHUNK, LedgerWriter } from '../../server/accounting/writer.ts';
import { SqliteLedger, type Ledger, type LedgerEntry } from '../../server/store/ledger.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book, payer } from './helpers.ts';
import Database from 'better-sqlite3';

const meters = (cycles: number): Meters => ({ cycles, svcs: 0, coreWords: 2048, coreWordCycles: cycles * 2048, coreWordMs: Math.round((cycles * 2048) / 10_000), outputChars: 0, startedAt: 0 });

describe('the ledger', () => {
  it('is append-only', async () => {
    const l = SqliteLedger.memory();
    await l.append(new Meter(book()).job(payer('ANN', 1), meters(CLOCK), PRIME));
    const db = (l as unknown as { db: Database.Database }).db;
    expect(() => db.prepare('UPDATE ledger SET amount = 0').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger').run()).toThrow(/append-only/);
  });

  it('groups a month by day, by job and by user', async () => {
    const l = SqliteLedger.memory();
    const m = new Meter(book());
    const day = 86_400_000;
    await l.append([
      ...m.job(payer('ANN', 1), meters(CLOCK), PRIME),
      ...m.job(payer('ANN', 1), meters(3 * CLOCK), PRIME + day),
      ...m.job(payer('ANN', 2), meters(2 * CLOCK), PRIME + day),
      ...m.job(payer('BEN', 3), meters(CLOCK), PRIME),
      ...m.job(payer('ANN', 4), meters(CLOCK), Date.UTC(2026, 10, 1, 12)), // November
    ]);
    const days = await l.byDay('ANN', '2026-10-01', '2026-10-31');
    expect(days.filter((g) => g.kind === 'cpu').map((g) => [g.day, g.quantity])).toEqual([['2026-10-14', CLOCK], ['2026-10-15', 4 * CLOCK]]);
    const jobs = await l.byJob('ANN', '2026-10-01', '2026-10-31');
    expect(jobs.filter((g) => g.kind === 'cpu').map((g) => [g.jobNo, g.quantity, g.day])).toEqual([[1, 3 * CLOCK, '2026-10-14'], [2, 2 * CLOCK, '2026-10-15']]);
    const users = await l.byUser('2026-10-01', '2026-10-31');
    expect(users.filter((g) => g.kind === 'cpu').map((g) => [g.user, g.quantity])).toEqual([['ANN', 5 * CLOCK], ['BEN', CLOCK]]);
    expect(await l.total('ANN', '2026-11-01', '2026-11-30')).toBe(33_333 + 4_096); // 1 CPU second; 2.048 KCS at $0.002
  });
});

describe('the batching writer', () => {
  it('writes a batch in one go and ignores duplicates', async () => {
    const l = SqliteLedger.memory();
    const w = new LedgerWriter(l);
    const m = new Meter(book());
    const es = m.job(payer('ANN', 1), meters(CLOCK), PRIME);
    w.add(es);
    w.add(es);
    expect(w.pending).toBe(4);
    expect(await w.flush()).toBe(2);
    expect([w.written, w.duplicates, w.pending]).toEqual([2, 2, 0]);
  });

  it('keeps entries when a write fails and writes them on the next flush', async () => {
    const real = SqliteLedger.memory();
    let fail = true;
    const flaky: Ledger = Object.assign(Object.create(real) as Ledger, {
      append: async (es: readonly LedgerEntry[]) => {
        if (fail) throw new Error('disk full');
        return real.append(es);
      },
    });
    const errors: string[] = [];
    const w = new LedgerWriter(flaky, { error: (_o, msg) => errors.push(msg) });
    w.add(new Meter(book()).job(payer('ANN', 1), meters(CLOCK), PRIME));
    expect(await w.flush()).toBe(0);
    expect(w.pending).toBe(2);
    expect(errors[0]).toMatch(/kept for the next flush/);
    fail = false;
    expect(await w.flush()).toBe(2);
    expect(await real.total('ANN', '2026-10-01', '2026-10-31')).toBe(33_333 + 4_096);
  });

  it('writes a big batch in small transactions, letting the event loop run between them', async () => {
    const real = SqliteLedger.memory();
    const sizes: number[] = [];
    let turnsSeen = 0;
    let turns = 0;
    const counting: Ledger = Object.assign(Object.create(real) as Ledger, {
      append: async (es: readonly LedgerEntry[]) => {
        sizes.push(es.length);
        turnsSeen = turns;
        return real.append(es);
      },
    });
    const w = new LedgerWriter(counting);
    const m = new Meter(book());
    for (let s = 0; s < 500; s++) w.add(m.connect({ user: 'ANN', session: `s${s}`, job: null, jobNo: null, jobName: null }, 60_000, PRIME)!);
    expect(w.pending).toBe(500);
    // something else that wants the event loop meanwhile (an echo): it gets turns during the flush
    const tick = () => { turns++; if (turns < 100) setImmediate(tick); };
    setImmediate(tick);
    expect(await w.flush()).toBe(500);
    expect(sizes.every((n) => n <= CHUNK)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(500);
    expect(turnsSeen).toBeGreaterThanOrEqual(sizes.length - 1); // a turn before each later chunk
    expect([w.written, w.pending]).toEqual([500, 0]);
  });
});
