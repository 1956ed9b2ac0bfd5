// The program the move and takeover tests run on two hosts: a long computation whose every round
// prints a number that says exactly how far it got, so a job moved between hosts can be checked to
// go on from the next round, with no round lost or done twice.
import type { Term } from '../frontend/client.ts';

export const M = 99_991;
export const ROUNDS = 1000;
/** What the program prints after round K: K times the sum of 1..2,000, mod M (six digits at most:
 *  BASIC prints it whole). */
export const after = (k: number) => (k * 2_001_000) % M;
/** 1,000 rounds of adding 1..2,000 mod M (13 CPU seconds), printing each round's number and sum. */
export const PROGRAM = [
  '10 S = 0', `20 FOR K = 1 TO ${ROUNDS}`, '30 FOR J = 1 TO 2000', '40 S = S + J',
  `50 IF S >= ${M} THEN S = S - ${M}`, '60 NEXT J', '70 PRINT K; S', '80 NEXT K', '90 PRINT "DONE"; S', '100 END',
];
/** The rounds printed in `text`, with their sums. */
export const rounds = (text: string) => [...text.matchAll(/\r\n (\d+) +(\d+) (?=\r\n)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);

/** Types the program as SUMS on `t` and runs it until it has printed its third round. */
export async function runSums(t: Term): Promise<void> {
  await t.command('NEW SUMS');
  for (const l of PROGRAM) t.line(l);
  t.line('RUN');
  await t.expect(/\r\n 3 +\d+ \r\n/);
}
