// Small helpers the benchmarks share (the leading underscore keeps run.ts from listing this file).
import { readFileSync, readdirSync } from 'node:fs';

/** The median; for an even count, the mean of the two middle values. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `--name N` from a benchmark's arguments: a positive number, or `fallback` when absent. */
export function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU seconds used so far by one thread of a process (utime + stime, in clock ticks of 10 ms);
 *  0 for a thread that has ended. */
function threadCpu(pid: number, tid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds so far of the server's main thread (the lines') and of its busiest other thread
 *  (the mainframe's, when jobs run); two samples' difference over a window is each one's share of
 *  a core. */
export function cpuSample(pid: number): { main: number; other: number } {
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) if (tid !== pid) other = Math.max(other, threadCpu(pid, tid));
  return { main: threadCpu(pid, pid), other };
}
