// What the teletype prints about money and time outside a statement: DTSS's line after a RUN and
// a TOPS-10-style summary at BYE.
import { formatMicros } from './money.ts';
import { fixed, hms } from './table.ts';
import type { Zone } from './zone.ts';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** `TIME: 0.42 SECS.` for a job of `cycles` at `clock` cycles per CPU second (hundredths, half-up). */
export function timeLine(cycles: number, clock: number): string {
  return `TIME: ${fixed(cycles / clock, 2)} SECS.`;
}

/** 16:34:02 14-OCT-26 in the site's zone. */
export function tops10Date(ms: number, zone: Zone): string {
  const d = zone.wall(ms);
  const t = d.toISOString().slice(11, 19);
  return `${t} ${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${String(d.getUTCFullYear() % 100).padStart(2, '0')}`;
}

export interface SessionSummary {
  /** the number of the session's last job, or the session's own number */
  job: number | null;
  user: string;
  line: number | null;
  loggedOffAt: number;
  /** CPU seconds charged this session */
  cpuSeconds: number;
  kcs: number;
  connectMs: number;
  /** micro-dollars charged this session */
  amount: number;
}

/** The BYE summary, three lines, each within 72 columns. */
export function byeSummary(s: SessionSummary, zone: Zone): string {
  const head = [
    s.job === null ? null : `JOB ${s.job}`,
    `USER ${s.user.toUpperCase()}`,
    s.line === null ? null : `LINE ${s.line}`,
    `LOGGED OFF AT ${tops10Date(s.loggedOffAt, zone)}`,
  ].filter((x) => x !== null).join(', ');
  return [
    head,
    `RUNTIME ${fixed(s.cpuSeconds, 2)} SEC, KCS ${fixed(s.kcs, 0)}, CONNECT ${hms(s.connectMs)}`,
    `CHARGE $${formatMicros(s.amount)} THIS SESSION`,
  ].join('\n');
}
