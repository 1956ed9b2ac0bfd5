// Jobs through the front end, against the fake mainframe: RUN with input and type-ahead, Ctrl-C,
// SUBMIT/JOBS/KILL, SYSTAT, operator commands, a dropped line's job (detached: hotel.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, Term } from './client.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';

let h: Harness;
let mf: FakeMainframe;
const terms: Term[] = [];
const open = async (name: string, pw = 'secret', reg = true) => {
  const t = await login(h.url, name, pw, reg);
  terms.push(t);
  return t;
};
const posted = (t: string) => mf.posted.filter((m) => m.t === t);
/** The fake mainframe has run job `n` for at least one more step than `after` cycles. */
const ranPast = (n: number, after = 0) => until(() => (mf.cycles(n) ?? -1) > after, `job ${n} to run past ${after} cycles`);

beforeEach(async () => {
  mf = new FakeMainframe();
  h = await startFrontEnd({}, { mainframe: mf });
});
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h.stop();
});

describe('RUN', () => {
  it('sends the numbered lines in order, types the output, then READY.', async () => {
    const t = await open('amy');
    await t.command('NEW HI');
    t.send('20 PRINT WORLD\r10 PRINT HELLO\r');
    const out = await t.command('RUN');
    expect(out).toContain('HELLO\r\nWORLD\r\n');
    const run = posted('run')[0];
    expect(run).toMatchObject({ t: 'run', owner: 'AMY', line: 1, name: 'HI', lang: 'basic', source: '10 PRINT HELLO\n20 PRINT WORLD\n' });
  });

  it('program names ending .S run as assembly', async () => {
    const t = await open('bo');
    await t.command('new x.s');
    t.line('10 PRINT A');
    await t.command('RUN');
    expect(posted('run')[0]).toMatchObject({ lang: 'asm', name: 'X.S' });
  });

  it('feeds typed lines to the job, including lines pasted ahead with RUN', async () => {
    const t = await open('cy');
    await t.command('NEW ASK');
    t.send('10 INPUT\r20 INPUT\r30 PRINT DONE\r');
    t.send('RUN\rfirst\rsecond\r');
    await t.expect('GOT first\r\nGOT second\r\nDONE\r\n');
    await t.expect('READY.');
    expect(posted('input').map((m) => (m as { line: string }).line)).toEqual(['first', 'second']);
    expect(await t.command('LIST')).toContain('10 INPUT\r\n20 INPUT\r\n30 PRINT DONE\r\n');
  });

  it('Ctrl-C stops a runaway job at once and READY. follows', async () => {
    const t = await open('di');
    await t.command('NEW SPIN');
    t.line('10 LOOP');
    t.line('RUN');
    await t.expect('RUN\r\n');
    await ranPast(1); // running, not still being started
    t.send('\x03');
    const out = await t.expect(/READY\.\r\n/);
    expect(out).toContain('^C\r\nSTOPPED.');
    expect(posted('interrupt')).toHaveLength(1);
    expect(await t.command('HELP')).toContain('COMMANDS');
  });

  it('reports compile errors and refuses to run an empty program', async () => {
    const t = await open('ed');
    expect(await t.command('RUN')).toContain('NO PROGRAM TO RUN');
    await t.command('NEW BAD');
    t.line('10 FAIL SYNTAX ERROR');
    expect(await t.command('RUN')).toContain('LINE 10: SYNTAX ERROR');
  });

  it('a dropped connection detaches its foreground job instead of stopping it', async () => {
    const t = await open('fay');
    await t.command('NEW SPIN');
    t.line('10 LOOP');
    t.line('RUN');
    await t.expect('RUN\r\n');
    await ranPast(1);
    t.close();
    await until(() => h.fe.jobs.live.get(1)?.detached, 'the job to be detached');
    // and it goes on running after the line is gone: a kill would have come before these steps
    await ranPast(1, mf.cycles(1));
    expect(posted('kill')).toHaveLength(0);
    expect(h.fe.jobs.live.get(1)?.detached).toBe(true);
  });
});

