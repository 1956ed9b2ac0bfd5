// End to end: the real teletype in a real terminal (tmux) against the real server on a free port.
// Log in as a new user, type an assembly program, RUN it, read the output off the screen, quit with
// Ctrl-] q and find the terminal restored.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const serverMain = path.join(root, 'server/main.ts');
// tmux is part of the test bench (.ci/run installs it): without it this suite fails, never skips.
const haveTmux = spawnSync('tmux', ['-V']).status === 0;

// A private tmux server (its own socket), so the test never touches the user's sessions.
const socket = `teletype-e2e-${process.pid}-${Date.now()}`;
const session = 'tty';
const tmux = (...args: string[]) => {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
};
const screen = () => tmux('capture-pane', '-p', '-t', session);
const type = (text: string) => {
  tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
};

async function waitFor(pred: (s: string) => boolean, what: string, ms = 20_000): Promise<string> {
  const t0 = Date.now();
  let s = '';
  while (Date.now() - t0 < ms) {
    s = screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; the screen shows:\n${s}`);
}

let server: ChildProcess | null = null;
let dir = '';
let url = '';

describe(
  'teletype end to end under tmux',
  () => {
    beforeAll(async () => {
      if (!haveTmux) throw new Error('tmux is not installed: this test needs it (apt-get install tmux; .ci/run does)');
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teletype-e2e-'));
      server = spawn(process.execPath, ['--import', 'tsx', serverMain, '--port', '0', '--data', path.join(dir, 'data')], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 20_000);
        const look = (b: Buffer) => {
          out += b.toString();
          const m = /listening on (ws:\/\/[\d.]+:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        server!.stdout!.on('data', look);
        server!.stderr!.on('data', look);
        server!.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
      });
    });

    afterAll(() => {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      server?.kill('SIGTERM');
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('logs in, runs a program, quits with Ctrl-] q and gives the terminal back', async () => {
      const printout = path.join(dir, 'paper.txt');
      // After the teletype exits, the shell reports its status and the tty mode: restored means
      // canonical mode (icanon) and the normal screen.
      const script =
        `node --import tsx terminal/main.ts ${url} --log ${printout}; ` +
        `echo "CLIENT EXITED $?"; stty -a | grep -o -- '-\\?icanon' | sed 's/^/TTY /'; sleep 600`;
      tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-c', root, 'sh', '-c', script);

      // Type the user name as soon as the first screen is drawn, without waiting for the line or
      // the prompt: keys typed right after the first render must not be lost.
      await waitFor((s) => /(ONLINE|OFFLINE) /.test(s), 'the first screen');
      type('zed');
      await waitFor((s) => /NEW USER ZED\.[^]*PASSWORD--/.test(s), 'the password prompt');
      type('secret1');
      await waitFor((s) => s.includes('TYPE IT AGAIN.'), 'the second password prompt');
      type('secret1');
      await waitFor((s) => /ACCOUNT ZED CREATED\.[^]*READY\./.test(s), 'READY.');
      type('NEW HELLO.S');
      await waitFor((s) => (s.match(/READY\./g) ?? []).length === 2, 'READY. after NEW');
      type('10 LI R1, 42');
      type('20 SVC PUTINT');
      type('30 HALT');
      type('RUN');
      const after = await waitFor((s) => /\nRUN\s*\n(.*\n)*?42\s*\n(.*\n)*?READY\./.test(s), 'the program output');
      expect(after).not.toContain('secret1'); // the server does not echo passwords, the teletype adds nothing
      // the cursor sits at the end of the paper, under the last READY.
      const lines = after.split('\n');
      const lastReady = lines.lastIndexOf('READY.');
      expect(tmux('display', '-p', '-t', session, '#{cursor_y} #{cursor_x} #{alternate_on}').trim()).toBe(
        `${lastReady + 1} 0 1`,
      );

      tmux('send-keys', '-t', session, 'C-]');
      tmux('send-keys', '-t', session, 'q');
      const done = await waitFor((s) => s.includes('TTY '), 'the shell after the teletype exits');
      expect(done).toContain('CLIENT EXITED 0');
      expect(done).toMatch(/TTY icanon/);
      expect(tmux('display', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');

      const paper = fs.readFileSync(printout, 'utf8');
      expect(paper).toMatch(/USER NAME--zed\nNEW USER ZED\./);
      expect(paper).toMatch(/RUN\n42 *\n(.*\n)*?READY\.\n/); // the system may add lines (e.g. the time used)
      expect(paper).not.toContain('secret1');
    }, 90_000);
  },
);
