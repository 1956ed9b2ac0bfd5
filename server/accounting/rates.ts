// The rate schedule: what each unit of use costs, from which date, with an optional off-prime
// discount. Prices are integer micro-dollars per a display unit (a CPU minute, a connect hour, a
// KCS, a thousand words for a month); each price is turned into an exact integer rate
// "price µ$ per `per` base units" (cycles, ms, word-cycles, word-days), which a ledger entry stores
// whole, so an old bill never depends on today's configuration.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Zone } from './zone.ts';
import { mulDivHalfUp } from './money.ts';

export type Kind = 'cpu' | 'connect' | 'core' | 'storage';
export const KINDS: readonly Kind[] = ['cpu', 'connect', 'core', 'storage'];

/** The base unit each kind is metered in. */
export const UNIT: Readonly<Record<Kind, string>> = {
  cpu: 'cycles',
  connect: 'ms',
  core: 'word-ms',
  storage: 'word-hours',
};

/** Days in the storage month: a price per thousand words per month is charged 1/30 each day. */
export const STORAGE_MONTH_DAYS = 30;

export interface Schedule {
  /** 'YYYY-MM-DD': takes effect at local midnight of this day */
  effective: string;
  cpuPerMinute: number;
  connectPerHour: number;
  perKcs: number;
  storagePerKWordMonth: number;
  /** 0-100 */
  offPrimeDiscountPct: number;
}

export interface RateFile {
  timeZone: string;
  primeStartHour: number;
  primeEndHour: number;
  schedules: Schedule[];
}

/** The rate one charge used: `price` micro-dollars per `per` base units, less `discount` percent. */
export interface AppliedRate {
  /** the schedule's effective date */
  id: string;
  price: number;
  per: number;
  discount: number;
}

export const DEFAULT_RATES_PATH = fileURLToPath(new URL('./rates.default.json', import.meta.url));

export class RateError extends Error {}

const QUARTER_HOUR_MS = 15 * 60_000;

export class RateBook {
  readonly zone: Zone;
  readonly file: RateFile;
  /** cycles per CPU second */
  readonly clock: number;
  private readonly starts: number[];

  constructor(file: RateFile, clock: number) {
    if (!Number.isSafeInteger(clock) || clock <= 0) throw new RateError(`the rated clock must be a positive whole number of cycles per second, not ${clock}`);
    this.file = validate(file);
    this.clock = clock;
    this.zone = new Zone(this.file.timeZone);
    this.starts = this.file.schedules.map((s) => this.zone.midnight(s.effective));
  }

  /** The schedule in force at `ms`, or undefined before the first one. */
  scheduleAt(ms: number): Schedule | undefined {
    let found: Schedule | undefined;
    for (let i = 0; i < this.starts.length; i++) if (this.starts[i]! <= ms) found = this.file.schedules[i];
    return found;
  }

  /** Prime time: Monday-Friday, primeStartHour <= hour < primeEndHour, in the rate zone. */
  isPrime(ms: number): boolean {
    const t = this.zone.local(ms);
    return t.weekday >= 1 && t.weekday <= 5 && t.hour >= this.file.primeStartHour && t.hour < this.file.primeEndHour;
  }

  private memoBucket = NaN;
  private memoSchedule: Schedule | undefined;
  private memo: Partial<Record<Kind, AppliedRate>> = {};

  /** The exact rate for `kind` at `ms`. Storage is never discounted (it is charged per day). */
  rate(kind: Kind, ms: number): AppliedRate {
    // A connect tick charges a thousand sessions at a thousand different instants, and each
    // lookup converts to the rate zone (about 9 us: 9 ms of the lines' thread in one tick, seen
    // in a profile). A rate changes only with the schedule in effect or with prime time, which
    // starts and ends on a whole local hour; every time zone's offset from UTC (and every
    // daylight-saving jump) is a multiple of 15 minutes, so within one UTC quarter hour under
    // one schedule the rate is the same.
    const bucket = Math.floor(ms / QUARTER_HOUR_MS);
    const schedule = this.scheduleAt(ms);
    if (bucket !== this.memoBucket || schedule !== this.memoSchedule) {
      this.memoBucket = bucket;
      this.memoSchedule = schedule;
      this.memo = {};
    }
    return (this.memo[kind] ??= this.lookup(kind, ms));
  }

  /** The rate without the memo (tests compare the two). */
  rateUncached(kind: Kind, ms: number): AppliedRate {
    return this.lookup(kind, ms);
  }

