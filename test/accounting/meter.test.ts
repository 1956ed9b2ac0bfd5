import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Meter } from '../../server/accounting/meter.ts';
import { price } from '../../server/accounting/rates.ts';
import { SqliteLedger, type LedgerEntry } from '../../server/store/ledger.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, NIGHT, PRIME, book, payer } from './helpers.ts';

const meters = (cycles: number, words = 4096): Meters => ({ cycles, svcs: 0, coreWords: words, coreWordCycles: cycles * words, coreWordMs: Math.round((cycles * words) / 10_000), outputChars: 0, startedAt: 0 });
const sum = (es: LedgerEntry[], f: (e: LedgerEntry) => number = (e) => e.amount) => es.reduce((s, e) => s + f(e), 0);

describe('metering checkpoints', () => {
  it('charges only what was used since the last checkpoint', () => {
    const m = new Meter(book());
    const p = payer('ALICE', 1);
    const a = m.job(p, meters(3 * CLOCK), PRIME);
    const b = m.job(p, meters(5 * CLOCK), PRIME + 1000);
    expect(a.map((e) => [e.kind, e.quantity])).toEqual([['cpu', 3 * CLOCK], ['core', 3 * 1000 * 4096]]);
    expect(b.map((e) => [e.kind, e.quantity])).toEqual([['cpu', 2 * CLOCK], ['core', 2 * 1000 * 4096]]);
    expect(m.job(p, meters(5 * CLOCK), PRIME + 2000)).toEqual([]); // nothing new
    // 5 CPU seconds at $2/min = 166,667 µ$ (rounded once, not 66,667 + 100,000 = 166,667 by luck)
    expect(sum([...a, ...b].filter((e) => e.kind === 'cpu'))).toBe(166_667);
  });

  it("a job's charge does not depend on how often it was checkpointed", () => {
    const r = book().rate('cpu', PRIME);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 7_777_777 }), { minLength: 1, maxLength: 60 }), (steps) => {
      const m = new Meter(book());
      const p = payer('BOB', 2);
      let cum = 0;
      const es: LedgerEntry[] = [];
      for (const s of steps) es.push(...m.job(p, meters((cum += s)), PRIME));
      const cpu = es.filter((e) => e.kind === 'cpu');
      return sum(cpu) === price(cum, r) && sum(cpu, (e) => e.quantity) === cum;
    }));
  });

  it('replaying the same checkpoints charges once', async () => {
    const ledger = SqliteLedger.memory();
    const readings = [1_234_567, 2_000_001, 9_999_999, 10_000_000, 31_415_926];
    const run = () => {
      const m = new Meter(book());
      return readings.flatMap((c, i) => m.job(payer('CAROL', 7), meters(c), PRIME + i * 1000));
    };
    const first = run();
    expect(await ledger.append(first)).toBe(first.length);
    expect(await ledger.append(run())).toBe(0); // a second meter, same stream: all duplicates
    expect(await ledger.append(first)).toBe(0); // the same batch again
    expect(await ledger.total('CAROL', '2026-10-01', '2026-10-31')).toBe(sum(first));
  });

  it('a restarted meter seeded from the ledger charges only the rest', async () => {
    const ledger = SqliteLedger.memory();
    const m1 = new Meter(book());
    const p = payer('DAVE', 3);
    await ledger.append(m1.job(p, meters(4 * CLOCK), PRIME));
    const m2 = new Meter(book());
    m2.seed(p.job, 'cpu', await ledger.lastCumulative({ job: p.job }, 'cpu'));
    m2.seed(p.job, 'core', await ledger.lastCumulative({ job: p.job }, 'core'));
    await ledger.append(m2.job(p, meters(6 * CLOCK), PRIME + 1000));
    const es = await ledger.entriesOf({ job: p.job });
    expect(sum(es.filter((e) => e.kind === 'cpu'), (e) => e.quantity)).toBe(6 * CLOCK);
  });

  it('charges at the rate in force at each checkpoint, and records it', () => {
    const m = new Meter(book([{ offPrimeDiscountPct: 50 }]));
    const p = payer('ERIN', 4);
    const day = m.job(p, meters(60 * CLOCK), PRIME)[0]!;
    const night = m.job(p, meters(120 * CLOCK), NIGHT)[0]!;
    expect([day.amount, day.discount, day.rate, day.per]).toEqual([2_000_000, 0, 2_000_000, 60 * CLOCK]);
    expect([night.amount, night.discount]).toEqual([1_000_000, 50]);
  });

  it('charges a rate change mid-job from the change on', () => {
    const m = new Meter(book([{}, { effective: '2026-10-15', cpuPerMinute: 4_000_000 }]));
    const p = payer('FRED', 5);
    const a = m.job(p, meters(60 * CLOCK), Date.UTC(2026, 9, 14, 23, 59))[0]!;
    const b = m.job(p, meters(90 * CLOCK), Date.UTC(2026, 9, 15, 0, 0, 1))[0]!;
    expect([a.amount, a.rateId, a.day]).toEqual([2_000_000, '1970-01-01', '2026-10-14']);
    expect([b.amount, b.rateId, b.day]).toEqual([2_000_000, '2026-10-15', '2026-10-15']); // 30 s at $4/min
  });

  it('checkpoints connect time and charges storage once an hour', () => {
    const m = new Meter(book());
    const p = { user: 'GINA', session: 'B1.S1', job: null, jobNo: null, jobName: null };
    const c1 = m.connect(p, 30 * 60_000, PRIME)!;
    const c2 = m.connect(p, 60 * 60_000, PRIME + 30 * 60_000)!;
    expect(c1.amount + c2.amount).toBe(2_000_000);
    expect(m.connect(p, 60 * 60_000, PRIME + 30 * 60_000)).toBeNull();
    const s1 = m.storage('GINA', 3000, PRIME)!;
    const s2 = m.storage('GINA', 3000, PRIME + 1_800_000)!;
    const s3 = m.storage('GINA', 3000, PRIME + 3_600_000)!;
    expect(s1.key).toBe(s2.key); // the ledger keeps the first of the hour
    expect(s3.key).not.toBe(s1.key);
    expect(s1.amount).toBe(4_167); // 3 K-words for 1/720 month at $1
  });

  it('refuses nonsense readings', () => {
    const m = new Meter(book());
    expect(() => m.reading('x', payer('H', 1), 'cpu', -1, PRIME)).toThrow(/bad cpu reading/);
    expect(() => m.reading('x', payer('H', 1), 'cpu', 1.5, PRIME)).toThrow(/bad cpu reading/);
  });
});
