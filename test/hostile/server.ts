// A real server process for the hostile tests (test/e2e/spawn.ts, pool.ts), its terminals, and the small
// tools those tests share: typing programs, reading SYSTAT, proving a bystander's line still works.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { login, Term } from '../frontend/client.ts';
import { removeDir, spawnServer, type ServerProcess } from '../e2e/spawn.ts';
import { Pool } from '../e2e/pool.ts';
import { systatJobs, waitSystat, type SystatJob } from '../e2e/systat.ts';

export { login, Term, removeDir, spawnServer, Pool, systatJobs, waitSystat, type ServerProcess, type SystatJob };

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

/** The bystander's line still works: a typed line is echoed, a command answers and READY. follows. */
export async function stillServed(t: Term, tag: string): Promise<void> {
  t.send(`10 REM ${tag}\r`);
  await t.expect(`10 REM ${tag}\r\n`);
  const out = await t.command('LIST 10', 15_000);
  expect(out).toContain(`10 REM ${tag}`);
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
