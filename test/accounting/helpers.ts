// Shared fixtures for the accounting tests: rate books and meter payers.
import { RateBook, type RateFile, type Schedule } from '../../server/accounting/rates.ts';

export const CLOCK = 10_000_000;

export const BASE: Schedule = {
  effective: '1970-01-01',
  cpuPerMinute: 2_000_000,
  connectPerHour: 2_000_000,
  perKcs: 2_000,
  storagePerKWordMonth: 1_000_000,
  offPrimeDiscountPct: 0,
};

export function book(schedules: Partial<Schedule>[] = [{}], extra: Partial<RateFile> = {}, clock = CLOCK): RateBook {
  return new RateBook({ timeZone: 'UTC', primeStartHour: 8, primeEndHour: 18, ...extra, schedules: schedules.map((s) => ({ ...BASE, ...s })) }, clock);
}

export function payer(user: string, job: number, session = `S-${user}`) {
  return { user, session, job: `B1.${job}`, jobNo: job, jobName: `PROG${job}` };
}

/** A Wednesday, 10:00 UTC: prime time. */
export const PRIME = Date.UTC(2026, 9, 14, 10, 0, 0);
/** The same Wednesday, 20:00 UTC: off-prime. */
export const NIGHT = Date.UTC(2026, 9, 14, 20, 0, 0);