  private lookup(kind: Kind, ms: number): AppliedRate {
    const s = this.scheduleAt(ms);
    if (!s) throw new RateError(`no rate schedule is in effect at ${new Date(ms).toISOString()}`);
    const discount = kind !== 'storage' && !this.isPrime(ms) ? s.offPrimeDiscountPct : 0;
    switch (kind) {
      case 'cpu': return { id: s.effective, price: s.cpuPerMinute, per: 60 * this.clock, discount };
      case 'connect': return { id: s.effective, price: s.connectPerHour, per: 3_600_000, discount };
      // core is residence in wall time (KCS as TOPS-10 billed it): 1,000 words held 1,000 ms
      case 'core': return { id: s.effective, price: s.perKcs, per: 1_000_000, discount };
      // storage is sampled every hour: a thousand words for a 30-day month of hours
      case 'storage': return { id: s.effective, price: s.storagePerKWordMonth, per: 1000 * STORAGE_MONTH_DAYS * 24, discount };
    }
  }
}

/** The charge for `quantity` base units at `r`, rounded half-up to the micro-dollar. */
export function price(quantity: number | bigint, r: AppliedRate): number {
  if (typeof quantity === 'number') {
    // Exact in doubles while every product stays below 2^53; BigInt otherwise.
    const n = quantity * r.price * (100 - r.discount);
    const d = r.per * 100;
    if (Number.isSafeInteger(n) && Number.isSafeInteger(2 * d)) {
      let q = Math.floor(n / d);
      let rem = n - q * d;
      if (rem < 0) { q--; rem += d; } else if (rem >= d) { q++; rem -= d; }
      return 2 * rem >= d ? q + 1 : q;
    }
  }
  return Number(mulDivHalfUp(BigInt(quantity) * BigInt(r.price), BigInt(100 - r.discount), BigInt(r.per) * 100n));
}

export function loadRates(path: string | undefined, clock: number): RateBook {
  const file = path ?? DEFAULT_RATES_PATH;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RateError(`cannot read the rate file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RateError(`the rate file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return new RateBook(json as RateFile, clock);
  } catch (e) {
    throw new RateError(`the rate file ${file}: ${(e as Error).message}`);
  }
}

function validate(raw: RateFile): RateFile {
  if (typeof raw !== 'object' || raw === null) throw new RateError('expected an object');
  const hour = (v: unknown, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 24) throw new RateError(`${name} must be a whole hour 0-24`);
    return v as number;
  };
  const timeZone = raw.timeZone ?? 'UTC';
  if (typeof timeZone !== 'string') throw new RateError('timeZone must be a string');
  new Zone(timeZone);
  const primeStartHour = hour(raw.primeStartHour, 'primeStartHour', 8);
  const primeEndHour = hour(raw.primeEndHour, 'primeEndHour', 18);
  if (primeStartHour > primeEndHour) throw new RateError('primeStartHour must not be after primeEndHour');
  if (!Array.isArray(raw.schedules) || raw.schedules.length === 0) throw new RateError('schedules must be a non-empty list');
  const schedules = raw.schedules.map((s, i) => {
    const where = `schedules[${i}]`;
    if (typeof s !== 'object' || s === null) throw new RateError(`${where} must be an object`);
    if (typeof s.effective !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s.effective)) throw new RateError(`${where}.effective must be a date YYYY-MM-DD`);
    const money = (k: keyof Schedule): number => {
      const v = s[k];
      if (!Number.isSafeInteger(v) || (v as number) < 0) throw new RateError(`${where}.${k} must be a whole number of micro-dollars (0 or more), not ${JSON.stringify(v)}`);
      return v as number;
    };
    const pct = s.offPrimeDiscountPct ?? 0;
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new RateError(`${where}.offPrimeDiscountPct must be a whole percent 0-100`);
    return {
      effective: s.effective,
      cpuPerMinute: money('cpuPerMinute'),
      connectPerHour: money('connectPerHour'),
      perKcs: money('perKcs'),
      storagePerKWordMonth: money('storagePerKWordMonth'),
      offPrimeDiscountPct: pct,
    };
  });
  for (let i = 1; i < schedules.length; i++) {
    if (schedules[i]!.effective <= schedules[i - 1]!.effective) throw new RateError('schedules must be in order of strictly increasing effective dates');
  }
  return { timeZone, primeStartHour, primeEndHour, schedules };
}
