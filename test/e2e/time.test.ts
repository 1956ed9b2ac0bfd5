// Real time through the real server: a paced machine sells its rated clock (a CPU second takes at
// least a wall second; two jobs share it and pay exactly the same), SYSTAT says so, and `npm run
// job -- --paced` keeps the clock. Only lower bounds on wall time are checked: a paced machine can
// never be faster than its clock, whereas a busy shared host may always be slower.
// Also: type-ahead with the real BASIC, and Ctrl-C on a paced line.
import { spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Pool } from './pool.ts';
import { ROOT } from './spawn.ts';
import { currentSliceUs } from '../../server/thread-slice.ts';
import { until } from '../helpers/until.ts';

const pool = new Pool();
afterEach(() => pool.cleanup());
const user = (url: string, name: string) => pool.user(url, name);
/** 2 cycles an iteration (ADD, BLT): `iterations` x 2 cycles, then HALT. */
const counted = (iterations: number) => `10 LI r4, ${iterations}\r20 loop: ADD r1, r1, 1\r30 BLT r1, r4, loop\r40 HALT\r`;

describe('the rated clock, through the server', () => {
  it('alone a job takes its CPU time in wall time; two share the machine, each paying the same', async () => {
    // 1 MHz: 250,000 iterations are half a CPU second
    const s = await pool.server(['--rated-clock', '1000000'], undefined, { paced: true });
    const a = await user(s.url, 'ann');
    const b = await user(s.url, 'ben');
    for (const t of [a, b]) {
      await t.command('NEW HALF.S');
      t.send(counted(250_000));
      await t.expect('40 HALT\r\n');
    }
    const st = await a.command('SYSTAT');
    expect(st).toContain('RATED CLOCK 1.00 MHZ, PACED');
    expect(st).toMatch(/UTILISATION \d+% \d+% \d+%/);

    let t0 = performance.now();
    const alone = await a.command('RUN', 30_000);
    const aloneWall = performance.now() - t0;
    const time = /TIME: (\d+\.\d\d) SECS\./.exec(alone)![1];
    expect(Number(time)).toBeGreaterThanOrEqual(0.5);
    expect(aloneWall).toBeGreaterThanOrEqual(Number(time) * 1000 * 0.98);

    t0 = performance.now();
    a.line('RUN');
    b.line('RUN');
    const [ra, rb] = await Promise.all([a.expect(/READY\.\r\n/, 30_000), b.expect(/READY\.\r\n/, 30_000)]);
    const bothWall = performance.now() - t0;
    expect(/TIME: (\d+\.\d\d) SECS\./.exec(ra)![1]).toBe(time); // the same charge as alone
    expect(/TIME: (\d+\.\d\d) SECS\./.exec(rb)![1]).toBe(time);
    expect(bothWall).toBeGreaterThanOrEqual(2 * Number(time) * 1000 * 0.98); // they shared one clock
  }, 60_000);

  it('npm run job is flat out, and --paced keeps the rated clock', () => {
    const dir = pool.tempDir('timeshare-paced-');
    const file = join(dir, 'loop.s');
    // 5,000,000 iterations: 1 CPU second at 10 MHz
    writeFileSync(file, 'LI r4, 5000000\nloop: ADD r1, r1, 1\nBLT r1, r4, loop\nHALT\n');
    const run = (args: string[]) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['server/launch.mjs', 'job', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      return { ...r, ms: performance.now() - t0 };
    };
    const paced = run(['--paced', '--bill', file]);
    expect(paced.status).toBe(0);
    // (the launcher may first say it rebuilt the bundle, on a line of its own)
    const bill = /(\d+) CYCLES, (\d+\.\d+) CPU SECONDS\n$/;
    const m = bill.exec(paced.stderr)!;
    expect(Number(m[1])).toBeGreaterThan(10_000_000); // the loop, plus the compile's charge
    expect(paced.ms).toBeGreaterThanOrEqual(Number(m[2]) * 1000 * 0.98);
    const flat = run(['--bill', file]);
    expect(bill.exec(flat.stderr)![0]).toBe(m[0]); // the same cycles either way
  });
});

describe('lines, through the server', () => {
  it('a pasted program, RUN and LIST: the program runs, then LIST, in order', async () => {
    const s = await pool.server();
    const t = await user(s.url, 'pat');
    t.send('NEW PASTED\r10 PRINT "ONE"\r20 END\rRUN\rLIST\r');
    await t.expect('NEW BASIC PROGRAM PASTED.\r\nREADY.\r\n');
    const run = await t.expect(/READY\.\r\n/);
    expect(run).toMatch(/^ONE\r\n/);
    const list = await t.expect(/READY\.\r\n/);
    expect(list).toContain('10 PRINT "ONE"\r\n20 END\r\n');
  });

  it('at 1200 baud a printing loop waits on the line; Ctrl-C answers with STOPPED. and READY.', async () => {
    const s = await pool.server();
    const t = await pool.open(`${s.url}/?baud=1200`);
    await t.expect('USER NAME--');
    t.line('lee');
    await t.expect('PASSWORD--');
    t.line('secret');
    await t.expect('PASSWORD--');
    t.line('secret');
    await t.expect('READY.\r\n');
    t.send('NEW SPEW\r10 PRINT "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"\r20 GOTO 10\r');
    await t.expect('20 GOTO 10\r\n');
    const t0 = performance.now();
    t.line('RUN');
    await t.expect('XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n');
    t.send('\x03');
    await t.expect('^C\r\nSTOPPED.\r\n');
    await t.expect('READY.\r\n');
    const seconds = (performance.now() - t0) / 1000;
    // an unpaced line would have carried up to the 100,000-character output limit by now
    const xs = (t.out.match(/X/g) ?? []).length;
    expect(xs).toBeLessThanOrEqual(120 * (seconds + 1));
  });
});

