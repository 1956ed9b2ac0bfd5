// The server's log goes to a pipe whose reader stops reading (a stuck supervisor, `| less` left
// at a page): the server must go on serving, and the log lines wait for the reader, in order.
// With pino's synchronous default the first write to the full pipe waited for room forever and
// took every line down with it.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, removeDir } from './spawn.ts';
import { loginMany } from './many.ts';
import { login } from '../frontend/client.ts';
import { makeFifo, readAvailable } from '../helpers/fifo.ts';

describe('a log reader that stops reading', () => {
  it('does not stop the server, and its lines are all there when it reads again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timeshare-logpipe-'));
    // The log goes to a FIFO this test reads only when it chooses: nothing buffers on the reading
    // side, so the writer meets a full pipe (64 KiB on Linux) after a few hundred lines.
    const { reader, writer } = makeFifo(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--data', dir, '--scrypt-n', '16',
      '--trust-address', '127.0.0.1', '--trust-address', '::ffff:127.0.0.1', '--registrations-per-hour', '100000', '--unthrottled'], {
      cwd: ROOT, stdio: ['ignore', writer, 'inherit'],
    });
    closeSync(writer);
    try {
      let out = '';
      const started = Date.now();
      let m: RegExpExecArray | null = null;
      while (!(m = /timeshare listening on (ws:\/\/[\d.:]+)/.exec(out)) && Date.now() - started < 20_000) {
        await new Promise((r) => setTimeout(r, 20));
        out += readAvailable(reader);
      }
      if (!m) throw new Error(`server did not start: ${out}`);
      const url = m[1];
      // The reader stops. Each user logs "account registered", "login" and "logout": 300 of them
      // write about 190 KiB, three times what the pipe holds.
      const users = 300;
      const terms = await loginMany(url, users, 'logger', 32);
      for (const t of terms) t.close();

      // Still serving: a newcomer logs in, runs a program, and is answered.
      const t = await login(url, 'lastone', 'secret');
      t.line('10 PRINT 6*7');
      const r = await t.command('RUN');
      expect(r).toContain('42');
      t.close();

      // The reader comes back: every line is there, in order, ending with the newcomer's login.
      const deadline = Date.now() + 30_000;
      while (!/"user":"LASTONE"[^\n]*"msg":"login"/.test(out) && Date.now() < deadline) {
        out += readAvailable(reader);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(out.length).toBeGreaterThan(2 << 16); // the writer met a full pipe
      const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; user?: string });
      expect(lines.filter((l) => l.msg === 'account registered').length).toBe(users + 1);
      expect(lines.some((l) => l.msg === 'log lines dropped: the log reader was too slow')).toBe(false);
      const logins = lines.filter((l) => l.msg === 'login');
      expect(logins.length).toBe(users + 1);
      expect(logins[logins.length - 1].user).toBe('LASTONE');
    } finally {
      child.kill('SIGKILL');
      closeSync(reader);
      removeDir(dir);
    }
  }, 90_000);
});
