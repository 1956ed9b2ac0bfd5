// Password guessing and account floods, through the real front end: guessers connect over real
// WebSockets from addresses of their own (127.0.0.2 and up; 127.0.0.1 is the tests' trusted
// classroom). Attempts are throttled before any hash is computed, per account and per address; a
// guesser who hangs up saves nothing; a real user still logs in at once; names that are not
// accounts never reach the log.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../server/frontend/throttle.ts';
import { HashGate } from '../../server/frontend/password.ts';
import { Term, login } from '../frontend/client.ts';
import { startFrontEnd, type Harness } from '../frontend/harness.ts';
import { until } from '../helpers/until.ts';

let h: Harness | null = null;
const terms: Term[] = [];
const raw: Socket[] = [];
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  for (const s of raw.splice(0)) s.destroy();
  await h?.stop();
  h = null;
});

/** A terminal dialled from `address` (a loopback address of its own). */
async function openFrom(url: string, address: string): Promise<Term> {
  const t = await Term.open(url, address);
  terms.push(t);
  return t;
}

const logEntries = (hh: Harness, msg: string) => hh.logs.map((s) => JSON.parse(s)).filter((e) => e.msg === msg);

describe('the login throttle (unit)', () => {
  it('counts attempts per account from any number of addresses: a burst of 2, then 8 a minute, refusing past 15 s of waiting', () => {
    const t = new LoginThrottle();
    const at = 1_000_000;
    const waits: (number | string)[] = [];
    for (let i = 0; i < 6; i++) {
      const v = t.attempt(`198.51.100.${i}`, 'VICTIM', true, at);
      waits.push(v.ok ? v.waitMs : `refused ${v.why}`);
    }
    expect(waits).toEqual([0, 0, 7500, 15000, 'refused account', 'refused account']);
    // a minute later: 8 more tokens pay the 2 reserved and refill the burst of 2, no more
    const later = [0, 1, 2].map((i) => t.attempt(`198.51.100.${i + 10}`, 'VICTIM', true, at + 60_000));
    expect(later.map((v) => (v.ok ? v.waitMs : 'refused'))).toEqual([0, 0, 7500]);
  });

  it('refusals are reported once a minute per account with the count since, not once each', () => {
    const t = new LoginThrottle();
    const at = 1_000_000;
    const reports: { refused: number }[] = [];
    // 2,000 attempts a second for a minute and a half (a guesser's redial loop)
    for (let ms = 0; ms < 90_000; ms += 0.5) {
      const v = t.attempt(`198.51.100.${ms % 200}`, 'VICTIM', true, at + ms);
      if (!v.ok && v.report) reports.push(v.report);
    }
    expect(reports.length).toBe(2); // the first refusal, then one a minute later
    expect(reports[0].refused).toBe(1);
    expect(reports[1].refused).toBeGreaterThan(100_000); // every refusal counted in between
  });

  it('a failure makes the next attempt from that address or on that account wait, doubling', () => {
    const t = new LoginThrottle({ failDelayMs: 100, accountPerMinute: 1000, addressPerMinute: 1000 });
    const wait = (addr: string, acct: string) => {
      const v = t.attempt(addr, acct, true, 5000);
      return v.ok ? v.waitMs : -1;
    };
    expect(wait('a', 'X')).toBe(0);
    t.failed('a', 'X', true, 5000);
    expect(wait('a', 'Y')).toBe(100); // same address, other account
    t.failed('a', 'Y', true, 5000);
    expect(wait('a', 'Z')).toBe(200);
    expect(wait('b', 'X')).toBe(100); // other address, same account
    expect(wait('c', 'W')).toBe(0);
    t.succeeded('X');
    expect(t.failures('X')).toBe(0);
  });

  it('eviction under a flood of addresses keeps every account record', () => {
    const t = new LoginThrottle({ maxEntries: 200 });
    t.failed('203.0.113.1', 'ALICE', true, 1000);
    t.failed('203.0.113.1', 'ALICE', true, 1000);
    for (let i = 0; i < 5000; i++) t.failed(`10.${i >> 8}.${i & 255}.1`, `NOBODY${i}`, false, 2000 + i);
    expect(t.failures('ALICE')).toBe(2);
    expect(t.size).toBeLessThanOrEqual(200);
  });

  it('the hash gate runs at most N at once and drops work whose line has gone', async () => {
    const g = new HashGate(2);
    let running = 0, peak = 0, ran = 0;
    const work = () => new Promise<number>((r) => {
      running++;
      ran++;
      peak = Math.max(peak, running);
      setTimeout(() => { running--; r(1); }, 20);
    });
    let alive = true;
    const results = await Promise.all([
      g.run(work), g.run(work), g.run(work, () => alive), g.run(work, () => alive), g.run(work),
      (async () => { alive = false; return 0; })(),
    ]);
    expect(peak).toBe(2);
    expect(ran).toBe(3);
    expect(results.slice(0, 5)).toEqual([1, 1, null, null, 1]);
  });
});

