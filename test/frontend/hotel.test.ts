// The hotel through the front end (the fake mainframe): Ctrl-D detaches, ATTACH from another line
// of the same user, a dropped line detaches and keeps the workspace, another user cannot attach,
// DONE jobs, BYE, KILL, and the detached-hours limit.
import { afterEach, describe, expect, it } from 'vitest';
import { login, Term } from './client.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import type { ServerOptions } from '../../server/frontend/server.ts';
import { until } from '../helpers/until.ts';

let h: Harness;
let mf: FakeMainframe;
const terms: Term[] = [];
const open = async (name: string, reg = true) => {
  const t = await login(h.url, name, 'secret', reg);
  terms.push(t);
  return t;
};
const start = async (over: Partial<ServerOptions> = {}) => {
  mf = new FakeMainframe();
  h = await startFrontEnd(over, { mainframe: mf });
};

afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h.stop();
});

// FIRST at once; WHILE AWAY after 300 ms (the job is detached by then); then it waits for input.
const AWAY = '10 PRINT FIRST\r20 WAIT 300\r30 PRINT WHILE AWAY\r40 INPUT\r50 PRINT THE END\r';

describe('DETACH and ATTACH', () => {
  it('Ctrl-D detaches a running job; another line of the same user attaches it, sees what it typed and types to it', async () => {
    await start();
    const a = await open('ann');
    await a.command('NEW AWAY');
    a.send(AWAY);
    a.line('RUN');
    await a.expect('FIRST\r\n');
    a.send('\x04');
    const detached = await a.expect(/READY\.\r\n/);
    expect(detached).toContain('^D\r\nJOB 1 DETACHED.');
    expect(await a.command('HELP')).toContain('CTRL-D DETACHES A RUNNING PROGRAM');
    await until(() => h.fe.jobs.live.get(1)?.state === 'waiting for input', 'the detached job to wait for input');
    expect(await a.command('JOBS')).toMatch(/1\s+AWAY\s+DETACHED\s+WAITING FOR INPUT/);
    expect(await a.command('SYSTAT')).toMatch(/1\s+ANN\s+AWAY\s+DET\s+WAITING FOR INPUT/);

    const b = await open('ann', false);
    expect(b.out).toMatch(/YOU HAVE DETACHED JOBS:\r\nJOB\s+PROGRAM\s+STATE\s+CPU SEC\r\n\s*1\s+AWAY\s+WAITING FOR INPUT\s+\d+\.\d\d\r\nTYPE ATTACH N/);
    b.line('ATTACH 1');
    const back = await b.expect('WHILE AWAY\r\n');
    expect(back).toContain('JOB 1 AWAY ATTACHED.');
    expect(back).not.toContain('FIRST'); // line A saw that already
    b.line('HELLO');
    const end = await b.expect(/READY\.\r\n/);
    expect(end).toContain('GOT HELLO\r\nTHE END\r\n');
    expect(await b.command('JOBS')).toContain('NO JOBS.');
  });

  it('ATTACH from another line takes the job from the line that has it', async () => {
    await start();
    const a = await open('cal');
    await a.command('NEW SPIN');
    a.line('10 LOOP');
    a.line('RUN');
    await a.expect('RUN\r\n');
    await until(() => h.fe.jobs.live.size === 1, 'the job');
    const b = await open('cal', false);
    b.line('ATTACH 1');
    await b.expect('JOB 1 SPIN ATTACHED.');
    expect(await a.expect(/READY\.\r\n/)).toContain('*** JOB 1 WAS ATTACHED BY LINE 2.');
    b.send('\x03');
    expect(await b.expect(/READY\.\r\n/)).toContain('STOPPED.');
  });

  it('a dropped line detaches its job and keeps its workspace; the next login says so; others cannot attach, operators can KILL', async () => {
    await start();
    await h.store.accounts.create({ name: 'OP', password: await hashPassword('secret', 16), operator: true });
    const a = await open('dee');
    await a.command('NEW AWAY');
    a.send(AWAY);
    a.line('RUN');
    await a.expect('FIRST\r\n');
    a.close();
    await until(() => h.fe.jobs.live.get(1)?.detached === true, 'the job to be detached');
    await until(() => h.fe.jobs.live.get(1)?.state === 'waiting for input', 'the job to type WHILE AWAY and wait');
    await until(async () => (await h.store.hotel.takeWorkspace('NOBODY')) === null && h.store.db.prepare('SELECT 1 FROM workspaces').get() !== undefined, 'the workspace kept');

    const other = await open('eve');
    expect(await other.command('ATTACH 1')).toContain('NO DETACHED JOB 1 OF YOURS.');
    expect(await other.command('KILL 1')).toContain('NO JOB 1 OF YOURS.');

    const b = await open('dee', false);
    expect(b.out).toMatch(/YOUR WORKSPACE AWAY \(5 LINES\) WAS KEPT FROM .*; IT IS BACK/);
    expect(b.out).toMatch(/YOU HAVE DETACHED JOBS:[\s\S]*1\s+AWAY/);
    expect(await b.command('LIST')).toContain('10 PRINT FIRST\r\n20 WAIT 300\r\n');
    // BYE says the detached job goes on
    b.line('BYE');
    expect(await b.expect('GOODBYE')).toMatch(/DETACHED JOB 1 AWAY GOES ON WITHOUT YOU/);
    expect(h.fe.jobs.live.get(1)?.detached).toBe(true);

    const op = await open('op', false);
    expect(await op.command('KILL 1')).toContain('JOB 1 KILLED.');
    await until(async () => (await h.store.programs.get('DEE', 'AWAY.OUT')) !== null, 'AWAY.OUT');
    const out = (await h.store.programs.get('DEE', 'AWAY.OUT'))!.text;
    expect(out).toContain('WHILE AWAY');
    expect(out).toContain('KILLED');
  });

  it('a detached job that ends waits, DONE, with its output; ATTACH types it and the ending', async () => {
    await start();
    const a = await open('fred');
    await a.command('NEW SHORT');
    a.send('10 PRINT ONE\r20 WAIT 200\r30 PRINT TWO\r');
    a.line('RUN');
    await a.expect('ONE\r\n');
    a.send('\x04');
    await a.expect(/READY\.\r\n/);
    await until(() => h.fe.hotel.done.has(1), 'the job to end');
    expect(await a.command('JOBS')).toMatch(/1\s+SHORT\s+DETACHED\s+DONE/);
    const b = await open('fred', false);
    expect(b.out).toMatch(/1\s+SHORT\s+DONE/);
    const att = await b.command('ATTACH 1');
    expect(att).toContain('JOB 1 SHORT ATTACHED. IT HAS ENDED.\r\nTWO\r\n');
    expect(await b.command('JOBS')).toContain('NO JOBS.');
    await until(async () => (await h.store.hotel.list('local')).length === 0, 'the row to go');
  });

  it('a job detached longer than --detached-hours is ended and its output saved as NAME.OUT', async () => {
    await start({ detachedHours: 0.0001 }); // 0.36 seconds
    const a = await open('gil');
    await a.command('NEW FOREVER');
    a.send('10 PRINT STILL HERE\r20 LOOP\r');
    a.line('RUN');
    await a.expect('STILL HERE\r\n');
    a.send('\x04');
    await a.expect(/READY\.\r\n/);
    await until(async () => (await h.store.programs.get('GIL', 'FOREVER.OUT')) !== null, 'FOREVER.OUT');
    const out = (await h.store.programs.get('GIL', 'FOREVER.OUT'))!.text;
    expect(out).toMatch(/ENDED .*: KILLED/);
    expect(h.fe.jobs.live.size).toBe(0);
    expect(h.fe.hotel.done.size).toBe(0);
  });
});
