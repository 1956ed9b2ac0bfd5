import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadRates, price, RateError } from '../../server/accounting/rates.ts';
import { formatCents, formatMicros, mulDivHalfUp, parseDollars } from '../../server/accounting/money.ts';
import { Zone } from '../../server/accounting/zone.ts';
import { BASE, CLOCK, NIGHT, PRIME, book } from './helpers.ts';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('prices', () => {
  it('charges the documented defaults: $2 a CPU minute, $2 a connect hour', () => {
    const b = loadRates(undefined, CLOCK);
    expect(price(60 * CLOCK, b.rate('cpu', PRIME))).toBe(2_000_000);
    expect(price(CLOCK, b.rate('cpu', PRIME))).toBe(33_333); // $2/60 = 0.0333333
    expect(price(3_600_000, b.rate('connect', PRIME))).toBe(2_000_000);
    expect(price(4096 * 1000, b.rate('core', PRIME))).toBe(8_192); // 4,096 words for a second: 4.096 KCS at $0.002
    expect(price(24 * 1000, b.rate('storage', PRIME))).toBe(33_333); // 1000 words for a day (24 hourly samples): $1/30
  });

  it('rounds half-up to the micro-dollar, exactly', () => {
    // $2 a minute at 10 MHz: 300 cycles = 1 micro-dollar; 150 cycles is exactly half.
    const r = book().rate('cpu', PRIME);
    expect(price(149, r)).toBe(0);
    expect(price(150, r)).toBe(1);
    expect(price(449, r)).toBe(1);
    expect(price(450, r)).toBe(2);
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (q) => {
      const amount = BigInt(price(q, r));
      // q/300 - 1/2 < amount <= q/300 + 1/2 (ties up): 2*q - 600*amount in [-300, 300)
      const twice = 2n * q - 600n * amount;
      return twice >= -300n && twice < 300n;
    }));
  });

  it('gives the same result in double and BigInt arithmetic', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 1, max: 2 ** 36 }), fc.integer({ min: 0, max: 100 }),
      (q, p, per, d) => {
        const r = { id: 'x', price: p, per, discount: d };
        return price(q, r) === price(BigInt(q), r);
      }), { numRuns: 5000 });
  });

  it('multiplies in BigInt so huge quantities lose nothing', () => {
    expect(mulDivHalfUp(2n ** 60n, 3n, 3n)).toBe(2n ** 60n);
    expect(mulDivHalfUp(5n, 1n, 2n)).toBe(3n);
    expect(mulDivHalfUp(-5n, 1n, 2n)).toBe(-3n);
  });

  it('formats and parses money without floats', () => {
    expect(formatMicros(570012)).toBe('0.570012');
    expect(formatMicros(12_000_000)).toBe('12.000000');
    expect(formatCents(1_995_000)).toBe('2.00');
    expect(formatCents(1_994_999)).toBe('1.99');
    expect(parseDollars('25')).toBe(25_000_000);
    expect(parseDollars('$0.125')).toBe(125_000);
    expect(parseDollars('1.1234567')).toBeUndefined();
    expect(parseDollars('-3')).toBeUndefined();
    expect(parseDollars('1e3')).toBeUndefined();
  });
});

describe('off-prime', () => {
  const b = book([{ offPrimeDiscountPct: 50 }]);
  it('discounts nights and weekends, not weekday business hours', () => {
    expect(b.rate('cpu', PRIME).discount).toBe(0);
    expect(b.rate('cpu', NIGHT).discount).toBe(50);
    expect(b.rate('cpu', Date.UTC(2026, 9, 14, 7, 59, 59)).discount).toBe(50);
    expect(b.rate('cpu', Date.UTC(2026, 9, 14, 8, 0, 0)).discount).toBe(0);
    expect(b.rate('cpu', Date.UTC(2026, 9, 14, 17, 59, 59)).discount).toBe(0);
    expect(b.rate('cpu', Date.UTC(2026, 9, 14, 18, 0, 0)).discount).toBe(50);
    expect(b.rate('connect', Date.UTC(2026, 9, 17, 12, 0, 0)).discount).toBe(50); // Saturday noon
    expect(b.rate('core', Date.UTC(2026, 9, 18, 12, 0, 0)).discount).toBe(50); // Sunday noon
    expect(price(60 * CLOCK, b.rate('cpu', NIGHT))).toBe(1_000_000);
  });

  it('never discounts storage', () => {
    expect(b.rate('storage', NIGHT).discount).toBe(0);
  });

  it('uses the configured time zone for prime hours', () => {
    const ny = book([{ offPrimeDiscountPct: 25 }], { timeZone: 'America/New_York' });
    // 14:00 UTC on a Wednesday in October is 10:00 in New York (EDT): prime.
    expect(ny.rate('cpu', Date.UTC(2026, 9, 14, 14, 0)).discount).toBe(0);
    // 10:00 UTC is 06:00 in New York: off-prime.
    expect(ny.rate('cpu', Date.UTC(2026, 9, 14, 10, 0)).discount).toBe(25);
    // Days are local too: 03:00 UTC on the 15th is still the 14th in New York.
    expect(ny.zone.day(Date.UTC(2026, 9, 15, 3, 0))).toBe('2026-10-14');
  });
});

