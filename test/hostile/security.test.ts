// Security through the real server: one user cannot reach another's programs, jobs or bills; operator
// commands need the operator flag; passwords never reach the logs; the server listens on loopback
// unless told otherwise, and then warns.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/spawn.ts';
import { Pool, typeProgram, type ServerProcess } from './server.ts';
import { until } from '../helpers/until.ts';

const pool = new Pool();
let srv: ServerProcess;
const PW = { alice: 'al1ce-Pa55', bob: 'b0b-Secret', boss: 'B0ss-Word!', wrong: 'not-her-Pa55' };

beforeAll(async () => {
  srv = await pool.server(['--log-level', 'trace']);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/admin.ts', 'user', 'add', 'boss', '--operator', '--data', srv.dir, '--scrypt-n', '16'],
    { cwd: ROOT, input: `${PW.boss}\n`, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => pool.cleanup());

describe('isolation between users', () => {
  it("no command reads, changes or deletes another user's programs", async () => {
    const alice = await pool.user(srv.url, 'alice', PW.alice);
    const bob = await pool.user(srv.url, 'bob', PW.bob);
    await typeProgram(alice, 'SECRET', ['10 PRINT "ALICE ONLY"', '20 END']);
    expect(await alice.command('SAVE')).toContain('SECRET SAVED.');

    expect(await bob.command('OLD SECRET')).toContain('NO SAVED PROGRAM SECRET.');
    expect(await bob.command('UNSAVE SECRET')).toContain('NO SAVED PROGRAM SECRET.');
    expect(await bob.command('CATALOG')).toContain('NO SAVED PROGRAMS.');
    expect(await bob.command('SUBMIT SECRET')).toContain('NO SAVED PROGRAM SECRET.');
    for (const trick of ['ALICE/SECRET', '../ALICE/SECRET', 'ALICE:SECRET', "SECRET' OR '1'='1", 'SECRET;DROP', '%', '*', 'SECRET%00']) {
      const out = await bob.command(`OLD ${trick}`);
      expect(out, trick).not.toContain('LOADED');
      expect(out, trick).not.toContain('ALICE ONLY');
    }
    // bob's own SECRET is his alone; REPLACE and UNSAVE touch only his
    await typeProgram(bob, 'SECRET', ['10 PRINT "BOB"', '20 END']);
    expect(await bob.command('SAVE')).toContain('SECRET SAVED.');
    expect(await bob.command('REPLACE')).toContain('SECRET REPLACED.');
    expect(await bob.command('UNSAVE SECRET')).toContain('SECRET UNSAVED.');

    expect(await alice.command('OLD SECRET')).toContain('SECRET LOADED.');
    expect(await alice.command('RUN')).toContain('ALICE ONLY\r\n');
  });

  it("no command sees or stops another user's jobs, or reads another user's bill", async () => {
    const alice = await pool.user(srv.url, 'alice', PW.alice, false);
    const bob = await pool.user(srv.url, 'bob', PW.bob, false);
    await typeProgram(alice, 'SPIN.S', ['start: LI r1, 0', 'SVC SLEEP', 'JMP start']);
    await alice.command('SAVE');
    const sub = await alice.command('SUBMIT SPIN.S');
    const job = Number(/JOB (\d+) SUBMITTED/.exec(sub)![1]);
    expect(await bob.command('JOBS')).toContain('NO JOBS.');
    expect(await bob.command(`KILL ${job}`)).toContain(`NO JOB ${job} OF YOURS.`);
    expect(await alice.command('JOBS')).toMatch(new RegExp(`${job}\\s+SPIN\\.S\\s+BACKGROUND`));
    expect(await alice.command(`KILL ${job}`)).toContain(`JOB ${job} KILLED.`);

    const bill = await bob.command('BILL');
    expect(bill).not.toMatch(/ALICE|SPIN|SECRET/);
    expect(await bob.command('BILL ALICE')).toContain('BILL WANTS A MONTH LIKE');
    expect(await bob.command('BUDGET ALICE 0')).toContain('WHAT? BUDGET IS NOT A COMMAND.');
  });
});

describe('operator commands', () => {
  it('need the operator flag: to anyone else they do not exist', async () => {
    const bob = await pool.user(srv.url, 'bob', PW.bob, false);
    const victim = await pool.user(srv.url, 'victim');
    expect(await bob.command('HELP')).not.toMatch(/BROADCAST|HANGUP|BUDGET/);
    for (const c of ['BROADCAST HELLO', 'HANGUP 1', 'BUDGET BOB 1000', 'broadcast x']) {
      expect(await bob.command(c)).toMatch(/WHAT\? \S+ IS NOT A COMMAND\./);
    }
    expect(victim.closed).toBe(null);
    const boss = await pool.user(srv.url, 'boss', PW.boss, false);
    expect(await boss.command('HELP')).toMatch(/BROADCAST/);
    expect(await boss.command('BROADCAST STAND BY')).toMatch(/SENT TO \d+ LINES?\./);
    await bob.expect('*** FROM OPERATOR BOSS: STAND BY');
  });
});

describe('logs', () => {
  it('never contain a password: registration, login, a failed login', async () => {
    const t = await pool.user(srv.url, 'logged', PW.alice + 'x');
    await t.command('NEW P');
    t.close();
    const bad = await pool.open(srv.url);
    await bad.expect('USER NAME--');
    bad.line('alice');
    await bad.expect('PASSWORD--');
    bad.line(PW.wrong);
    await bad.expect('INCORRECT USER NAME OR PASSWORD.');
    const good = await pool.user(srv.url, 'alice', PW.alice, false);
    await good.command('SYSTAT');
    // the log lines come through a pipe: wait for the last of the dialog's (the good login)
    const logs = await until(() => (/"msg":"login failed"/.test(srv.stdout()) && /"msg":"login"/.test(srv.stdout()) ? srv.stdout() : null), 'the login lines in the log');
    for (const pw of [...Object.values(PW), PW.alice + 'x']) expect(logs, pw).not.toContain(pw);
  });
});

describe('listening address', () => {
  it('is loopback by default; another address is used only when asked, with a warning in the log', async () => {
    expect(srv.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(srv.stdout()).not.toContain('listening beyond this machine');
    // another address that is still loopback, so the test never listens beyond this machine
    const wide = await pool.server(['--host', '127.0.0.2']);
    expect(wide.url).toMatch(/^ws:\/\/127\.0\.0\.2:\d+$/);
    const warn = wide.stdout().split('\n').find((l) => l.includes('listening beyond this machine'));
    expect(warn).toBeDefined();
    expect(JSON.parse(warn!).level).toBe(40);
  });
});
