// The supervisor calls: the only way out of a job. `SVC n` stops the CPU; the monitor performs
// service n and resumes the job (or blocks it, or ends it). Arguments are in r1-r3 and f1, results
// in r1 and f1. Every service charges a documented, fixed number of cycles (a base cost plus a cost
// per word it moves), so a job's cycle count never depends on the host or on other jobs.
// Strings in core are one character (a Unicode code unit, normally ASCII) per word.
//
// Numbers 0-31 are the monitor's services; 32-63 are the BASIC run-time library's services
// (number layout and parsing, which a 1960s system would have kept in a shared library segment).

export interface ServiceInfo {
  readonly name: string;
  readonly number: number;
  /** fixed cycles charged per call */
  readonly base: number;
  /** cycles charged per word (character) moved */
  readonly perWord: number;
  readonly args: string;
  readonly result: string;
}

const list: ServiceInfo[] = [
  { number: 0, name: 'EXIT', base: 10, perWord: 0, args: 'r1 = exit status (0 normal)', result: 'the job ends' },
  { number: 1, name: 'PUTC', base: 5, perWord: 0, args: 'r1 = character code', result: 'the character is typed on the job\'s terminal' },
  { number: 2, name: 'PUTS', base: 10, perWord: 1, args: 'r1 = address, r2 = length in words (0..65536)', result: 'the characters are typed' },
  { number: 3, name: 'GETS', base: 20, perWord: 1, args: 'r1 = buffer address, r2 = capacity in words', result: 'blocks until a line is typed; r1 = its length (line end not stored; a longer line is cut to the capacity), or -1 at end of input' },
  { number: 4, name: 'TIME', base: 10, perWord: 0, args: '', result: 'r1 = days since 1970-01-01 (UTC), r2 = milliseconds since midnight UTC' },
  { number: 5, name: 'CPUTIME', base: 10, perWord: 0, args: '', result: 'r1 = the job\'s cycles so far (low 32 bits), f1 = its CPU seconds' },
  { number: 6, name: 'RANDOM', base: 20, perWord: 0, args: '', result: 'f1 = next number in [0, 1) from the job\'s own generator (the same sequence every run)' },
  { number: 7, name: 'RANDOMIZE', base: 20, perWord: 0, args: '', result: 'reseeds the job\'s generator from the clock' },
  { number: 8, name: 'SLEEP', base: 10, perWord: 0, args: 'r1 = milliseconds (0..3600000)', result: 'the job waits without using the CPU' },
  { number: 9, name: 'PUTINT', base: 20, perWord: 0, args: 'r1 = integer', result: 'types r1 in decimal' },
  { number: 10, name: 'COLUMN', base: 5, perWord: 0, args: '', result: 'r1 = the column (0-based) where the job\'s next character will be typed' },
  { number: 11, name: 'ERROR', base: 10, perWord: 1, args: 'r1 = message address, r2 = length', result: 'ends the job with a run-time error: the message, then " IN LINE n" (or " AT n" without line numbers)' },
  { number: 12, name: 'WARN', base: 10, perWord: 1, args: 'r1 = message address, r2 = length', result: 'types the message and " IN LINE n" on a line of its own; the job goes on' },
  { number: 13, name: 'SEED', base: 20, perWord: 0, args: 'f1 = seed', result: 'restarts the job\'s generator from a state made from f1: the same f1 starts the same sequence' },
  // BASIC run-time library
  { number: 32, name: 'PUTNUM', base: 60, perWord: 0, args: 'f1 = number', result: 'types f1 as BASIC prints a number: sign or space, digits, a trailing space' },
  { number: 33, name: 'FMTNUM', base: 60, perWord: 1, args: 'f1 = number, r1 = buffer address, r2 = capacity, r3 = layout bits: 1 Microsoft (below .01 as 1E-03), 2 ECMA-55 explicit point (1.E+30), else 0', result: 'r1 = length of the number as STR$ gives it (no leading space for positives, no trailing space)' },
  { number: 34, name: 'PARSENUM', base: 40, perWord: 1, args: 'r1 = address, r2 = length', result: 'skips leading spaces, reads a BASIC numeric constant; r1 = characters consumed (0 if none), f1 = value' },
];

export const SERVICES: readonly ServiceInfo[] = list;
export const SERVICE_BY_NUMBER: ReadonlyMap<number, ServiceInfo> = new Map(list.map((s) => [s.number, s]));
export const SERVICE_BY_NAME: ReadonlyMap<string, ServiceInfo> = new Map(list.map((s) => [s.name, s]));

export const Svc = {
  EXIT: 0, PUTC: 1, PUTS: 2, GETS: 3, TIME: 4, CPUTIME: 5, RANDOM: 6, RANDOMIZE: 7, SLEEP: 8,
  PUTINT: 9, COLUMN: 10, ERROR: 11, WARN: 12, SEED: 13, PUTNUM: 32, FMTNUM: 33, PARSENUM: 34,
} as const;

/** Cycles charged for one call of service `n` that moved `words` words. */
export function serviceCycles(n: number, words: number): number {
  const s = SERVICE_BY_NUMBER.get(n);
  return s ? s.base + s.perWord * words : 0;
}
