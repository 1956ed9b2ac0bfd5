// Hostile jobs through the real server (real mainframe thread, real sockets). Each is contained with
// a clear message on its own line, while a bystander on another line keeps getting echoes and
// READY. The CPU limit is lowered to 30 rated seconds (about a second of host time) to keep it fast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool, stillServed, systatJobs, typeProgram, waitSystat, type Term } from './server.ts';

const pool = new Pool();
let url = '';
let bystander: Term;
let watcher: Term;
const CPU_LIMIT = 300_000_000;

beforeAll(async () => {
  const s = await pool.server(['--cpu-limit', String(CPU_LIMIT), '--output-limit', '100000']);
  url = s.url;
  bystander = await pool.user(url, 'bystander');
  watcher = await pool.user(url, 'watcher');
});
afterAll(() => pool.cleanup());

const user = (name: string) => pool.user(url, name);

/** Runs 20,000,000 cycles (2 CPU seconds at the rated clock) on a line of its own: the machine's
 *  time passes, and any other job that wanted the CPU had its share of it meanwhile. */
async function burn(name: string): Promise<void> {
  const b = await user(name);
  await typeProgram(b, 'BURN.S', ['10 LI r4, 10000000', '20 loop: ADD r1, r1, 1', '30 BLT r1, r4, loop', '40 HALT']);
  expect(await b.command('RUN', 60_000)).toMatch(/TIME: [1-9]\d*\.\d\d SECS/);
}

describe('runaway CPU', () => {
  it('a tight loop stops at Ctrl-C; another stops at the CPU limit; the bystander is served throughout', async () => {
    const a = await user('spin1');
    const b = await user('spin2');
    await typeProgram(a, 'L.S', ['start: JMP start']);
    await typeProgram(b, 'L.S', ['start: JMP start']);
    a.line('RUN');
    b.line('RUN');
    await waitSystat(watcher, (j) => j.filter((x) => x.program === 'L.S' && x.state === 'RUNNING').length >= 1);
    await stillServed(bystander, 'A');
    a.send('\x03');
    expect(await a.expect(/READY\.\r\n/)).toMatch(/\^C\r\nSTOPPED\.\r\n/);
    const end = await b.expect(/READY\.\r\n/, 20_000);
    expect(end).toContain('CPU LIMIT EXCEEDED (30.00 SECONDS)');
    await stillServed(bystander, 'B');
    expect(await a.command('PRINT')).toContain('WHAT?'); // the line is back at command level
  });

  it('a loop of supervisor calls (TIME, SLEEP 0, CPUTIME) leaves the others served and stops at Ctrl-C', async () => {
    // (that supervisor calls count toward the CPU limit is shown exactly in monitor-limits.test.ts)
    const t = await user('svcloop');
    await typeProgram(t, 'S.S', ['start: SVC TIME', 'LI r1, 0', 'SVC SLEEP', 'SVC CPUTIME', 'JMP start']);
    t.line('RUN');
    await waitSystat(watcher, (j) => j.some((x) => x.user === 'SVCLOOP' && x.cpu > 0));
    await stillServed(bystander, 'C');
    t.send('\x03');
    expect(await t.expect(/READY\.\r\n/)).toContain('STOPPED.');
  });
});

