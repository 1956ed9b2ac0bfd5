// Reading SYSTAT's job table from a terminal, and waiting on it: how e2e and hostile tests see
// what the mainframe is doing without reaching inside the server process.
import type { Term } from '../frontend/client.ts';

export interface SystatJob { job: number; user: string; program: string; line: string; state: string; cpu: number; core: number }

/** The job table of a SYSTAT listing. */
export function systatJobs(text: string): SystatJob[] {
  const out: SystatJob[] = [];
  // (then SHARE, a percentage, and SNAPSHOT, a time or '-')
  const re = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\d+|BG|DET)\s+(.+?)\s+(\d+\.\d\d)\s+(\d+)(?:\s+\d+%)?(?:\s+[\d:]+|\s+-)?\s*$/gm;
  const jobsAt = text.indexOf(' JOB');
  for (const m of text.slice(jobsAt).matchAll(re)) {
    out.push({ job: Number(m[1]), user: m[2], program: m[3], line: m[4], state: m[5], cpu: Number(m[6]), core: Number(m[7]) });
  }
  return out;
}

/** Polls SYSTAT on `t` until `pred` holds for the job table (or fails after `ms`). */
export async function waitSystat(t: Term, pred: (jobs: SystatJob[]) => boolean, ms = 15_000): Promise<SystatJob[]> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    last = await t.command('SYSTAT');
    const jobs = systatJobs(last);
    if (pred(jobs)) return jobs;
    if (Date.now() > deadline) throw new Error(`SYSTAT never matched; last:\n${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
