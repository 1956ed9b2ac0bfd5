// Password guessing is slowed per address (one guesser trying many names) and per account (many
// addresses trying one name). Sessions are driven directly with fake ports so that each can claim
// a different address; the delay each failure costs is read from the server's log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Session, type Port } from '../../server/frontend/session.ts';
import { startFrontEnd, type Harness } from '../frontend/harness.ts';

let h: Harness;
const sessions: Session[] = [];
beforeEach(async () => {
  h = await startFrontEnd({ register: false, failDelayMs: 20 });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.dispose('dropped');
  await h.stop();
});

interface FakeLine { session: Session; out: () => string; closed: () => boolean }
let nextLine = 900;

function line(address: string): FakeLine {
  let out = '';
  let closed = false;
  const port: Port = {
    address,
    write(text, done) { out += text; done?.(); },
    close() { closed = true; },
    pause() {},
    resume() {},
  };
  const session = new Session(h.fe, port, nextLine++, h.fe.log.child({ line: nextLine }));
  sessions.push(session);
  session.start();
  return { session, out: () => out, closed: () => closed };
}

async function until(l: FakeLine, text: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (l.out().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`waited for ${count} x ${text}: ${JSON.stringify(l.out())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One failed attempt: the delay the server logged for it. */
async function fail(l: FakeLine, name: string): Promise<number> {
  const before = h.logs.length;
  const n = l.out().split('INCORRECT USER NAME OR PASSWORD.').length;
  await until(l, 'USER NAME--', n);
  l.session.input(`${name}\r`);
  await until(l, 'PASSWORD--', n);
  l.session.input('wrong-guess\r');
  await until(l, 'INCORRECT USER NAME OR PASSWORD.', n);
  const entry = h.logs.slice(before).map((s) => JSON.parse(s)).find((e) => e.msg === 'login failed');
  expect(entry, 'a login failed entry').toBeDefined();
  expect(entry.user).toBe(name);
  return entry.delayMs;
}

describe('login throttling', () => {
  it('doubles the delay per failure from an address, then hangs up after three', async () => {
    const a = line('198.51.100.1');
    expect(await fail(a, 'BOB')).toBe(20);
    expect(await fail(a, 'CAROL')).toBe(40);
    expect(await fail(a, 'DAVE')).toBe(80);
    await until(a, 'TOO MANY FAILURES. GOODBYE.', 1);
    expect(a.closed()).toBe(true);
    // the same address on a new line keeps its record
    const again = line('198.51.100.1');
    expect(await fail(again, 'ERIN')).toBe(160);
  });

  it('an account tried from many addresses is slowed too; an untouched account and address are not', async () => {
    const addrs = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'];
    const delays = [];
    for (const a of addrs) delays.push(await fail(line(a), 'VICTIM'));
    expect(delays).toEqual([20, 40, 80, 160]);
    expect(await fail(line('203.0.113.99'), 'OTHER')).toBe(20);
  });
});