describe('output', () => {
  it('an output flood ends at the output limit', async () => {
    const t = await user('flood');
    await typeProgram(t, 'F.S', ['start: LI r1, 65', 'l: SVC PUTC', 'JMP l']);
    t.line('RUN');
    const out = await t.expect(/READY\.\r\n/, 30_000);
    expect(out).toContain('OUTPUT LIMIT EXCEEDED (100000 CHARACTERS)');
    expect(/A+/.exec(out.slice(out.indexOf('RUN\r\n')))![0].length).toBe(100_000);
    await stillServed(bystander, 'D');
  });

  it('a flood to a terminal that stops reading stalls only that job, which is detached when the line drops', async () => {
    // A server of its own whose output limit (50 MB) is far beyond what the sockets' buffers hold
    // (with this file's 100,000 the job could end at the limit before SYSTAT ever saw it, its
    // whole output sitting in the kernel's buffers for a peer that does not read).
    const big = await pool.server(['--cpu-limit', String(CPU_LIMIT), '--output-limit', '50000000']);
    const url = big.url;
    const watcher = await pool.user(url, 'watcher');
    const bystander = await pool.user(url, 'bystander');
    const t = await pool.user(url, 'deaf');
    // a long line of output per PUTS, so the socket's buffers fill before the output limit is hit
    await typeProgram(t, 'D.S', ['start: LA r1, buf', 'LI r2, 4000', 'l: SVC PUTS', 'JMP l', 'buf: .space 4000']);
    t.line('RUN');
    await t.expect('RUN\r\n');
    (t.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const jobs = await waitSystat(watcher, (j) => j.some((x) => x.user === 'DEAF'), 10_000);
    const job = jobs.find((x) => x.user === 'DEAF')!;
    await stillServed(bystander, 'E');
    // it either waits for its terminal or ended at the output limit: never more CPU than that
    const later = systatJobs(await watcher.command('SYSTAT')).find((x) => x.job === job.job);
    if (later) expect(later.state).toMatch(/WAITING FOR OUTPUT|RUNNING|READY/);
    t.ws.terminate();
    // detached: it goes on (and waits for output once it has typed what a detached job keeps)
    await waitSystat(watcher, (j) => j.some((x) => x.job === job.job && x.line === 'DET'));
    await stillServed(bystander, 'F');
    const again = await pool.user(url, 'deaf', 'secret', false);
    expect(await again.command(`KILL ${job.job}`)).toContain(`JOB ${job.job} KILLED.`);
    await waitSystat(watcher, (j) => !j.some((x) => x.job === job.job));
  });
});

describe('input', () => {
  it('a job waiting for input forever uses no CPU, also once detached when its line hangs up', async () => {
    const t = await user('waiter');
    await typeProgram(t, 'W', ['10 INPUT A', '20 END']);
    t.line('RUN');
    await t.expect('? ');
    const first = await waitSystat(watcher, (j) => j.some((x) => x.user === 'WAITER' && x.state === 'WAITING FOR INPUT'));
    await burn('burner1'); // a waiting job that spun would have had a share of these 2 CPU seconds
    const second = await waitSystat(watcher, (j) => j.some((x) => x.user === 'WAITER'));
    const a = first.find((x) => x.user === 'WAITER')!;
    const b = second.find((x) => x.user === 'WAITER')!;
    expect(b.state).toBe('WAITING FOR INPUT');
    expect(b.cpu).toBe(a.cpu);
    expect(b.cpu).toBe(0);
    t.ws.terminate();
    const det = await waitSystat(watcher, (j) => j.some((x) => x.user === 'WAITER' && x.line === 'DET'));
    await burn('burner2');
    const still = await waitSystat(watcher, (j) => j.some((x) => x.user === 'WAITER'));
    expect(still.find((x) => x.user === 'WAITER')!).toMatchObject({ state: 'WAITING FOR INPUT', cpu: 0, line: 'DET' });
    expect(det.find((x) => x.user === 'WAITER')!.cpu).toBe(0);
  });
});

describe('memory', () => {
  it('a walk over every address ends with an ADDRESS trap naming the typed line', async () => {
    const t = await user('walker');
    await typeProgram(t, 'WALK.S', ['10 start: LI r1, 0', '20 l: LD r2, 0(r1)', '30 ADD r1, r1, 1', '40 JMP l']);
    const out = await t.command('RUN');
    expect(out).toMatch(/ADDRESS TRAP AT PC 2: ADDRESS 4096 OUTSIDE PARTITION IN LINE 20\r\n/);
  });

  it('stack bombs: an assembly PUSH loop and a BASIC recursive GOSUB', async () => {
    const t = await user('bomber');
    await typeProgram(t, 'P.S', ['10 start: PUSH r1', '20 JMP start']);
    expect(await t.command('RUN')).toMatch(/STACK OVERFLOW AT PC 0 IN LINE 10\r\n/);
    await typeProgram(t, 'R', ['10 GOSUB 10', '20 END']);
    expect(await t.command('RUN')).toContain('TOO MANY NESTED GOSUBS IN LINE 10\r\n');
    await stillServed(bystander, 'G');
  });

  it('GOSUB without RETURN fills the stack and says so', async () => {
    const t = await user('noreturn');
    await typeProgram(t, 'G', ['10 GOSUB 30', '20 STOP', '30 LET N = N + 1', '40 GOTO 10', '50 END']);
    expect(await t.command('RUN')).toContain('TOO MANY NESTED GOSUBS IN LINE 10\r\n');
  });

  it('DIM as large as one can ask: too large for the machine, too large for a partition, or it runs', async () => {
    const t = await user('dimmer');
    await typeProgram(t, 'D1', ['10 DIM A(99999999)', '20 END']);
    expect(await t.command('RUN')).toContain('LINE 10: A IS TOO LARGE FOR THE MACHINE');
    // several arrays, each allowed, together more than the largest partition
    await typeProgram(t, 'D2', ['10 DIM A(250000), B(250000), C(250000)', '20 LET C(250000) = 1', '30 END']);
    expect(await t.command('RUN')).toMatch(/PROGRAM NEEDS \d+ WORDS OF CORE; THE LARGEST PARTITION IS 1048576 WORDS\r\n/);
    // the largest single array that fits runs, and its far end is usable
    await typeProgram(t, 'D3', ['10 DIM A(250000)', '20 LET A(250000) = 7', '30 PRINT A(250000)', '40 END']);
    expect(await t.command('RUN')).toContain(' 7 \r\n');
    await stillServed(bystander, 'H');
  });
});

describe('arithmetic', () => {
  it('a division-by-zero storm: each one warned, the job goes on, and an endless storm meets the output limit', async () => {
    const t = await user('divider');
    await typeProgram(t, 'Z', ['10 FOR I = 1 TO 50', '20 LET A = 1/0', '30 NEXT I', '40 PRINT "DONE"', '50 END']);
    const out = await t.command('RUN');
    expect(out.split('DIVISION BY ZERO IN LINE 20\r\n').length - 1).toBe(50);
    expect(out).toContain('DONE\r\n');
    await typeProgram(t, 'ZZ', ['10 LET A = 1/0', '20 GOTO 10', '30 END']);
    const storm = await t.command('RUN', 30_000);
    expect(storm).toContain('OUTPUT LIMIT EXCEEDED (100000 CHARACTERS)');
    expect(storm.length).toBeLessThan(110_000);
    await stillServed(bystander, 'I');
  });
});

describe('size', () => {
  it('a program of 10,000 lines is accepted and runs; the 10,001st line is refused', async () => {
    const t = await user('bigprog');
    const rows = Array.from({ length: 9998 }, (_, i) => `${i + 1} LET A = A + 1`);
    rows.push('9999 PRINT A', '10000 END');
    await typeProgram(t, 'BIG', rows);
    // the bystander is served while the 150 KB paste is digested
    await stillServed(bystander, 'J');
    expect(await t.command('LIST 9999-', 30_000)).toContain('9999 PRINT A\r\n10000 END\r\n');
    t.line('10001 REM ONE TOO MANY');
    await t.expect('PROGRAM TOO LONG (10000 LINES AT MOST)');
    t.line('RUN');
    await stillServed(bystander, 'K'); // while it compiles and runs
    expect(await t.expect(/READY\.\r\n/, 30_000)).toContain(' 9998 \r\n');
  });
});
