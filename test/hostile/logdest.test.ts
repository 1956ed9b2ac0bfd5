// The log destination of server/logdest.ts against a FIFO whose reader stops: writes never wait,
// what is held stays under the bound, what is dropped is counted and said, and order is kept.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logDestination } from '../../server/logdest.ts';
import { ROOT } from '../e2e/spawn.ts';
import { makeFifo, readAvailable } from '../helpers/fifo.ts';
import { until } from '../helpers/until.ts';

function fifo(): { reader: number; writer: number; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-logdest-'));
  return { ...makeFifo(dir), dir };
}

describe('the log destination on a pipe whose reader stops', () => {
  it('never waits, holds at most its bound, then says how many lines it dropped, in order', async () => {
    const { reader, writer, dir } = fifo();
    try {
      const dest = logDestination(writer, 256 << 10);
      const line = (i: number) => `${JSON.stringify({ i, msg: 'x'.repeat(100) })}\n`;
      // 20,000 lines of ~120 bytes: 2.4 MB against a 64 KiB pipe and a 256 KiB bound. A
      // synchronous writer would block here forever (nobody reads yet).
      for (let i = 0; i < 20_000; i++) dest.write(line(i));
      expect(dest.dropped).toBeGreaterThan(15_000);
      expect(dest.dropped).toBeLessThan(20_000 - 256); // what fits was kept
      // the reader catches up; then a later line goes out after a note of what was lost
      let out = '';
      await until(() => {
        out += readAvailable(reader);
        return out.length > 200_000;
      }, 'the held lines to reach the reader');
      dest.write(line(99_999));
      await until(() => {
        out += readAvailable(reader);
        return out.includes('"i":99999');
      }, 'the line written after the reader caught up');
      const rows = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i?: number; dropped?: number; msg: string });
      const kept = rows.filter((r) => r.i !== undefined && r.i < 20_000).map((r) => r.i!);
      expect(kept.length).toBe(20_000 - dest.dropped);
      expect(kept).toEqual([...kept].sort((a, b) => a - b)); // in order, none twice
      const note = rows.findIndex((r) => r.msg === 'log lines dropped: the log reader was too slow');
      expect(rows[note].dropped).toBe(dest.dropped);
      expect(rows[note + 1].i).toBe(99_999);
    } finally {
      closeSync(reader);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loses nothing it holds when the process exits right after flushSync (the last words)', async () => {
    // A child writes 2,000 lines (about 160 KB, more than the pipe holds, so most are still held
    // when it exits), flushes and exits at once, as the server does after a fatal error.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { logDestination } from ${JSON.stringify(join(ROOT, 'server/logdest.ts'))};
      const dest = logDestination(1);
      for (let i = 0; i < 2000; i++) dest.write(JSON.stringify({ i, msg: 'y'.repeat(60) }) + '\\n');
      dest.flushSync();
      process.exit(0);
    `], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => child.once('close', r));
    const is = out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { i: number }).i);
    expect(is).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});
