// The whole dialog over a real ws connection: banner, registration, login, editing, saving.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, Term } from './client.ts';
import { startFrontEnd, type Harness } from './harness.ts';

let h: Harness;
const terms: Term[] = [];
const open = async (name: string, pw = 'secret', reg = true) => {
  const t = await login(h.url, name, pw, reg);
  terms.push(t);
  return t;
};

beforeEach(async () => {
  h = await startFrontEnd();
});
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h.stop();
});

describe('login', () => {
  it('types a banner with the line number, registers a new user and logs in again later', async () => {
    const t = await Term.open(h.url);
    terms.push(t);
    const banner = await t.expect('USER NAME--');
    expect(banner).toMatch(/TIMESHARE\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+LINE 1\r\n/);
    t.line('alice');
    await t.expect('NEW USER ALICE');
    await t.expect('PASSWORD--');
    t.line('hunter22');
    await t.expect('TYPE IT AGAIN.');
    await t.expect('PASSWORD--');
    t.line('hunter22');
    const after = await t.expect(/READY\.\r\n/);
    expect(after).toContain('ACCOUNT ALICE CREATED.');
    expect(after).toContain('FIRST LOGIN');
    expect(t.out).not.toContain('hunter22'); // the password is never echoed
    t.line('bye');
    await t.expect('GOODBYE');
    expect(await t.closedWith()).toBe(1000);

    const t2 = await open('ALICE', 'hunter22', false);
    expect(t2.out).toMatch(/LAST LOGIN \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./);
  });

  it('reads a pasted user name and password in one frame without echoing the password', async () => {
    await open('bob', 'pw1234');
    (terms.pop() as Term).close();
    const t = await Term.open(h.url);
    terms.push(t);
    t.send('bob\rpw1234\rHELP\r');
    await t.expect(/READY\.\r\n/);
    await t.expect('COMMANDS');
    expect(t.out).not.toContain('pw1234');
  });

  it('refuses mismatched passwords and hangs up after three failures', async () => {
    await open('carol', 'right1');
    const t = await Term.open(h.url);
    terms.push(t);
    for (let i = 0; i < 3; i++) {
      await t.expect('USER NAME--');
      t.line('carol');
      await t.expect('PASSWORD--');
      t.line('wrong' + i);
      await t.expect('INCORRECT USER NAME OR PASSWORD.');
    }
    await t.expect('TOO MANY FAILURES');
    expect(await t.closedWith()).toBe(1000);
    expect(h.fe.throttle.failures('CAROL')).toBe(3); // 127.0.0.1 is trusted in tests: the account keeps the count
  });

  it('refuses a registration whose two passwords differ, and a too-short password', async () => {
    const t = await Term.open(h.url);
    terms.push(t);
    await t.expect('USER NAME--');
    t.line('dave');
    await t.expect('PASSWORD--');
    t.line('abc');
    await t.expect('A PASSWORD HAS 4 TO 64 CHARACTERS');
    await t.expect('PASSWORD--');
    t.line('abcd');
    await t.expect('PASSWORD--');
    t.line('abce');
    await t.expect('THE PASSWORDS DO NOT MATCH.');
    await t.expect('USER NAME--');
    expect(await h.store.accounts.get('DAVE')).toBeNull();
  });

  it('with --no-register an unknown name is treated like a wrong password', async () => {
    await h.stop();
    h = await startFrontEnd({ register: false });
    const t = await Term.open(h.url);
    terms.push(t);
    await t.expect('USER NAME--');
    t.line('eve');
    await t.expect('PASSWORD--');
    t.line('guess');
    await t.expect('INCORRECT USER NAME OR PASSWORD.');
    expect(t.out).not.toContain('NEW USER');
  });

  it('uses --banner instead of the default banner', async () => {
    await h.stop();
    h = await startFrontEnd({ banner: 'WELCOME TO THE COMPUTER CENTER' });
    const t = await Term.open(h.url);
    terms.push(t);
    expect(await t.expect('USER NAME--')).toMatch(/^WELCOME TO THE COMPUTER CENTER\r\n/);
  });
});

