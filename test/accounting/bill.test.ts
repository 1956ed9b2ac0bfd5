import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Meter } from '../../server/accounting/meter.ts';
import { buildStatement, formatStatement } from '../../server/accounting/bill.ts';
import { byeSummary, timeLine } from '../../server/accounting/notices.ts';
import { SqliteLedger, type LedgerEntry } from '../../server/store/ledger.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { Zone } from '../../server/accounting/zone.ts';
import { CLOCK, book, payer } from './helpers.ts';

const meters = (cycles: number, words: number): Meters => ({ cycles, svcs: 0, coreWords: words, coreWordCycles: cycles * words, coreWordMs: Math.round((cycles * words) / 10_000), outputChars: 0, startedAt: 0 });
const micros = (s: string) => { const [w, f] = s.split('.'); return Number(w) * 1_000_000 + Number(f); };
const HOUR = 3_600_000;
const OCT1 = Date.UTC(2026, 9, 1);

/** Awkward quantities: around the rounding step of each rate, primes, and big ones. */
const AWKWARD = [1, 149, 150, 151, 299, 300, 301, 449, 450, 451, 599_999, 600_000, 600_001, 7_777_777, 99_999_999, 2 ** 31 - 1, 123_456_789_013];

/** A month of use by several users: jobs over several days, a rate change, off-prime hours, connect time, storage. */
function month(seed: number[]): LedgerEntry[] {
  const m = new Meter(book([{ offPrimeDiscountPct: 35 }, { effective: '2026-10-16', cpuPerMinute: 2_750_000, perKcs: 3_333, connectPerHour: 1_234_567 }]));
  const out: LedgerEntry[] = [];
  let job = 0;
  seed.forEach((q, i) => {
    const user = ['ALICE', 'BOB', 'CAROL'][i % 3]!;
    const at = OCT1 + ((i * 7919) % 30) * 24 * HOUR + ((i * 13) % 24) * HOUR;
    const p = payer(user, ++job, `B1.S${i % 5}`);
    // three checkpoints; the last one an hour later, maybe across a prime boundary or midnight
    out.push(...m.job(p, meters(Math.floor(q / 3), 2048 + (i % 7) * 2), at));
    out.push(...m.job(p, meters(Math.floor((2 * q) / 3), 2048 + (i % 7) * 2), at + 1000));
    out.push(...m.job(p, meters(q, 2048 + (i % 7) * 2), at + HOUR));
    const c = m.connect({ user, session: `B1.C${i}`, job: null, jobNo: null, jobName: null }, q % (5 * HOUR), at + HOUR);
    if (c) out.push(c);
    const s = m.storage(user, (q % 100_000) + 1, at);
    if (s) out.push(s);
  });
  // The ledger keeps the first entry of a key (two jobs' storage on one day is one charge).
  const seen = new Set<string>();
  return out.filter((e) => !seen.has(e.key) && !!seen.add(e.key));
}

function sections(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let cur = '';
  for (const l of text.split('\n')) {
    if (/^(USAGE BY DAY|USAGE BY JOB|CHARGES)$/.test(l)) map.set((cur = l), []);
    else if (cur && l !== '') map.get(cur)!.push(l);
    else if (l === '') cur = '';
  }
  return map;
}

/** Checks every table: width, alignment, and that its amount column adds up to its total line. */
function checkLayout(text: string, total: number): void {
  for (const l of text.split('\n')) expect(l.length, l).toBeLessThanOrEqual(72);
  const secs = sections(text);
  for (const [name, rows] of secs) {
    const amountRows = rows.filter((r) => /\d+\.\d{6}$/.test(r));
    // right-aligned last column: every amount ends in the same column as the header
    const header = rows[0]!;
    for (const r of amountRows) expect(r.length, `${name}: ${r}`).toBe(header.length);
    const lines = amountRows.slice(0, -1).map((r) => micros(r.split(' ').pop()!));
    const last = micros(amountRows.at(-1)!.split(' ').pop()!);
    expect(lines.reduce((a, b) => a + b, 0), name).toBe(last);
    if (name !== 'USAGE BY JOB') expect(last, name).toBe(total);
  }
}

