// `npm run admin -- user add NAME [--operator] [--budget DOLLARS] [--data DIR]`: account administration.
// The password is read from stdin (never from the command line, where `ps` and shell history would
// show it); at a terminal it is prompted for twice without echo.
import { parseArgs } from 'node:util';
import { userName } from './frontend/names.ts';
import { DEFAULT_SCRYPT_N, hashPassword, isPowerOfTwo } from './frontend/password.ts';
import { stamp } from './frontend/format.ts';
import { formatDollars, parseDollars } from './accounting/money.ts';
import { openStore, storeSpec } from './store/open.ts';

const USAGE = `usage:
  npm run admin -- user add NAME [--operator] [--budget DOLLARS] [--data DIR]   password from stdin
  npm run admin -- user password NAME [--data DIR]                            new password from stdin
  npm run admin -- user budget NAME DOLLARS|none [--data DIR]
  npm run admin -- user limits NAME [--jobs N|default] [--core WORDS|default] [--storage WORDS|default] [--data DIR]
  npm run admin -- user list [--data DIR]
--store postgres://... (or $TIMESHARE_STORE) works on a PostgreSQL store instead of --data's SQLite.`;

class UsageError extends Error {}

/** Dollars typed on the command line, exactly, or a usage error that says what was wrong. */
function dollars(s: string): number {
  const micros = parseDollars(s);
  if (micros === undefined) throw new UsageError(`not an amount of dollars: "${s}" (e.g. 25 or 12.50)`);
  return micros;
}

/** Reads a line without echo from a TTY, or the first line of piped stdin. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let data = '';
    for await (const chunk of stdin) data += chunk;
    return data.split(/\r?\n/)[0];
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let pw = '';
    const onData = (s: string) => {
      for (const c of s) {
        if (c === '\r' || c === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(pw);
        }
        if (c === '\x03') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          return reject(new UsageError('cancelled'));
        }
        if (c === '\x7f' || c === '\b') pw = pw.slice(0, -1);
        else if (c >= ' ') pw += c;
      }
    };
    stdin.on('data', onData);
  });
}

async function newPassword(): Promise<string> {
  const pw = await readPassword('password: ');
  if (process.stdin.isTTY && (await readPassword('again: ')) !== pw) throw new UsageError('the passwords differ');
  if (pw.length < 4 || pw.length > 64) throw new UsageError('a password has 4 to 64 characters');
  return pw;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', default: './data' },
      store: { type: 'string' },
      operator: { type: 'boolean', default: false },
      budget: { type: 'string' },
      'scrypt-n': { type: 'string' },
      jobs: { type: 'string' },
      core: { type: 'string' },
      storage: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [group, verb, rawName, amount] = positionals;
  if (group !== 'user' || !verb) throw new UsageError('');
  const scryptN = values['scrypt-n'] ? Number(values['scrypt-n']) : DEFAULT_SCRYPT_N;
  if (!isPowerOfTwo(scryptN)) throw new UsageError('--scrypt-n must be a power of two');
  const store = await openStore(storeSpec(values.store, values.data!));
  try {
    if (verb === 'list') {
      const list = await store.accounts.list();
      if (!list.length) console.log('no accounts');
      for (const a of list) {
        console.log(`${a.name.padEnd(12)}  ${a.operator ? 'operator' : 'user    '}  budget ${a.budget === null ? 'unlimited' : formatDollars(a.budget)}  last login ${a.lastLogin ? stamp(a.lastLogin) : 'never'}`);
      }
      return;
    }
    const u = userName(rawName ?? '');
    if ('error' in u) throw new UsageError(rawName ? u.error.toLowerCase() : 'a user name is needed');
    const name = u.name;
    if (verb === 'add') {
      const budget = values.budget === undefined ? null : dollars(values.budget);
      if (await store.accounts.get(name)) throw new UsageError(`user ${name} already exists`);
      const hash = await hashPassword(await newPassword(), scryptN);
      if (!(await store.accounts.create({ name, password: hash, operator: values.operator, budget }))) throw new UsageError(`user ${name} already exists`);
      console.log(`user ${name} added${values.operator ? ' (operator)' : ''}, budget ${budget === null ? 'unlimited' : formatDollars(budget)}`);
    } else if (verb === 'password') {
      if (!(await store.accounts.get(name))) throw new UsageError(`no user ${name}`);
      await store.accounts.setPassword(name, await hashPassword(await newPassword(), scryptN));
      console.log(`password of ${name} changed`);
    } else if (verb === 'limits') {
      const set: { jobs?: number | null; core?: number | null; storage?: number | null } = {};
      for (const k of ['jobs', 'core', 'storage'] as const) {
        const v = values[k];
        if (v === undefined) continue;
        if (v !== 'default' && !/^[1-9]\d{0,8}$/.test(v)) throw new UsageError(`--${k} must be a whole number > 0 or default, not "${v}"`);
        set[k] = v === 'default' ? null : Number(v);
      }
      if (!(await store.accounts.setLimits(name, set))) throw new UsageError(`no user ${name}`);
      const l = (await store.accounts.get(name))!.limits;
      const show = (v: number | null) => (v === null ? 'default' : String(v));
      console.log(`limits of ${name}: jobs ${show(l.jobs)}, core ${show(l.core)} words, storage ${show(l.storage)} words`);
    } else if (verb === 'budget') {
      if (amount === undefined) throw new UsageError('budget needs an amount in dollars, or none');
      const budget = amount === 'none' ? null : dollars(amount);
      if (!(await store.accounts.setBudget(name, budget))) throw new UsageError(`no user ${name}`);
      console.log(`budget of ${name}: ${budget === null ? 'unlimited' : formatDollars(budget)}`);
    } else {
      throw new UsageError(`unknown command: user ${verb}`);
    }
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err instanceof UsageError ? `${err.message ? err.message + '\n' : ''}${USAGE}` : `admin: ${err.message}`);
  process.exit(2);
});