describe('guessing through the real front end', () => {
  it('16 guessers on one account from 16 addresses get the burst at once and then wait; hanging up saves nothing', async () => {
    h = await startFrontEnd({ register: false, loginsPerAccount: 60, failDelayMs: 0 });
    await h.store.accounts.create({ name: 'VICTIM', password: 'x' });
    // the victim's account gets a real hash so that a right guess could succeed
    const started = Date.now();
    const guessers = await Promise.all(Array.from({ length: 16 }, (_, i) => openFrom(h!.url, `127.0.0.${i + 2}`)));
    for (const g of guessers) {
      await g.expect('USER NAME--');
      g.line('victim');
    }
    for (const g of guessers) {
      await g.expect('PASSWORD--');
      g.line('guess');
    }
    // burst = 60/4 = 15 tokens at once; the 16th waits about a second (60 a minute)
    for (let i = 0; i < 15; i++) await guessers[i].expect('INCORRECT USER NAME OR PASSWORD.');
    await guessers[15].expect('INCORRECT USER NAME OR PASSWORD.', 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // now every attempt waits its turn (about 1 s each); callers who hang up while waiting cost no hash
    const before = logEntries(h, 'login failed').length;
    for (let i = 0; i < 8; i++) {
      guessers[i].line('victim');
      await guessers[i].expect('PASSWORD--');
      guessers[i].line('again');
    }
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 8; i++) guessers[i].close();
    await new Promise((r) => setTimeout(r, 1500));
    // at most the one whose token came due before the hang-ups was checked
    expect(logEntries(h, 'login failed').length - before).toBeLessThanOrEqual(1);
  });

  it('a real user logs in at once while 32 lines guess at other accounts', async () => {
    h = await startFrontEnd({ register: false, failDelayMs: 0, loginsPerAccount: 8 });
    await h.store.accounts.create({ name: 'TARGET', password: 'x' });
    const { hashPassword } = await import('../../server/frontend/password.ts');
    await h.store.accounts.create({ name: 'REALB', password: await hashPassword('goodpass', 16) });
    const guessers = await Promise.all(Array.from({ length: 32 }, (_, i) => openFrom(h!.url, `127.0.1.${i + 2}`)));
    let stop = false;
    const loops = guessers.map(async (g, i) => {
      while (!stop && !g.closed) {
        await g.expect('USER NAME--').catch(() => null);
        if (g.closed) return;
        g.line(`target`);
        await g.expect('PASSWORD--').catch(() => null);
        g.line(`guess${i}`);
        await g.expect(/INCORRECT|TOO MANY/).catch(() => null);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const t = await login(h.url, 'realb', 'goodpass', false);
    terms.push(t);
    const took = Date.now() - t0;
    stop = true;
    for (const g of guessers) g.close();
    await Promise.all(loops);
    expect(took).toBeLessThan(3000);
    // the account was tried at most its burst plus its rate over the run, however many lines guessed
    const tries = logEntries(h, 'login failed').length;
    expect(tries).toBeLessThanOrEqual(2 + 8);
    expect(logEntries(h, 'login attempt refused: too many').length).toBeGreaterThan(0);
  });

  it('a refused attempt is said after a pause and counts as a failure: three on one line hang it up', async () => {
    // 1 a minute (burst 2): past the burst, the next token is 60 s away, more than the 15 s an
    // attempt may wait, so it is refused
    h = await startFrontEnd({ register: false, failDelayMs: 100, loginsPerAccount: 1 });
    await h.store.accounts.create({ name: 'VICTIM', password: 'x' });
    for (const a of ['127.0.7.2', '127.0.7.3']) {
      const g = await openFrom(h.url, a);
      await g.expect('USER NAME--');
      g.line('victim');
      await g.expect('PASSWORD--');
      g.line('guess');
      await g.expect('INCORRECT USER NAME OR PASSWORD.');
    }
    const g = await openFrom(h.url, '127.0.7.4');
    const t0 = Date.now();
    const said: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await g.expect('USER NAME--');
      g.line('victim');
      await g.expect('PASSWORD--');
      g.line('guess');
      await g.expect('TOO MANY LOGIN ATTEMPTS FOR THIS NAME.');
      said.push(Date.now() - t0);
    }
    await g.expect('TOO MANY FAILURES. GOODBYE.');
    await until(() => g.closed, 'the line to be hung up');
    // the pauses a failure earns on the line: 100, 200 and 400 ms (at least; a busy host adds)
    expect(said[0]).toBeGreaterThanOrEqual(100);
    expect(said[1] - said[0]).toBeGreaterThanOrEqual(200);
    expect(said[2] - said[1]).toBeGreaterThanOrEqual(400);
    // the refusals reached no hash and are no verdicts on the account
    expect(logEntries(h, 'login failed').length).toBe(2);
  });

  it('a name that is no account is logged only as a hash (it may be a password typed at USER NAME--)', async () => {
    h = await startFrontEnd({ register: false, failDelayMs: 0 });
    const t = await Term.open(h.url);
    terms.push(t);
    await t.expect('USER NAME--');
    t.line('Hunter2Pass');
    await t.expect('PASSWORD--');
    t.line('whatever');
    await t.expect('INCORRECT USER NAME OR PASSWORD.');
    const all = h.logs.join('');
    expect(all).not.toMatch(/HUNTER2PASS/i);
    const e = logEntries(h, 'login failed')[0];
    expect(e.nameHash).toMatch(/^[0-9a-f]{12}$/);
    expect(e.user).toBeUndefined();
  });
});

describe('account floods and idle callers', () => {
  it('an address may create only so many accounts an hour; others still may', async () => {
    h = await startFrontEnd({ registrationsPerAddress: 2 });
    const reg = async (addr: string, name: string) => {
      const t = await openFrom(h!.url, addr);
      await t.expect('USER NAME--');
      t.line(name);
      return t;
    };
    for (const n of ['flood1', 'flood2']) {
      const t = await reg('127.0.2.2', n);
      await t.expect('PASSWORD--');
      t.line('pass1234');
      await t.expect('PASSWORD--');
      t.line('pass1234');
      await t.expect('READY.');
    }
    const third = await reg('127.0.2.2', 'flood3');
    await third.expect('NO NEW ACCOUNTS CAN BE MADE FROM HERE FOR 30 MINUTES.');
    await third.expect('USER NAME--');
    const other = await reg('127.0.2.3', 'calm1');
    await other.expect('NEW USER CALM1.');
  });

  it('an address may hold only so many lines that have not logged in', async () => {
    h = await startFrontEnd({ unauthPerAddress: 3 });
    for (let i = 0; i < 3; i++) await (await openFrom(h.url, '127.0.3.2')).expect('USER NAME--');
    const fourth = await openFrom(h.url, '127.0.3.2');
    await fourth.expect('TOO MANY LINES FROM YOUR ADDRESS ARE NOT LOGGED IN.');
    expect(await fourth.closedWith()).toBe(1013);
    await (await openFrom(h.url, '127.0.3.3')).expect('USER NAME--'); // another address is served
  });

  it('raw sockets that never finish the handshake are closed in seconds, and one address may open only 16', async () => {
    h = await startFrontEnd({ handshakeMs: 400 });
    const port = Number(new URL(h.url).port);
    const closedAt: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.4.2' });
      s.on('error', () => {});
      s.on('close', () => closedAt.push(Date.now() - t0));
      raw.push(s);
    }
    const deadline = Date.now() + 5000;
    while (closedAt.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(closedAt.length).toBe(20);
    closedAt.sort((a, b) => a - b);
    expect(closedAt[3]).toBeLessThan(300); // 4 past the limit of 16 are turned away at once
    expect(closedAt[19]).toBeLessThan(3000); // the rest by the handshake timeout
    expect(closedAt[19]).toBeGreaterThanOrEqual(350);
    // a proper client from that address is still served
    await (await openFrom(h.url, '127.0.4.2')).expect('USER NAME--');
  });

  it('when every handshake place is taken, a newcomer takes the oldest place of the busiest address', async () => {
    h = await startFrontEnd({ handshakeMs: 20_000, maxHandshakes: 1024 });
    const port = Number(new URL(h.url).port);
    let open = 0;
    for (let a = 0; a < 65; a++) {
      for (let i = 0; i < 16; i++) {
        const s = connect({ host: '127.0.0.1', port, localAddress: `127.0.5.${a + 2}` });
        s.on('error', () => {});
        s.on('connect', () => open++);
        raw.push(s);
      }
    }
    for (let i = 0; i < 200 && open < 1040; i++) await new Promise((r) => setTimeout(r, 25));
    // a caller from yet another address is answered at once, though every place was taken
    const t = await openFrom(h.url, '127.0.6.2');
    await t.expect('USER NAME--');
  });
});