describe('background jobs', () => {
  it('SUBMIT runs a saved program, JOBS lists it, KILL stops it, its output is saved as NAME.OUT', async () => {
    const t = await open('gus');
    await t.command('NEW QUICK');
    t.send('10 PRINT LINE ONE\r20 PRINT LINE TWO\r');
    await t.command('SAVE');
    expect(await t.command('SUBMIT QUICK')).toMatch(/JOB 1 SUBMITTED.*QUICK\.OUT/);
    await until(() => h.store.programs.get('GUS', 'QUICK.OUT'), 'QUICK.OUT to be saved');
    expect(await t.command('OLD QUICK.OUT')).toContain('QUICK.OUT LOADED.');
    const listing = await t.command('LIST');
    expect(listing).toContain('LINE ONE\r\nLINE TWO\r\n');
    expect(listing).toContain('*** JOB 1 QUICK ENDED');
    t.line('10 PRINT X');
    await t.expect("QUICK.OUT IS A JOB'S OUTPUT; IT CANNOT BE EDITED");
    expect(await t.command('RUN')).toContain("QUICK.OUT IS A JOB'S OUTPUT, NOT A PROGRAM.");

    await t.command('NEW SLOW');
    t.send('10 PRINT STARTED\r20 LOOP\r');
    await t.command('SAVE');
    await t.command('SUBMIT SLOW');
    const jobs = await t.command('JOBS');
    expect(jobs).toMatch(/JOB\s+PROGRAM\s+WHERE\s+STATE\s+CPU SEC/);
    expect(jobs).toMatch(/2\s+SLOW\s+BACKGROUND/);
    const other = await open('hank');
    expect(await other.command('KILL 2')).toContain('NO JOB 2 OF YOURS');
    expect(await t.command('KILL 2')).toContain('JOB 2 KILLED.');
    const out = await until(() => h.store.programs.get('GUS', 'SLOW.OUT'), 'SLOW.OUT to be saved');
    expect(out?.text).toContain('STARTED');
    expect(out?.text).toContain('KILLED');
    expect(await t.command('JOBS')).toContain('NO JOBS.');
  });

  it('a background job goes on after its owner hangs up', async () => {
    const t = await open('ida');
    await t.command('NEW BG');
    t.send('10 LOOP\r');
    await t.command('SAVE');
    await t.command('SUBMIT BG');
    await ranPast(1);
    t.line('BYE');
    await t.closedWith();
    // it runs on after its owner has gone: a kill would have come before these steps
    await ranPast(1, mf.cycles(1));
    expect(h.fe.jobs.live.size).toBe(1);
    expect(posted('kill')).toHaveLength(0);
  });
});

describe('SYSTAT and operators', () => {
  it('SYSTAT shows lines, jobs, uptime and load averages', async () => {
    const a = await open('jo');
    const b = await open('ken');
    await b.command('NEW SPIN');
    b.line('10 LOOP');
    b.line('RUN');
    await b.expect('RUN\r\n');
    const s = await a.command('SYSTAT');
    expect(s).toMatch(/UP \d+:\d\d:\d\d/);
    expect(s).toMatch(/LOAD AVERAGES 0\.50 0\.25 0\.13/);
    expect(s).toMatch(/2 LINES IN USE/);
    expect(s).toMatch(/^\s+1\s+JO\s+\d+:\d\d:\d\d\s+COMMAND/m);
    expect(s).toMatch(/^\s+2\s+KEN\s+\d+:\d\d:\d\d\s+RUN SPIN/m);
    expect(s).toMatch(/JOB\s+USER\s+PROGRAM\s+LINE\s+STATE\s+CPU SEC\s+CORE/);
    expect(s).toMatch(/^\s+1\s+KEN\s+SPIN\s+2\s+RUNNING\s+\d+\.\d\d\s+4096/m);
  });

  it('SYSTAT is private by default: others appear as *, without programs or CPU; operators see all', async () => {
    (h.fe.config as { systat: string }).systat = 'private';
    await h.store.accounts.create({ name: 'BOSS', password: await hashPassword('bosspass', 16), operator: true });
    const a = await open('mia');
    const b = await open('ned');
    await b.command('NEW SECRETPRG');
    b.line('10 LOOP');
    b.line('RUN');
    await b.expect('RUN\r\n');
    const s = await a.command('SYSTAT');
    expect(s).not.toMatch(/NED|SECRETPRG/);
    expect(s).toMatch(/^\s+1\s+MIA\s+\d+:\d\d:\d\d\s+COMMAND/m);
    expect(s).toMatch(/^\s+2\s+\*\s+\d+:\d\d:\d\d\s+RUN\s*$/m);
    expect(s).toMatch(/^\s+\d+\s+\*\s+\*\s+2\s+RUNNING\s+-\s+4096/m);
    const op = await open('boss', 'bosspass', false);
    const o = await op.command('SYSTAT');
    expect(o).toMatch(/NED\s+SECRETPRG\s+2\s+RUNNING/);
  });

  it('operators BROADCAST and HANGUP; others may not', async () => {
    await h.store.accounts.create({ name: 'OP', password: await hashPassword('oppass', 16), operator: true });
    const user = await open('lee');
    expect(await user.command('BROADCAST HI')).toContain('WHAT? BROADCAST');
    const op = await open('op', 'oppass', false);
    expect(await op.command('HELP')).toContain('BROADCAST');
    user.send('10 PRI'); // a partly typed line is typed again after the message
    expect(await op.command('BROADCAST SYSTEM DOWN AT 5')).toContain('SENT TO 1 LINE.');
    await user.expect('\r\n*** FROM OPERATOR OP: SYSTEM DOWN AT 5\r\n10 PRI');
    expect(await op.command('HANGUP 1')).toContain('LINE 1 HUNG UP.');
    await user.expect('HUNG UP BY OPERATOR OP');
    expect(await user.closedWith()).toBe(1000);
    expect(await op.command('HANGUP 9')).toContain('LINE 9 IS NOT IN USE.');
  });
});

