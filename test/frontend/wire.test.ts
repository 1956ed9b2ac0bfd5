// The wire's rules: close codes for bad frames (other lines unaffected), ALL LINES BUSY, line
// discipline over the socket, and back-pressure from a terminal that stops reading.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { login, Term } from './client.ts';
import { FakeMainframe } from './fake-mainframe.ts';
import { startFrontEnd, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';

let h: Harness | null = null;
const terms: Term[] = [];
afterEach(async () => {
  for (const t of terms.splice(0)) t.close();
  await h?.stop();
  h = null;
});

async function rawClose(url: string, send: (ws: WebSocket) => void): Promise<number> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  await new Promise((r) => ws.once('open', r));
  send(ws);
  return new Promise((r) => ws.once('close', (code) => r(code)));
}

describe('protocol errors', () => {
  it('binary, invalid UTF-8 and oversized frames close that line with 1003, 1007, 1009; another line keeps working', async () => {
    h = await startFrontEnd();
    const good = await login(h.url, 'alma');
    terms.push(good);
    expect(await rawClose(h.url, (ws) => ws.send(Buffer.from('hello'), { binary: true }))).toBe(1003);
    expect(await rawClose(h.url, (ws) => ws.send(Buffer.from([0x41, 0xff, 0xfe, 0x0d]), { binary: false }))).toBe(1007);
    expect(await rawClose(h.url, (ws) => ws.send('x'.repeat(64 * 1024 + 1)))).toBe(1009);
    expect(await good.command('HELP')).toContain('COMMANDS');
  });

  it('past --max-lines a newcomer hears ALL LINES BUSY and is closed; a freed line is reused', async () => {
    h = await startFrontEnd({ maxLines: 2, lineReserve: 0 });
    const a = await login(h.url, 'lina');
    const b = await login(h.url, 'linb');
    terms.push(a, b);
    const c = await Term.open(h.url);
    terms.push(c);
    await c.expect('ALL LINES BUSY');
    expect(await c.closedWith()).toBe(1013);
    a.close();
    await until(() => h!.fe.lines.size <= 1, 'the line to go');
    const d = await Term.open(h.url);
    terms.push(d);
    expect(await d.expect('USER NAME--')).toContain('LINE 1');
  });

  it('lines not logged in leave a reserve: a newcomer takes the oldest idle line from the busiest address', async () => {
    h = await startFrontEnd({ maxLines: 4, lineReserve: 2 });
    const user = await login(h.url, 'resa');
    terms.push(user);
    const idle1 = await Term.open(h.url);
    terms.push(idle1);
    await idle1.expect('USER NAME--');
    const idle2 = await Term.open(h.url);
    terms.push(idle2);
    await idle2.expect('USER NAME--');
    // two lines are not logged in: that is all they may hold (4 - 2); the next caller gets idle1's line
    const newcomer = await Term.open(h.url);
    terms.push(newcomer);
    await newcomer.expect('USER NAME--');
    await idle1.expect('THIS LINE IS NEEDED AND YOU HAVE NOT LOGGED IN. GOODBYE.');
    expect(await idle1.closedWith()).toBe(1013);
    expect(idle2.closed).toBeNull();
    newcomer.line('resb');
    await newcomer.expect('PASSWORD--');
    expect(await user.command('HELP')).toContain('COMMANDS');
  });

  it('hangs up a line that types nothing before logging in, after the silence timeout', async () => {
    h = await startFrontEnd({ loginSilenceMs: 300 });
    const t = await Term.open(h.url);
    terms.push(t);
    await t.expect('USER NAME--');
    await t.expect('TIME OUT: NO LOGIN. GOODBYE.', 5000);
    expect(await t.closedWith()).toBe(1000);
  });

  it('hangs up a line that does not log in within the login timeout', async () => {
    h = await startFrontEnd({ loginTimeoutMs: 200 });
    const t = await Term.open(h.url);
    terms.push(t);
    await t.expect('USER NAME--');
    t.send('ali'); // typing, but never finishing
    await t.expect('TIME OUT: NO LOGIN. GOODBYE.');
    expect(await t.closedWith()).toBe(1000);
    const u = await login(h.url, 'quick');
    terms.push(u);
    // a line that connects after it and does not log in is hung up: the first one's time-out,
    // had it still been armed, was due before
    const idle = await Term.open(h.url);
    terms.push(idle);
    await idle.expect('TIME OUT: NO LOGIN. GOODBYE.');
    expect(await u.command('HELP')).toContain('COMMANDS'); // logged-in lines are not timed out
  });

  it('drops a peer that stops answering pings', async () => {
    h = await startFrontEnd({ heartbeatMs: 100 });
    const t = await Term.open(h.url);
    terms.push(t);
    await t.expect('USER NAME--');
    // a dead peer: the client's socket stops reading, so no pong ever comes back
    (t.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    t.ws.pong = () => {};
    await until(() => h!.fe.lines.size === 0, 'the dead peer to be dropped');
    expect(h.fe.lines.size).toBe(0);
  });
});

describe('line discipline over the wire', () => {
  it('echoes, rubs out, kills lines, refuses long lines, ignores other controls', async () => {
    h = await startFrontEnd();
    const t = await login(h.url, 'bea');
    terms.push(t);
    t.send('NEW AB\x7fC\r');
    await t.expect('NEW AB\b \bC\r\nNEW BASIC PROGRAM AC.');
    t.send('10 PRINT\x08\x08\x08\x08\x08X\r');
    await t.expect('X\r\n');
    t.send('20 GARBAGE\x15');
    await t.expect('^U\r\n');
    t.send('30 A\x01\x02\x1bB\rLIST\r');
    const list = await t.expect(/READY\.\r\n/);
    expect(list).toContain('10 X\r\n30 AB\r\n');
    expect(list).not.toContain('GARBAGE\r\n');
    t.send('Y'.repeat(300) + '\r');
    await t.expect('LINE TOO LONG (300 CHARACTERS; 256 AT MOST). IGNORED.');
    await t.expect('READY.\r\n'); // the refusal is followed by the prompt
    expect(await t.command('HELP')).toContain('COMMANDS');
  });

  it('CR, LF and CRLF each end one line, even with CR and LF in different frames', async () => {
    h = await startFrontEnd();
    const t = await login(h.url, 'cal');
    terms.push(t);
    t.send('NEW P\r\n10 A\n20 B\r');
    t.send('\n30 C\r\nLIST\r');
    const out = await t.expect(/READY\.\r\n[^]*READY\.\r\n/);
    expect(out).toContain('10 A\r\n20 B\r\n30 C\r\n');
    expect(out.match(/READY\./g)).toHaveLength(2); // NEW and LIST; no empty lines in between
  });

  it('processes a large paste in order, nothing dropped', async () => {
    h = await startFrontEnd();
    const t = await login(h.url, 'dot');
    terms.push(t);
    let paste = 'NEW BIG\r';
    for (let n = 1; n <= 2000; n++) paste += `${n} LINE ${n}\r`;
    t.send(paste.slice(0, 30000));
    t.send(paste.slice(30000));
    t.line('LIST 1995-2000');
    const out = await t.expect(/2000 LINE 2000\r\nREADY\.\r\n/);
    expect(out).toContain('1995 LINE 1995\r\n1996 LINE 1996\r\n');
    expect(h.fe.lines.get(1)!.workspace.size).toBe(2000);
  });
});

describe('back-pressure', () => {
  it('a terminal that stops reading stalls only its own job; the server buffers little', async () => {
    const mf = new FakeMainframe(4096);
    h = await startFrontEnd({}, { mainframe: mf });
    const slow = await login(h.url, 'eli');
    const fast = await login(h.url, 'flo');
    terms.push(slow, fast);
    await slow.command('NEW FLOOD');
    slow.line('10 SPEW 50000000');
    const sock = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    slow.line('RUN');
    await slow.expect('xxxx');
    sock.pause(); // stop reading: the kernel buffers fill, then the server's
    const credits = () => mf.posted.filter((m) => m.t === 'drained').length;
    // wait until no credit has come back for half a second (the loopback buffers hold megabytes)
    let last = -1;
    for (let i = 0; i < 40 && credits() !== last; i++) {
      last = credits();
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(credits()).toBe(last);
    await new Promise((r) => setTimeout(r, 500));
    expect(credits()).toBe(last); // no more credit: the job waits
    expect(last * 1000).toBeLessThan(50_000_000); // long before the program's 50 MB were typed
    const wsServer = [...(h.fe as unknown as { wss: { clients: Set<WebSocket> } }).wss.clients];
    const buffered = Math.max(...wsServer.map((w) => w.bufferedAmount));
    expect(buffered).toBeLessThanOrEqual(64 * 1024); // about one output window, not 50 MB
    // the other line is unaffected
    await fast.command('NEW HI');
    fast.line('10 PRINT STILL HERE');
    expect(await fast.command('RUN')).toContain('STILL HERE');
    // reading again lets the job go on; Ctrl-C stops it
    sock.resume();
    const before = slow.out.length;
    for (let i = 0; i < 500 && slow.out.length < before + 100_000; i++) await new Promise((r) => setTimeout(r, 20));
    expect(slow.out.length).toBeGreaterThan(before + 100_000);
    slow.send('\x03');
    await slow.expect('STOPPED.');
  });
});
