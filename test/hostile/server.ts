// A real server process for the hostile tests (test/e2e/spawn.ts), its terminals, and the small
// tools those tests share: typing programs, reading SYSTAT, proving a bystander's line still works.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { login, Term } from '../frontend/client.ts';
import { removeDir, spawnServer, type ServerProcess } from '../e2e/spawn.ts';

export { login, Term, removeDir, spawnServer, type ServerProcess };

/** Servers and terminals opened by a test file, closed by `cleanup` (call it in afterAll/afterEach). */
export class Pool {
  servers: ServerProcess[] = [];
  terms: Term[] = [];
  sockets: WebSocket[] = [];

  async server(args: string[] = [], dir?: string): Promise<ServerProcess> {
    const s = await spawnServer(args, dir);
    this.servers.push(s);
    return s;
  }

  async user(url: string, name: string, pw = 'secret', register = true): Promise<Term> {
    const t = await login(url, name, pw, register);
    this.terms.push(t);
    return t;
  }

  async open(url: string): Promise<Term> {
    const t = await Term.open(url);
    this.terms.push(t);
    return t;
  }

  async cleanup(): Promise<void> {
    for (const t of this.terms.splice(0)) t.close();
    for (const w of this.sockets.splice(0)) w.terminate();
    for (const s of this.servers.splice(0)) {
      await s.stop();
      removeDir(s.dir);
    }
  }
}

/** Types NEW NAME and the program as numbered lines (unnumbered rows get 10, 20, ...), in frames
 *  under the server's 64 KiB limit; resolves once the last line's echo is back. */
export async function typeProgram(t: Term, name: string, rows: string[]): Promise<void> {
  const numbered = rows.every((r) => /^\s*\d/.test(r));
  const lines = rows.map((r, i) => (numbered ? r : `${(i + 1) * 10} ${r}`));
  t.send(`NEW ${name}\r`);
  await t.expect(`PROGRAM ${name.toUpperCase()}.`);
  await t.expect('READY.\r\n');
  let frame = '';
  for (const l of lines) {
    if (frame.length + l.length > 32_000) {
      t.send(frame);
      frame = '';
    }
    frame += l + '\r';
  }
  t.send(frame);
  await t.expect(`${lines[lines.length - 1]}\r\n`, 60_000);
}

export function fileRows(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((r) => r.trim());
}

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

/** The bystander's line still works: a typed line is echoed, a command answers and READY. follows. */
export async function stillServed(t: Term, tag: string): Promise<void> {
  t.send(`10 REM ${tag}\r`);
  await t.expect(`10 REM ${tag}\r\n`);
  const out = await t.command('LIST 10', 15_000);
  expect(out).toContain(`10 REM ${tag}`);
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

/** A ws client that stops reading from its socket once open (the peer's kernel buffers fill). */
export function deafClient(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