describe('the mainframe yields the host to the lines (Linux)', () => {
  /** The server's threads: policy (0 normal, 5 SCHED_IDLE), nice and CPU ticks used so far. */
  const threads = (pid: number) => readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      return []; // a thread that ended since the listing
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [{ tid: Number(tid), ticks: Number(f[11]) + Number(f[12]), nice: Number(f[16]), policy: Number(f[38]) }];
  });
  /** The thread that runs a tight loop: the one whose CPU grows the most over half a second. */
  async function guestThread(pid: number) {
    const a = threads(pid);
    await new Promise((r) => setTimeout(r, 500));
    const b = threads(pid);
    const grown = b.map((t) => ({ ...t, grew: t.ticks - (a.find((x) => x.tid === t.tid)?.ticks ?? 0) }));
    return grown.sort((x, y) => y.grew - x.grew)[0];
  }

  /** A thread's EEVDF time slice in µs as /proc reports it (Linux 6.6 and later), or null. */
  const sliceUs = (pid: number, tid: number) => currentSliceUs(tid, pid);

  it("the lines' thread asks for 300 µs time slices and keeps its nice value and policy; the other threads keep the kernel's; --lines-slice 0 asks nothing", async () => {
    const kernel = sliceUs(process.pid, process.pid);
    const s = await pool.server([], undefined, { paced: true, hostPriority: true });
    const pid = s.child.pid!;
    if (kernel === null) {
      // a kernel before 6.6 has no slices to ask for: the server says so and goes on
      await until(() => s.stdout().includes("the lines' thread keeps the kernel's time slice"), 'the log line saying why');
    } else {
      await until(() => sliceUs(pid, pid) === 300, "the lines' thread at 300 µs", 10_000);
      // the log line follows the call's answer
      await until(() => s.stdout().includes("the lines' thread asks for 300 µs time slices"), 'the log line');
      for (const t of threads(pid)) if (t.tid !== pid && t.policy === 0) expect(sliceUs(pid, t.tid)).toBe(kernel);
    }
    const main = threads(pid).find((x) => x.tid === pid)!;
    expect(main.policy).toBe(0);
    expect(main.nice).toBe(getPriority());
    await pool.stop(s);

    const left = await pool.server(['--lines-slice', '0'], undefined, { paced: true, hostPriority: true });
    await user(left.url, 'slice0'); // the server has been up a while: it would have asked by now
    expect(sliceUs(left.child.pid!, left.child.pid!)).toBe(kernel);
    expect(left.stdout()).not.toContain('time slice');
    await pool.stop(left);
  }, 60_000);

  it("guest code runs at nice 19 under the idle scheduling policy by default, paced or flat out (--unthrottled); --mainframe-priority low leaves it at nice 19 alone; V8's platform workers go to nice 19 with it; the lines stay normal; normal leaves every thread as it was", async () => {
    const cases: [string[], boolean, number][] = [
      [[], true, 5], // paced: nice 19 and SCHED_IDLE
      [[], false, 5], // flat out: the same
      [['--mainframe-priority', 'low'], false, 0],
      [['--mainframe-priority', 'low'], true, 0],
    ];
    for (const [args, paced, policy] of cases) {
      const s = await pool.server(args, undefined, { paced, hostPriority: true });
      const t = await user(s.url, 'spin');
      await t.command('NEW SPIN.S');
      t.line('10 start: JMP start');
      t.line('RUN');
      await t.expect('RUN\r\n');
      const pid = s.child.pid!;
      const g = await until(async () => {
        const x = await guestThread(pid);
        return x.policy === policy && x.nice === 19 ? x : null;
      }, `the guest thread at policy ${policy}, nice 19`);
      expect(g.tid).not.toBe(pid);
      const main = threads(pid).find((x) => x.tid === pid)!;
      expect(main.policy).toBe(0);
      expect(main.nice).toBe(getPriority()); // the lines keep the priority the server was started with
      // V8's four platform workers (after the main thread and the delayed-task scheduler) yield too,
      // at nice 19 under the normal policy: the lines' own collections use them
      // (found by their places: if another process took a thread id between them, the server
      // leaves them and says so)
      const sorted = threads(pid).sort((a, b) => a.tid - b.tid);
      const workers = sorted.slice(2, 6);
      if (workers[3]!.tid - sorted[1]!.tid === 4) {
        for (const w of workers) expect([w.nice, w.policy]).toEqual([19, 0]);
      } else {
        expect(s.stdout()).toContain("V8's platform workers were not found by their places");
      }
      expect(sorted[1]!.nice).toBe(getPriority());
      await pool.stop(s);
    }
    // --mainframe-priority normal: everything keeps the server's priority
    const s = await pool.server(['--mainframe-priority', 'normal'], undefined, { paced: true, hostPriority: true });
    await user(s.url, 'normal');
    for (const t of threads(s.child.pid!)) expect([t.tid, t.nice, t.policy]).toEqual([t.tid, getPriority(), 0]);
    await pool.stop(s);
  }, 60_000);
});