describe('the rate memo', () => {
  it('gives the exact rate at every instant: prime-time edges, daylight saving, odd offsets, a schedule change', () => {
    for (const timeZone of ['America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Australia/Eucla', 'UTC']) {
      const b = book([{ offPrimeDiscountPct: 25 }, { effective: '2026-11-03', offPrimeDiscountPct: 40, cpuPerMinute: 3_000_000 }], { timeZone });
      const fresh = book([{ offPrimeDiscountPct: 25 }, { effective: '2026-11-03', offPrimeDiscountPct: 40, cpuPerMinute: 3_000_000 }], { timeZone });
      // every 7 minutes and 13 seconds across a week around the end of daylight saving in the
      // north (1 November 2026) and its start in the south (4 October 2026 is earlier; Lord Howe
      // moves by 30 minutes), ascending as a connect tick's instants are
      for (const start of [Date.UTC(2026, 9, 30), Date.UTC(2026, 9, 2)]) {
        for (let ms = start; ms < start + 7 * 86_400_000; ms += 433_000) {
          for (const kind of ['cpu', 'connect', 'core', 'storage'] as const) {
            expect(b.rate(kind, ms)).toEqual(fresh.rateUncached(kind, ms));
          }
        }
      }
    }
  });
});

describe('rate changes', () => {
  const b = book([{}, { effective: '2026-10-15', cpuPerMinute: 3_000_000 }]);
  it('applies a new schedule from local midnight of its date', () => {
    expect(b.rate('cpu', Date.UTC(2026, 9, 14, 23, 59, 59, 999))).toMatchObject({ id: '1970-01-01', price: 2_000_000 });
    expect(b.rate('cpu', Date.UTC(2026, 9, 15))).toMatchObject({ id: '2026-10-15', price: 3_000_000 });
  });

  it('finds midnight in zones with daylight saving', () => {
    const z = new Zone('America/New_York');
    expect(z.midnight('2026-07-01')).toBe(Date.UTC(2026, 6, 1, 4));
    expect(z.midnight('2026-12-01')).toBe(Date.UTC(2026, 11, 1, 5));
    expect(z.midnight('2026-03-08')).toBe(Date.UTC(2026, 2, 8, 5)); // the day DST starts
  });
});

describe('rate files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rates-'));
  const write = (name: string, body: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };

  it('loads a valid file', () => {
    const p = write('ok.json', { timeZone: 'Europe/London', schedules: [BASE] });
    expect(loadRates(p, CLOCK).zone.name).toBe('Europe/London');
  });

  it('rejects bad files with a plain message naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [{ schedules: [] }, /non-empty/],
      [{ schedules: [{ ...BASE, cpuPerMinute: 1.5 }] }, /cpuPerMinute must be a whole number of micro-dollars/],
      [{ schedules: [{ ...BASE, offPrimeDiscountPct: 120 }] }, /offPrimeDiscountPct/],
      [{ schedules: [{ ...BASE, effective: '2026-13-01' }] }, /not a date/],
      [{ schedules: [{ ...BASE, effective: '2026-10-01' }, { ...BASE, effective: '2026-09-01' }] }, /increasing/],
      [{ timeZone: 'Mars/Olympus', schedules: [BASE] }, /unknown time zone/],
    ];
    cases.forEach(([body, re], i) => {
      const p = write(`bad${i}.json`, body);
      expect(() => loadRates(p, CLOCK)).toThrow(RateError);
      expect(() => loadRates(p, CLOCK)).toThrow(re);
    });
    expect(() => loadRates(join(dir, 'missing.json'), CLOCK)).toThrow(/cannot read the rate file .*ENOENT/);
  });
});
