// Several real servers (each its own process and mainframe) on one real PostgreSQL database: a user
// finds the same account, programs and bill on any host, and the operator tools see every host.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from '../e2e/pool.ts';
import { ROOT, type ServerProcess } from '../e2e/spawn.ts';
import { freshDatabase } from '../helpers/pg-db.ts';

const pool = new Pool();
afterAll(() => pool.cleanup());

function host(store: string, name: string, extra: string[] = [], paced = false): Promise<ServerProcess> {
  return pool.server(['--store', store, '--system-name', name, ...extra], undefined, { paced });
}
const user = (url: string, name: string, pw = 'secret', register = true) => pool.user(url, name, pw, register);
function cli(script: 'bills' | 'admin', args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `server/${script}.ts`, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('two hosts on one PostgreSQL store', () => {
  it('a user registered on one host logs in on the other and finds the same programs; bills sum both hosts', async () => {
    const store = await freshDatabase('cluster');
    const [a, b] = await Promise.all([host(store, 'alpha'), host(store, 'BETA')]);
    const ta = await user(a.url, 'ann', 'pass1234');
    await ta.command('NEW HELLO');
    ta.line('10 PRINT "HELLO FROM "; 6*7');
    ta.line('20 END');
    expect(await ta.command('SAVE')).toContain('HELLO SAVED.');
    expect(await ta.command('RUN')).toContain('HELLO FROM  42');

    const tb = await user(b.url, 'ann', 'pass1234', false);
    expect(tb.out).toMatch(/LAST LOGIN/);
    expect(await tb.command('CATALOG')).toContain('HELLO');
    expect(await tb.command('OLD HELLO')).toContain('HELLO LOADED.');
    expect(await tb.command('RUN')).toContain('HELLO FROM  42');
    // the other host's charges reach the shared ledger with its next flush (every 200 ms); its
    // job's line may come first (a clean-clone run under load once printed ALPHA's job before
    // ALPHA's charges), so the bill is read again until both hosts' usage is in it
    let bill = '';
    await expect.poll(async () => (bill = await tb.command('BILL')), { timeout: 15_000, interval: 500 }).toMatch(/^ +\d+ HELLO +ALPHA [\s\S]*USAGE BY HOST|USAGE BY HOST[\s\S]*^ +\d+ HELLO +ALPHA /m);
    expect(bill).toContain('STATEMENT FOR ANN');
    expect(bill).toMatch(/CPU TIME/);
    // the job lines say where each ran; each host's share adds up to the total
    expect(bill).toMatch(/^ +\d+ HELLO +ALPHA /m);
    expect(bill).toMatch(/^ +\d+ HELLO +BETA /m);
    expect(bill).toContain('USAGE BY HOST');

    const list = cli('admin', ['user', 'list', '--store', store]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^ANN\s/m);
    ta.line('BYE');
    tb.line('BYE');
    await Promise.all([ta.closedWith(), tb.closedWith()]);
    // both hosts' charges, from the one ledger
    const json = cli('bills', ['--store', store, '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const run = JSON.parse(json.stdout) as { users: { user: string; total: number; lines: { host: string; kind: string; amount: number }[] }[] };
    expect(run.users.map((u) => u.user)).toEqual(['ANN']);
    expect(run.users[0]!.lines.filter((l) => l.kind === 'cpu').map((l) => l.host)).toEqual(['ALPHA', 'BETA']);
    expect(run.users[0]!.total).toBe(run.users[0]!.lines.reduce((t, l) => t + l.amount, 0));
    expect(run.users[0]!.lines.filter((l) => l.kind === 'connect').length).toBeGreaterThan(0);
  }, 120_000);
});

describe('operators and SYSTAT across hosts', () => {
  it('SYSTAT shows the other host\'s lines and jobs; BROADCAST and HANGUP reach its lines; a system name in use is refused', async () => {
    const store = await freshDatabase('ops');
    const added = cli('admin', ['user', 'add', 'oper', '--operator', '--store', store, '--scrypt-n', '16'], 'operpass\n');
    expect(added.status, added.stderr).toBe(0);
    const priv = ['--systat', 'private'];
    const [a, b] = await Promise.all([host(store, 'ALPHA', priv), host(store, 'BETA', priv)]);
    const op = await user(a.url, 'oper', 'operpass', false);
    const bob = await user(b.url, 'bob');
    const carl = await user(b.url, 'carl');
    bob.line('10 GOTO 10');
    bob.line('20 END');
    bob.line('RUN');
    // the other host's heartbeat comes every 2 s: ask until it shows BOB's job
    let systat = '';
    await expect.poll(async () => (systat = await op.command('SYSTAT')), { timeout: 15_000, interval: 500 }).toMatch(/RUNNING|RUNNABLE|RUN/);
    expect(systat).toContain('THIS IS HOST ALPHA. 1 OTHER HOST SHARE');
    expect(systat).toMatch(/HOST BETA\s+ws:\/\/127\.0\.0\.1:\d+\s+UP/);
    expect(systat).toMatch(/\d+\s+BOB\s+\S+\s+RUN/);
    expect(systat).toMatch(/\d+\s+CARL\s+\S+\s+IDLE/);
    // a user sees other users on other hosts as *, as on their own host (SYSTAT is private)
    let carlView = '';
    // (ALPHA's heartbeat with OPER's line may be a beat behind)
    await expect.poll(async () => (carlView = await carl.command('SYSTAT')), { timeout: 15_000, interval: 500 })
      .toMatch(/HOST ALPHA[^\n]*\r\n[\s\S]*\n +\d+ +\* +\d+:\d\d:\d\d/);
    expect(carlView).toContain('THIS IS HOST BETA.');
    expect(carlView.slice(carlView.indexOf('HOST ALPHA'))).not.toContain('OPER');

    expect(await op.command('BROADCAST SYSTEM GOING DOWN AT 5')).toContain('SENT TO 0 LINES HERE AND TO HOST BETA.');
    await carl.expect('*** FROM OPERATOR OPER ON ALPHA: SYSTEM GOING DOWN AT 5');
    await bob.expect('*** FROM OPERATOR OPER ON ALPHA: SYSTEM GOING DOWN AT 5');

    const carlLine = Number(/LINE (\d+)/.exec(carl.out)![1]);
    expect(await op.command('HANGUP GAMMA 1')).toContain('NO HOST GAMMA');
    expect(await op.command(`HANGUP beta ${carlLine}`)).toContain(`HANGUP OF LINE ${carlLine} SENT TO BETA.`);
    await carl.expect(`*** LINE HUNG UP BY OPERATOR OPER ON ALPHA.`);
    await carl.closedWith();
    expect(bob.closed).toBeNull();

    // a third server under a name in use is refused before it listens
    const dup = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--store', store, '--system-name', 'beta'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain('the system name BETA is in use by a running host');
  }, 120_000);
});

describe('budgets across hosts', () => {
  it('a user running jobs on two hosts at once is stopped near the budget, not at twice it', async () => {
    const store = await freshDatabase('budget');
    const added = cli('admin', ['user', 'add', 'dora', '--budget', '0.50', '--store', store, '--scrypt-n', '16'], 'dorapass\n');
    expect(added.status, added.stderr).toBe(0);
    // at the rated clock (1 CPU second a second per job), so that checkpoints come every CPU second
    const [a, b] = await Promise.all([host(store, 'ALPHA', [], true), host(store, 'BETA', [], true)]);
    const ta = await user(a.url, 'dora', 'dorapass', false);
    const tb = await user(b.url, 'dora', 'dorapass', false);
    for (const t of [ta, tb]) {
      t.line('10 GOTO 10');
      t.line('20 END');
      t.line('RUN');
    }
    await Promise.all([ta.expect('BUDGET EXHAUSTED', 30_000), tb.expect('BUDGET EXHAUSTED', 30_000)]);
    await Promise.all([ta.expect(/READY\.\r\n/), tb.expect(/READY\.\r\n/)]);
    ta.line('BYE');
    tb.line('BYE');
    await Promise.all([ta.closedWith(), tb.closedWith()]);
    const json = cli('bills', ['--store', store, '--format', 'json', '--user', 'dora']);
    const run = JSON.parse(json.stdout) as { users: { total: number; lines: { kind: string; amount: number }[] }[] };
    const jobs = run.users[0]!.lines.filter((l) => l.kind === 'cpu' || l.kind === 'core').reduce((s, l) => s + l.amount, 0);
    // Each host holds a lease on a share of the budget and its mainframe stops the job at it, to the
    // cycle; the leases together never pass the budget (without them the two hosts would charge
    // $1.00, and with the checkpoint re-reading of the ledger alone $0.598 was measured). A job may
    // stop while the other host still holds a little of the budget: both stop near it, under it.
    console.log(`two paced hosts, $0.50 budget: CPU and core charged ${jobs} micro-dollars`);
    expect(jobs).toBeGreaterThan(450_000);
    expect(jobs, `charged ${jobs} micro-dollars`).toBeLessThanOrEqual(500_000 + 100);
  }, 120_000);

  it('flat out (--unthrottled) on two hosts at once, CPU and core stop at the budget: each host holds a share of it, never all', async () => {
    const store = await freshDatabase('budgetflat');
    const added = cli('admin', ['user', 'add', 'eve', '--budget', '0.50', '--store', store, '--scrypt-n', '16'], 'evepass1\n');
    expect(added.status, added.stderr).toBe(0);
    // flat out a job runs tens of CPU seconds a wall second: $0.50 is 15 CPU seconds, the whole
    // budget in well under a second; before leases each host let its job use all of it
    const [a, b] = await Promise.all([host(store, 'ALPHA'), host(store, 'BETA')]);
    const ta = await user(a.url, 'eve', 'evepass1', false);
    const tb = await user(b.url, 'eve', 'evepass1', false);
    for (const t of [ta, tb]) {
      t.line('10 GOTO 10');
      t.line('20 END');
    }
    ta.line('RUN');
    tb.line('RUN');
    await Promise.all([ta.expect('BUDGET EXHAUSTED', 30_000), tb.expect('BUDGET EXHAUSTED', 30_000)]);
    await Promise.all([ta.expect(/READY\.\r\n/), tb.expect(/READY\.\r\n/)]);
    ta.line('BYE');
    tb.line('BYE');
    await Promise.all([ta.closedWith(), tb.closedWith()]);
    const json = cli('bills', ['--store', store, '--format', 'json', '--user', 'eve']);
    const run = JSON.parse(json.stdout) as { users: { total: number; lines: { kind: string; amount: number; host: string }[] }[] };
    const lines = run.users[0]!.lines.filter((l) => l.kind === 'cpu' || l.kind === 'core');
    const jobs = lines.reduce((s, l) => s + l.amount, 0);
    // the bound (README): CPU and core together never pass the budget (rounding: under a
    // micro-dollar per ledger entry); both hosts' jobs ran on their shares
    console.log(`two hosts flat out, $0.50 budget: CPU and core charged ${jobs} micro-dollars`);
    expect(jobs, `charged ${jobs} micro-dollars`).toBeLessThanOrEqual(500_000 + 100);
    // Flat out a job uses a host's share of the budget faster than the database answers a renewal
    // (the share is renewed when half of it is used); a job that runs out waits for the answer and
    // stops only when the database has nothing more to give: the whole budget is usable. (Before
    // the wait, it stopped at $0.383 every time.)
    expect(jobs, `charged ${jobs} micro-dollars`).toBeGreaterThanOrEqual(475_000);
    expect(new Set(lines.filter((l) => l.kind === 'cpu').map((l) => l.host))).toEqual(new Set(['ALPHA', 'BETA']));
  }, 120_000);
});
