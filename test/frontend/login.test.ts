// The login dialog on its own: no socket, no Session; a fake line records what is typed and
// echoed, a small in-memory account table stands for the store. What a user sees at USER NAME--
// and PASSWORD--, and what the dialog hands the session.
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { LoginDialog, MAX_LOGIN_FAILURES, type LoginLine } from '../../server/frontend/login.ts';
import { dummyHash, HashGate, hashPassword } from '../../server/frontend/password.ts';
import { LoginThrottle, RegistrationLimiter } from '../../server/frontend/throttle.ts';
import type { System } from '../../server/frontend/system.ts';
import type { Account } from '../../server/store/store.ts';
import { until } from '../helpers/until.ts';

const dialogs: LoginDialog[] = [];
afterEach(() => {
  for (const d of dialogs.splice(0)) d.stop();
});

async function rig(accounts: Account[] = [], register = true) {
  const table = new Map(accounts.map((a) => [a.name, a]));
  const sys = {
    config: { register, scryptN: 16, loginTimeoutMs: 60_000, loginSilenceMs: 60_000 },
    readOnly: null,
    stopping: false,
    store: {
      accounts: {
        get: async (name: string) => table.get(name) ?? null,
        create: async (a: { name: string; password: string }) => {
          if (table.has(a.name)) return false;
          table.set(a.name, { name: a.name, password: a.password, operator: false, lastLogin: null } as Account);
          return true;
        },
        recordLogin: async (name: string) => table.get(name)?.lastLogin ?? null,
      },
    },
    throttle: new LoginThrottle({ failDelayMs: 0 }),
    registrations: new RegistrationLimiter(10, 100, []),
    hashGate: new HashGate(),
    dummyHash: () => dummyHash(16),
  } as unknown as System;
  const line = {
    out: '',
    echo: true,
    closed: false,
    hungUp: null as string | null,
    steps: 0,
    admitted: null as Account | null,
  };
  const view: LoginLine = {
    address: '127.0.0.9',
    log: pino({ level: 'silent' }),
    get closed() { return line.closed; },
    get loggingIn() { return !line.closed && line.admitted === null; },
    get echo() { return line.echo; },
    set echo(on: boolean) { line.echo = on; },
    print: (t) => void (line.out += t),
    println: (...l) => void (line.out += l.map((x) => x + '\r\n').join('')),
    hangup: (message) => {
      line.out += message + '\r\n';
      line.hungUp = message;
      line.closed = true;
    },
    stepDone: () => void line.steps++,
    loggedIn: async (account) => void (line.admitted = account),
  };
  const dialog = new LoginDialog(sys, view);
  dialogs.push(dialog);
  dialog.start();
  /** Types a line and waits until the dialog has decided it. */
  const type = async (text: string) => {
    const before = line.steps;
    dialog.handle({ kind: 'line', text });
    await until(() => line.steps > before, `the step for ${JSON.stringify(text)}`);
  };
  return { line, type, table };
}

describe('the login dialog without a socket', () => {
  it('a new user chooses a password, types it again and is handed to the session; passwords are not echoed', async () => {
    const { line, type, table } = await rig();
    expect(line.out).toBe('USER NAME--');
    await type('newbie');
    expect(line.out).toContain('NEW USER NEWBIE. CHOOSE A PASSWORD (4 TO 64 CHARACTERS).\r\nPASSWORD--');
    expect(line.echo).toBe(false);
    await type('pw');
    expect(line.out).toContain('A PASSWORD HAS 4 TO 64 CHARACTERS. CHOOSE ANOTHER.');
    await type('pass1234');
    expect(line.out).toContain('TYPE IT AGAIN.');
    expect(line.echo).toBe(false);
    await type('pass1234');
    expect(line.out).toContain('ACCOUNT NEWBIE CREATED.');
    expect(line.echo).toBe(true);
    expect(line.admitted?.name).toBe('NEWBIE');
    expect(table.get('NEWBIE')?.password).not.toBe('pass1234'); // a hash, never the password
  });

  it(`a wrong password is refused; ${MAX_LOGIN_FAILURES} failures hang up`, async () => {
    const { line, type } = await rig([{ name: 'ALICE', password: await hashPassword('right', 16), operator: false } as Account], false);
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) {
      await type('alice');
      await type('wrong');
    }
    expect(line.out.match(/INCORRECT USER NAME OR PASSWORD\./g)).toHaveLength(MAX_LOGIN_FAILURES);
    expect(line.hungUp).toBe('TOO MANY FAILURES. GOODBYE.');
    expect(line.admitted).toBe(null);
  });

  it('the right password logs in; an unknown name without registration is refused like a wrong password', async () => {
    const { line, type } = await rig([{ name: 'BOB', password: await hashPassword('s3cret', 16), operator: true } as Account], false);
    await type('nobody');
    await type('s3cret');
    expect(line.out).toContain('INCORRECT USER NAME OR PASSWORD.');
    await type('bob');
    await type('s3cret');
    expect(line.admitted).toMatchObject({ name: 'BOB', operator: true });
    expect(line.hungUp).toBe(null);
  });
});
