// Command output obeys back-pressure like job output (issue 12, item 1): a line whose peer stops
// reading and sends one frame of 13,000 LIST commands over a 10,000-line program stops being
// served; the server's memory stays bounded; the other lines go on; reading again resumes it.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Pool, stillServed, typeProgram, sleep } from './server.ts';
import { until } from '../helpers/until.ts';

const pool = new Pool();
afterAll(() => pool.cleanup());

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

describe('a flood of commands from a line that does not read', () => {
  it('13,000 queued LISTs: memory bounded, others served, served again once it reads', async () => {
    const s = await pool.server();
    const t = await pool.user(s.url, 'flood');
    const other = await pool.user(s.url, 'calm');
    await typeProgram(t, 'BIG', Array.from({ length: 10_000 }, (_, i) => `${(i + 1) * 10} REM ${'THE QUICK BROWN FOX '.repeat(2)}${i}`));
    await sleep(300);
    const before = rssMB(s.child.pid!);
    t.ws.pause(); // the peer stops reading: its kernel buffers fill, then the server's
    const frame = 'LIST\r'.repeat(13_000);
    expect(frame.length).toBeLessThanOrEqual(64 * 1024);
    t.send(frame);
    await sleep(3000);
    const during = rssMB(s.child.pid!);
    await stillServed(other, 'STILL HERE');
    // before: every LIST ran at once into ws.send (200 LISTs took RSS from 144 to 608 MB)
    expect(during - before).toBeLessThan(100);
    const heard = t.out.length;
    t.ws.resume();
    await t.expect(/BIG {4}.*\r\n\r\n10 REM/, 30_000);
    await t.expect(/BIG {4}.*\r\n\r\n10 REM/, 30_000);
    expect(t.out.length).toBeGreaterThan(heard);
    t.close();
    // the flood's line is gone from the server (its queued LISTs with it), and the other is served
    await until(async () => /\b1 LINE IN USE/.test(await other.command('SYSTAT')), 'the flood line to be gone', 15_000, 100);
    await stillServed(other, 'AFTER');
  }, 120_000);
});