describe('statements', () => {
  it('adds up exactly over awkward quantities, in every section', async () => {
    const ledger = SqliteLedger.memory();
    const entries = month([...AWKWARD, ...AWKWARD.map((q) => q * 3 + 1), ...AWKWARD.map((q) => q * 7 + 5)]);
    await ledger.append(entries);
    for (const user of ['ALICE', 'BOB', 'CAROL']) {
      const st = await buildStatement(ledger, user, '2026-10', 'UTC');
      const expected = entries.filter((e) => e.user === user && e.day.startsWith('2026-10')).reduce((s, e) => s + e.amount, 0);
      expect(st.total).toBe(expected);
      expect(st.byDay.reduce((s, d) => s + d.amount, 0)).toBe(st.total);
      expect(st.charges.reduce((s, c) => s + c.amount, 0)).toBe(st.total);
      checkLayout(formatStatement(st, '12:00:00 31-OCT-26'), st.total);
    }
  });

  it('adds up for any usage (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 1, maxLength: 30 }), async (qs) => {
      const ledger = SqliteLedger.memory();
      const entries = month(qs);
      await ledger.append(entries);
      const st = await buildStatement(ledger, 'ALICE', '2026-10', 'UTC');
      checkLayout(formatStatement(st), st.total);
      ledger.close();
      return st.total === entries.filter((e) => e.user === 'ALICE' && e.day.startsWith('2026-10')).reduce((s, e) => s + e.amount, 0);
    }), { numRuns: 40 });
  });

  it('shows a mid-month rate change as separate lines, old charges at the old rate', async () => {
    const ledger = SqliteLedger.memory();
    const m = new Meter(book([{}, { effective: '2026-10-16', cpuPerMinute: 3_000_000 }]));
    const p = payer('ALICE', 1);
    await ledger.append([
      ...m.job(p, meters(60 * CLOCK, 4096), Date.UTC(2026, 9, 15, 12)),
      ...m.job(p, meters(120 * CLOCK, 4096), Date.UTC(2026, 9, 16, 12)),
    ]);
    const text = formatStatement(await buildStatement(ledger, 'ALICE', '2026-10', 'UTC'));
    expect(text).toContain('RATES OF 1970-01-01');
    expect(text).toContain('RATES OF 2026-10-16');
    expect(text).toMatch(/CPU TIME +60\.000 SEC \$2\.00\/MIN +2\.000000/);
    expect(text).toMatch(/CPU TIME +60\.000 SEC \$3\.00\/MIN +3\.000000/);
    expect(text).toMatch(/^2026-10-15 +60\.000 .* 2\.\d{6}$/m);
  });

  it('shows off-prime charges with their discount', async () => {
    const ledger = SqliteLedger.memory();
    const m = new Meter(book([{ offPrimeDiscountPct: 50 }]));
    await ledger.append(m.job(payer('BOB', 1), meters(60 * CLOCK, 4096), Date.UTC(2026, 9, 14, 22)));
    const text = formatStatement(await buildStatement(ledger, 'BOB', '2026-10', 'UTC'));
    expect(text).toMatch(/CPU TIME +60\.000 SEC \$2\.00\/MIN -50% +1\.000000/);
  });

  it('says so when there is nothing to bill, and shows the budget left', async () => {
    const text = formatStatement(await buildStatement(SqliteLedger.memory(), 'NOBODY', '2026-10', 'UTC', 5_000_000));
    expect(text).toContain('NO CHARGES THIS MONTH.');
    expect(text).toContain('BUDGET $5.00 A MONTH, $5.000000 LEFT');
  });
});

describe('notices', () => {
  it('prints TIME after a RUN in hundredths of a CPU second', () => {
    expect(timeLine(4_200_000, CLOCK)).toBe('TIME: 0.42 SECS.');
    expect(timeLine(4_250_000, CLOCK)).toBe('TIME: 0.43 SECS.');
    expect(timeLine(0, CLOCK)).toBe('TIME: 0.00 SECS.');
    expect(timeLine(1_234 * CLOCK, CLOCK)).toBe('TIME: 1234.00 SECS.');
  });

  it('prints a TOPS-10 style BYE summary within 72 columns', () => {
    const text = byeSummary({
      job: 12, user: 'alice', line: 3, loggedOffAt: Date.UTC(2026, 9, 14, 16, 34, 2),
      cpuSeconds: 1.234, kcs: 45.4, connectMs: (12 * 60 + 3) * 1000 + 999, amount: 570_012,
    }, new Zone('UTC'));
    expect(text).toBe([
      'JOB 12, USER ALICE, LINE 3, LOGGED OFF AT 16:34:02 14-OCT-26',
      'RUNTIME 1.23 SEC, KCS 45, CONNECT 0:12:03',
      'CHARGE $0.570012 THIS SESSION',
    ].join('\n'));
  });
});