describe('mainframe failure', () => {
  it('if the mainframe stops, running jobs end with a message, lines go on, RUN is refused plainly', async () => {
    const t = await open('quin');
    await t.command('NEW SPIN');
    t.line('10 LOOP');
    t.line('RUN');
    await t.expect('RUN\r\n');
    mf.crash();
    expect(await t.expect(/READY\.\r\n/)).toContain('THE MAINFRAME STOPPED. THE JOB WAS LOST.');
    expect(await t.command('RUN')).toContain('THE MAINFRAME IS DOWN');
    expect(await t.command('LIST')).toContain('10 LOOP');
    expect(await t.command('SAVE')).toContain('SPIN SAVED.');
  });
});

describe('failures inside a command', () => {
  it('a command that fails says so, and the lines typed after it still run', async () => {
    h.fe.commands.register({ name: 'BREAK', usage: 'BREAK', help: 'fails', run: () => { throw new Error('boom'); } });
    const t = await open('rex');
    t.send('BREAK\rNEW AFTER\r');
    expect(await t.expect(/READY\.\r\n/)).toContain('SYSTEM ERROR. YOUR COMMAND WAS NOT COMPLETED.');
    expect(await t.expect(/READY\.\r\n/)).toContain('NEW BASIC PROGRAM AFTER.');
    expect(t.out).not.toContain('boom');
  });
});

describe('input back-pressure', () => {
  it('a paste far larger than a job reads waits in the front end, in order, nothing lost', async () => {
    const t = await open('pat');
    await t.command('NEW SLOWREAD');
    // a job that dawdles, then reads 1,000 lines, one at a time
    t.send(`1 WAIT 500\r` + Array.from({ length: 1000 }, (_, i) => `${i + 10} INPUT\r`).join(''));
    t.line('RUN');
    await t.expect('RUN\r\n');
    let paste = '';
    for (let i = 1; i <= 1000; i++) paste += `L${i}\r`;
    t.send(paste);
    await t.expect('GOT L1000\r\n', 20_000);
    // type-ahead waited here until the job asked for a line: the job said it waits for input
    // before the first line went to it, and every line after a request of its own
    const order = mf.history.flatMap((e) => ('to' in e ? (e.to.t === 'input' ? ['line'] : []) : e.from.t === 'state' && e.from.state === 'waiting for input' ? ['asks'] : []));
    expect(order).toEqual(Array.from({ length: 2000 }, (_, i) => (i % 2 ? 'line' : 'asks')));
    await t.expect(/READY\.\r\n/);
    const lines = posted('input').map((m) => (m as { line: string }).line);
    expect(lines).toEqual(Array.from({ length: 1000 }, (_, i) => `L${i + 1}`));
  });
});