describe('commands', () => {
  it('HELP lists every command; unknown words get a plain answer', async () => {
    const t = await open('frank');
    const help = await t.command('help');
    for (const k of ['NEW', 'OLD', 'SAVE', 'REPLACE', 'UNSAVE', 'RENAME', 'LIST', 'RUN', 'SCRATCH', 'CATALOG', 'SYSTAT', 'HELP', 'BYE', 'SUBMIT', 'JOBS', 'KILL', 'LIBRARY']) {
      expect(help).toMatch(new RegExp(`^  ${k}\\b`, 'm'));
    }
    expect(help).not.toContain('BROADCAST'); // operators only
    expect(await t.command('frobnicate')).toContain('WHAT? FROBNICATE IS NOT A COMMAND');
  });

  it('enters, replaces and deletes numbered lines; LIST ranges', async () => {
    const t = await open('gina');
    await t.command('new prog');
    t.send('20 PRINT B\r10 PRINT A\r30 PRINT C\r20 PRINT BB\r40 END\r30\r');
    await t.expect('30\r\n'); // the echo of the last typed line
    const all = await t.command('LIST');
    expect(all).toContain('10 PRINT A\r\n20 PRINT BB\r\n40 END\r\n');
    expect(all).not.toContain('PRINT C');
    const some = await t.command('list 15-20');
    expect(some).toContain('20 PRINT BB');
    expect(some).not.toContain('10 PRINT A');
    expect(some).not.toContain('40 END');
    expect(await t.command('LIST 40')).toMatch(/40 END\r\n/);
    expect(await t.command('LIST 20-')).toMatch(/20 PRINT BB\r\n40 END/);
    expect(await t.command('LIST -10')).not.toContain('20 PRINT');
    expect(await t.command('LIST X')).toContain('LIST 10-50');
    await t.command('SCRATCH');
    expect(await t.command('LIST')).not.toContain('PRINT');
  });

  it('SAVE refuses a duplicate, REPLACE overwrites, OLD loads across reconnects, UNSAVE and CATALOG', async () => {
    let t = await open('hal');
    await t.command('NEW HELLO');
    t.line('10 PRINT "ONE"');
    expect(await t.command('SAVE')).toContain('HELLO SAVED.');
    t.line('10 PRINT "TWO"');
    expect(await t.command('save')).toContain('DUPLICATE NAME');
    expect(await t.command('REPLACE')).toContain('HELLO REPLACED.');
    t.line('BYE');
    await t.closedWith();

    t = await open('hal', 'secret', false);
    expect(await t.command('OLD hello')).toContain('HELLO LOADED.');
    expect(await t.command('LIST')).toContain('10 PRINT "TWO"');
    expect(await t.command('CATALOG')).toMatch(/HELLO\s+BASIC\s+\d+/);
    expect(await t.command('RENAME HELLO2.S')).toContain('HELLO2.S (ASSEMBLY)');
    await t.command('SAVE');
    expect(await t.command('UNSAVE HELLO')).toContain('HELLO UNSAVED.');
    expect(await t.command('OLD HELLO')).toContain('NO SAVED PROGRAM HELLO');
    const cat = await t.command('CAT');
    expect(cat).toMatch(/HELLO2\.S\s+ASM/);
  });

  it('validates program names and refuses to save without one', async () => {
    const t = await open('ivy');
    expect(await t.command('NEW 9LIVES')).toContain('BAD NAME 9LIVES');
    expect(await t.command('NEW A/B')).toContain('BAD NAME');
    expect(await t.command('NEW ABCDEFGHIJKLMNOPQ')).toContain('BAD NAME');
    expect(await t.command('NEW')).toContain('NEW NEEDS A PROGRAM NAME');
    t.line('10 PRINT 1');
    expect(await t.command('SAVE')).toContain('NO PROGRAM NAME');
  });

  it('one user cannot reach another user\'s programs', async () => {
    const a = await open('jack');
    await a.command('NEW SECRET');
    a.line('10 PRINT "MINE"');
    await a.command('SAVE');
    const b = await open('jill');
    expect(await b.command('OLD SECRET')).toContain('NO SAVED PROGRAM SECRET');
    expect(await b.command('UNSAVE SECRET')).toContain('NO SAVED PROGRAM SECRET');
    expect(await b.command('SUBMIT SECRET')).toContain('NO SAVED PROGRAM SECRET');
    expect(await b.command('CATALOG')).toContain('NO SAVED PROGRAMS.');
    expect(await h.store.programs.get('JACK', 'SECRET')).not.toBeNull();
  });

  it('the log records logins but never a password', async () => {
    const t = await open('kim', 'sw0rdfish');
    await t.command('HELP');
    t.line('BYE');
    await t.closedWith();
    const logs = h.logs.join('');
    expect(logs).toContain('"msg":"login"');
    expect(logs).toContain('"msg":"logout"');
    expect(logs).not.toContain('sw0rdfish');
  });
});
