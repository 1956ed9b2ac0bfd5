// End to end: the real server process with the real mainframe thread, real ws clients.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Term } from '../frontend/client.ts';
import { Pool } from './pool.ts';
import { ROOT } from './spawn.ts';
import { systatJobs, waitSystat } from './systat.ts';
import { until } from '../helpers/until.ts';

const pool = new Pool();
afterEach(() => pool.cleanup());
const server = (args: string[] = [], dir?: string) => pool.server(args, dir);
const user = (url: string, name: string, pw = 'secret', register = true) => pool.user(url, name, pw, register);
/** Types a program file as numbered lines. */
function typeProgram(t: Term, file: string): void {
  const rows = readFileSync(join(ROOT, file), 'utf8').split('\n').filter((r) => r.trim());
  t.send(rows.map((r, i) => `${(i + 1) * 10} ${r}\r`).join(''));
}

const LOOP = '10 start: JMP start';

describe('timeshare end to end', () => {
  it('a newcomer registers, writes, saves and runs an assembly program; it survives a restart', async () => {
    let s = await server();
    let t = await user(s.url, 'newbie', 'pass1234');
    await t.command('NEW PRIMES.S');
    typeProgram(t, 'server/machine/examples/primes.s');
    expect(await t.command('SAVE')).toContain('PRIMES.S SAVED.');
    const run = await t.command('RUN');
    expect(run).toContain('2 3 5 7 11 13 17 19 23 29\r\n');
    expect(run).toContain('73 79 83 89 97\r\n');
    t.line('BYE');
    await t.closedWith();
    expect(await pool.stop(s)).toBe(0);

    s = await server([], s.dir);
    t = await user(s.url, 'newbie', 'pass1234', false);
    expect(t.out).toMatch(/LAST LOGIN/);
    expect(await t.command('OLD primes.s')).toContain('PRIMES.S LOADED.');
    expect(await t.command('LIST 50')).toMatch(/50 start:\s+LI\s+r6, 2/);
    expect(await t.command('RUN')).toContain('97\r\n');
    expect(s.stdout()).not.toContain('pass1234');
  });

  it('reports assembly errors and traps with the typed line numbers', async () => {
    const s = await server();
    const t = await user(s.url, 'oops');
    await t.command('NEW BAD.S');
    t.send('10 start: BOGUS r1\r20 HALT\r');
    const out = await t.command('RUN');
    expect(out.match(/LINE 10: UNKNOWN INSTRUCTION BOGUS\r\n/g)).toHaveLength(1);
    await t.command('NEW TRAP.S');
    t.send('10 start: LI r1, 70000\r20 LD r2, 0(r1)\r30 HALT\r');
    expect(await t.command('RUN')).toMatch(/ADDRESS TRAP .* IN LINE 20\r\nTIME: \d+\.\d\d SECS\.\r\nREADY/);
  });

  it('Ctrl-C stops a runaway assembly job; the line stays usable', async () => {
    const s = await server();
    const t = await user(s.url, 'spin');
    await t.command('NEW LOOP.S');
    t.line(LOOP);
    t.line('RUN');
    await t.expect('RUN\r\n');
    // Ctrl-C for a job on the CPU, not one still being compiled
    const watcher = await user(s.url, 'spinwatch');
    await waitSystat(watcher, (jobs) => jobs.some((j) => j.user === 'SPIN' && j.cpu > 0));
    t.send('\x03');
    expect(await t.expect(/READY\.\r\n/)).toContain('STOPPED.');
    await t.command('NEW HELLO.S');
    typeProgram(t, 'server/machine/examples/hello.s');
    expect(await t.command('RUN')).toContain('HELLO, WORLD\r\n');
  });

  it('feeds typed lines to a running job (echo.s)', async () => {
    const s = await server();
    const t = await user(s.url, 'talk');
    await t.command('NEW ECHO.S');
    typeProgram(t, 'server/machine/examples/echo.s');
    t.send('RUN\rhello there\r');
    await t.expect('hello there\r\nhello there\r\n'); // the echo, then the job's copy
    t.line('second');
    await t.expect('second\r\nsecond\r\n');
    t.send('\x03');
    await t.expect(/READY\.\r\n/);
  });

  it('two users whose CPU-bound jobs both run and both get the CPU', async () => {
    const s = await server();
    const a = await user(s.url, 'ann');
    const b = await user(s.url, 'ben');
    for (const t of [a, b]) {
      await t.command('NEW LOOP.S');
      t.line(LOOP);
      t.line('RUN');
      await t.expect('RUN\r\n');
    }
    // each job is charged CPU time, however long the other has run (a starved one never is)
    const watcher = await user(s.url, 'cat');
    const both = (jobs: ReturnType<typeof systatJobs>) => jobs.filter((j) => (j.user === 'ANN' || j.user === 'BEN') && j.program === 'LOOP.S' && j.cpu > 0);
    expect(both(await waitSystat(watcher, (jobs) => both(jobs).length === 2))).toHaveLength(2);
    for (const t of [a, b]) {
      t.send('\x03');
      await t.expect('STOPPED.');
    }
  });

  it('SUBMIT runs in the background; JOBS, KILL; output kept; the server stops cleanly on SIGTERM', async () => {
    const s = await server();
    const t = await user(s.url, 'batch');
    await t.command('NEW HELLO.S');
    typeProgram(t, 'server/machine/examples/hello.s');
    await t.command('SAVE');
    await t.command('SUBMIT HELLO.S');
    await t.command('NEW LOOP.S');
    t.line(LOOP);
    await t.command('SAVE');
    expect(await t.command('SUBMIT LOOP.S')).toMatch(/JOB (\d+) SUBMITTED/);
    // the job compiles, runs and saves meanwhile
    const cat = await until(async () => { const c = await t.command('CATALOG'); return c.includes('HELLO.S.OUT') && c; }, 'HELLO.S.OUT in the catalog', 15_000, 100);
    expect(cat).toContain('HELLO.S.OUT');
    await t.command('OLD HELLO.S.OUT');
    expect(await t.command('LIST')).toContain('HELLO, WORLD\r\n');
    expect(await t.command('JOBS')).toMatch(/LOOP\.S\s+BACKGROUND/);
    const other = await user(s.url, 'watcher');
    other.line('10 PR'); // partly typed when the warning comes
    await other.expect('10 PR');
    expect(await pool.stop(s)).toBe(0);
    await other.expect('THE SYSTEM IS GOING DOWN');
    expect(await other.closedWith()).toBe(1001);
    // the background job was put away and comes back with the server; killed, its output is kept
    const s2 = await server([], s.dir);
    const t2 = await user(s2.url, 'batch', 'secret', false);
    const jobs = await t2.command('JOBS');
    const n = /(\d+)\s+LOOP\.S\s+BACKGROUND/.exec(jobs)?.[1];
    expect(n, jobs).toBeDefined();
    expect(await t2.command(`KILL ${n}`)).toContain(`JOB ${n} KILLED.`);
    await until(async () => (await t2.command('CATALOG')).includes('LOOP.S.OUT'), 'LOOP.S.OUT in the catalog', 15_000, 100);
    await t2.command('OLD LOOP.S.OUT');
    expect(await t2.command('LIST')).toMatch(/ENDED/);
  });

  it('lists the library, loads a BASIC program from it, keeps a copy and runs BASIC', async () => {
    const s = await server();
    const t = await user(s.url, 'reader');
    const lib = await t.command('LIBRARY');
    expect(lib).toMatch(/\$FIBO\s+BASIC\s+\S/);
    expect(await t.command('OLD $fibo')).toContain('FIBO LOADED FROM THE LIBRARY.');
    expect(await t.command('SAVE')).toContain('FIBO SAVED.');
    expect(await t.command('CATALOG')).toMatch(/FIBO\s+BASIC/);
    await t.command('NEW SUM');
    t.send('10 LET S = 0\r20 FOR I = 1 TO 10\r30 LET S = S + I\r40 NEXT I\r50 PRINT "SUM"; S\r60 END\r');
    expect(await t.command('RUN')).toContain('SUM 55 \r\n');
  });

  it('a terminal that never reads makes its own job wait; the server stays small', async () => {
    const s = await server(['--output-limit', '1000000000']);
    const slow = await user(s.url, 'slow');
    await slow.command('NEW FLOOD.S');
    slow.send('10 start: LA r1, msg\r20 LI r2, 64\r30 SVC PUTS\r40 JMP start\r50 msg: .text "' + 'X'.repeat(63) + '", 10\r');
    await slow.expect('msg: .text');
    slow.line('RUN');
    await slow.expect('XXXX');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const watcher = await user(s.url, 'watch');
    const held = /FLOOD\.S\s+\d+\s+WAITING FOR OUTPUT/;
    let st = await until(async () => { const x = await watcher.command('SYSTAT'); return held.test(x) && x; }, 'the flood job to wait for output', 15_000, 250);
    expect(st).toMatch(/FLOOD\.S\s+\d+\s+WAITING FOR OUTPUT/);
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))![1]);
    const before = rss();
    const floodCpu = () => systatJobs(st).find((j) => j.program === 'FLOOD.S')!.cpu;
    const cpuBefore = floodCpu();
    // The watcher runs 80,000,000 cycles of its own. Had the flood job not been held, it would have
    // had a like share of the machine meanwhile and typed some 50 MB into the server's memory.
    await watcher.command('NEW COUNT.S');
    watcher.send(`10 LI r4, 40000000\r20 loop: ADD r1, r1, 1\r30 BLT r1, r4, loop\r40 HALT\r`);
    const counted = await watcher.command('RUN', 60_000);
    const watcherCpu = Number(/TIME: (\d+\.\d\d) SECS/.exec(counted)?.[1]);
    expect(watcherCpu, counted).toBeGreaterThanOrEqual(8);
    // The kernel's socket buffers may still grow (TCP autotuning) and let the job run a little;
    // what matters is that it keeps coming back to waiting and the server's memory stays flat.
    st = await until(async () => { const x = await watcher.command('SYSTAT'); return held.test(x) && x; }, 'the flood job back to waiting for output', 15_000, 250);
    expect(st).toMatch(/FLOOD\.S\s+\d+\s+WAITING FOR OUTPUT/);
    expect(floodCpu() - cpuBefore, `CPU seconds of the held job while the watcher's job ran ${watcherCpu}`).toBeLessThan(watcherCpu / 2);
    expect(rss() - before).toBeLessThan(16 * 1024); // KiB
    // the other line is served as usual
    await watcher.command('NEW HI.S');
    typeProgram(watcher, 'server/machine/examples/hello.s');
    expect(await watcher.command('RUN')).toContain('HELLO, WORLD');
  });

  it('200 lines log in and each runs a job', async () => {
    const s = await server();
    const hello = readFileSync(join(ROOT, 'server/machine/examples/hello.s'), 'utf8').split('\n').filter((r) => r.trim()).map((r, i) => `${(i + 1) * 10} ${r}\r`).join('');
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const t = await user(s.url, `u${i}`);
        t.send(`NEW H${i}.S\r${hello}`);
        await t.expect(`NEW ASSEMBLY PROGRAM H${i}.S.\r\nREADY.\r\n`);
        return t.command('RUN', 30_000);
      }),
    );
    const ok = results.filter((r) => r.includes('HELLO, WORLD\r\n'));
    expect(ok).toHaveLength(200);
  }, 60_000);

  it('npm run admin creates an operator who can log in and BROADCAST', async () => {
    const s = await server(['--no-register']);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/admin.ts', 'user', 'add', 'boss', '--operator', '--data', s.dir, '--scrypt-n', '16'], { cwd: ROOT, input: 'b0sspw\n', encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('user BOSS added (operator)');
    const op = await user(s.url, 'boss', 'b0sspw', false);
    expect(await op.command('BROADCAST HELLO ALL')).toContain('SENT TO 0 LINES.');
  });
});
