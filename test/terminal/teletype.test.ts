// The whole teletype on blessed, with in-memory streams for keyboard and terminal and a fake
// mainframe on a loopback port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPrintout } from '../../terminal/printout.ts';
import { openScreen, type TeletypeScreen } from '../../terminal/screen.ts';
import { Teletype } from '../../terminal/teletype.ts';
import { startFakeServer, type FakeServer } from './fake-server.ts';
import { FakeClock, FakeKeyboard, FakeTerminal, until } from './helpers.ts';

interface Rig {
  srv: FakeServer;
  kb: FakeKeyboard;
  term: FakeTerminal;
  screen: TeletypeScreen;
  tt: Teletype;
  quits: number;
  /** the screen's rows after a redraw */
  shown(): string[];
}

const rigs: Rig[] = [];
const tmpDirs: string[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.tt.quit();
    await r.srv.close();
  }
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function rig(
  o: { baud?: number; upper?: boolean; status?: boolean; cols?: number; rows?: number; clock?: FakeClock; echo?: boolean; printout?: (r: string) => void } = {},
): Promise<Rig> {
  const srv = await startFakeServer({ echo: o.echo ?? true, greeting: 'TIMESHARE\r\nUSER NAME--' });
  const kb = new FakeKeyboard();
  const term = new FakeTerminal(o.cols ?? 60, o.rows ?? 12);
  const status = o.status ?? true;
  const screen = openScreen({ input: kb, output: term, status, terminal: 'xterm' });
  const r = { srv, kb, term, screen, quits: 0 } as Rig;
  r.tt = new Teletype(
    { url: srv.url, baud: o.baud ?? 0, upper: o.upper ?? false, status },
    {
      screen,
      clock: o.clock,
      backoff: { initialMs: 30, maxMs: 200 },
      printout: o.printout,
      onQuit: () => {
        r.quits++;
        screen.destroy();
      },
    },
  );
  r.shown = () => {
    r.tt.drawNow();
    return screen.text().map((l) => l.trimEnd());
  };
  rigs.push(r);
  r.tt.start();
  await until(() => {
    o.clock?.advance(100);
    return r.shown().includes('USER NAME--');
  }, 5000, 'the greeting on screen');
  return r;
}

/** Where the terminal's cursor was last put (1-based row, col) by an absolute move. */
function lastCursor(written: string): [number, number] {
  const moves = [...written.matchAll(/\x1b\[(\d+);(\d+)H/g)];
  const m = moves.at(-1)!;
  return [Number(m[1]), Number(m[2])];
}

describe('teletype on blessed', () => {
  it('prints what the mainframe sends; the cursor sits at the end of the paper', async () => {
    const r = await rig();
    r.srv.send('\r\nREADY.\r\n');
    await until(() => r.shown().includes('READY.'));
    expect(r.shown().slice(0, 4)).toEqual(['TIMESHARE', 'USER NAME--', 'READY.', '']);
    expect(lastCursor(r.term.written)).toEqual([4, 1]);
    r.srv.send('NEW HELLO');
    await until(() => r.shown()[3] === 'NEW HELLO');
    expect(lastCursor(r.term.written)).toEqual([4, 10]);
  });

  it('sends keys as typed with no local echo: Enter as CR, Ctrl-C, DEL, BS', async () => {
    const r = await rig({ echo: false });
    r.kb.write('alice\r');
    r.kb.write('X\x7f\x08\x03');
    await r.srv.until(() => r.srv.received() === 'alice\rX\x7f\x08\x03');
    // the teletype printed none of it: only the server's echo would
    expect(r.shown().join('\n')).not.toContain('alice');
  });

  it('--upper folds typed letters to upper case', async () => {
    const r = await rig({ upper: true });
    r.kb.write('10 print "hi"\r');
    await r.srv.until(() => r.srv.received() === '10 PRINT "HI"\r');
    await until(() => r.shown().includes('USER NAME--10 PRINT "HI"'));
  });

  it('PgUp/PgDn page through the scrollback; any typed key returns to the end and is sent', async () => {
    const r = await rig({ rows: 12 });
    r.srv.send(Array.from({ length: 300 }, (_, i) => `\r\nROW ${i + 1}`).join(''));
    await until(() => r.shown().includes('ROW 300'));
    const paperRows = r.screen.paperRows;
    expect(paperRows).toBe(11);
    r.kb.write('\x1b[5~');
    await until(() => r.shown()[paperRows - 1] === 'ROW 290');
    expect(r.shown()[0]).toBe('ROW 280');
    expect(r.shown()[11]).toContain('BACK 10 LINES');
    r.kb.write('\x1b[5~\x1b[5~\x1b[6~');
    await until(() => r.shown()[paperRows - 1] === 'ROW 280');
    expect(r.srv.received()).toBe(''); // scrolling sent nothing
    r.kb.write('x');
    await until(() => r.shown()[paperRows - 1] === 'ROW 300x');
    expect(r.srv.received()).toBe('x');
    expect(lastCursor(r.term.written)).toEqual([paperRows, 9]);
  });

  it('scrolls back through more than 10,000 lines to the first', async () => {
    const r = await rig({ rows: 30 });
    const total = 10_500;
    for (let i = 0; i < total; i += 500) {
      r.srv.send(Array.from({ length: 500 }, (_, k) => `\r\nOUT ${i + k + 1}`).join(''));
    }
    await until(() => r.shown().includes(`OUT ${total}`), 10_000);
    let guard = 0;
    while (!r.shown().includes('TIMESHARE') && guard++ < 1000) r.kb.write('\x1b[5~'), await until(() => true);
    await until(() => r.shown()[0] === 'TIMESHARE', 5000, 'the top of the paper');
    expect(r.shown()[2]).toBe('OUT 1');
  });

  it('rings the terminal bell for BEL and prints nothing for it', async () => {
    const r = await rig();
    const mark = r.term.written.length;
    r.srv.send('\r\nDING\x07DONG');
    await until(() => r.shown().includes('DINGDONG'));
    expect(r.term.written.slice(mark)).toContain('\x07');
  });

  it('status line shows URL, ONLINE, connect time and speed; OFFLINE and paper notices when the line drops', async () => {
    const r = await rig({ baud: 300, cols: 80 });
    const status = () => r.shown()[r.shown().length - 1];
    expect(status()).toMatch(/^ ONLINE 00:00:0\d {2}300 BAUD  ws:\/\/127\.0\.0\.1:\d+ +\| Ctrl-\] q: quit$/);
    r.srv.dropAll();
    await until(() => r.shown().some((l) => l.startsWith('*** LINE DROPPED')), 5000, 'drop notice');
    await until(() => r.shown().some((l) => l.startsWith('*** BACK ONLINE')), 5000, 'back notice');
    expect(r.srv.connections).toBe(2);
    await until(() => /ONLINE 00:00/.test(status()));
    // keys typed while the line is down go nowhere, and the bell says so
    await r.srv.close();
    await until(() => /OFFLINE/.test(status()), 5000, 'OFFLINE');
    const mark = r.term.written.length;
    r.kb.write('lost');
    await until(() => r.term.written.slice(mark).includes('\x07'), 5000, 'bell');
  });

  it('when the mainframe hangs up (BYE) it waits; the next key dials again and is not sent', async () => {
    const clock = new FakeClock();
    const r = await rig({ cols: 100, clock });
    r.srv.send('\r\nGOODBYE.\r\n');
    r.srv.closeAll(1000, 'GOODBYE');
    await until(() => r.shown().some((l) => l.startsWith('*** HUNG UP')), 5000, 'hang-up notice');
    expect(r.shown().at(-1)).toContain('OFFLINE hung up, any key dials');
    // no redial is armed: many backoff periods pass on the line's clock and it still waits
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    expect(r.tt.line.state).toBe('hungup');
    expect(r.srv.connections).toBe(1);
    r.kb.write('x');
    await until(() => r.shown().filter((l) => l.startsWith('USER NAME--')).length === 2, 5000, 'a new login');
    expect(r.srv.connections).toBe(2);
    expect(r.srv.received()).toBe('');
  });

  it('--no-status gives the paper the whole screen', async () => {
    const r = await rig({ status: false, rows: 10 });
    expect(r.screen.paperRows).toBe(10);
    expect(r.shown().join('')).not.toContain('ONLINE');
  });

  it('--baud 110 asks the server for 110 when it dials, and prints what the line brings at once', async () => {
    const r = await rig({ baud: 110, echo: false });
    expect(r.srv.paths[0]).toBe('/?baud=110');
    r.srv.send('\r\n' + 'ABCDEFGHIJ'.repeat(20));
    // the server paces the line; the teletype keeps no output waiting of its own
    await until(() => r.shown().some((l) => l.startsWith('ABCDEFGHIJ'.repeat(5))), 5000, 'printed at once');
    expect(r.tt.pacer.pending).toBe(0);
    r.kb.write('\x03');
    await r.srv.until(() => r.srv.received() === '\x03');
  });

  it('never stops reading the line: a long output is printed as it comes', async () => {
    const r = await rig({ baud: 110, echo: false });
    r.srv.send('X'.repeat(5000));
    r.srv.send('\r\nREADY.');
    await until(() => r.shown().includes('READY.'), 5000, 'READY.');
    expect(r.tt.line.isPaused).toBe(false);
  });

  it('Ctrl-] then another key sends nothing; Ctrl-] q quits and restores the terminal', async () => {
    const r = await rig();
    r.kb.write('\x1d');
    await until(() => r.shown().at(-1)!.includes('Ctrl-] q: quit, other key: back'));
    r.kb.write('z');
    r.kb.write('ok');
    await r.srv.until(() => r.srv.received() === 'ok');
    expect(r.quits).toBe(0);
    const mark = r.term.written.length;
    r.kb.write('\x1dq');
    await until(() => r.quits === 1);
    const tail = r.term.written.slice(mark);
    expect(tail).toContain('\x1b[?1049l'); // back from the alternate screen
    expect(tail).toContain('\x1b[?25h'); // cursor visible
    await r.srv.until(() => r.srv.sockets.size === 0); // hung up
    expect(r.srv.received()).toBe('ok');
  });

  it('--log keeps a copy of the paper: what was printed, not the keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teletype-'));
    tmpDirs.push(dir);
    const file = path.join(dir, 'paper.txt');
    const printout = openPrintout(file);
    const r = await rig({ echo: false, printout: (row) => printout.row(row) });
    r.kb.write('secret\r');
    r.srv.send('ALICE\r\nPASSWORD--\r\nREADY.\r\nRUN\r\n 42 \r\nREADY.');
    await until(() => r.shown().filter((l) => l === 'READY.').length === 2);
    r.tt.quit();
    printout.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'TIMESHARE\nUSER NAME--ALICE\nPASSWORD--\nREADY.\nRUN\n 42\nREADY.\n',
    );
  });

  it('a wide line wraps on screen at the window width', async () => {
    const r = await rig({ cols: 20 });
    r.srv.send('\r\n' + '0123456789'.repeat(5));
    await until(() => r.shown().includes('0123456789'));
    expect(r.shown().slice(2, 5)).toEqual(['01234567890123456789', '01234567890123456789', '0123456789']);
  });
});

describe('before the line first comes up', () => {
  it('holds keys typed while dialing and sends them, in order, once the line is up', async () => {
    const probe = await startFakeServer();
    const port = probe.port;
    await probe.close();
    const kb = new FakeKeyboard();
    const term = new FakeTerminal(60, 12);
    const screen = openScreen({ input: kb, output: term, status: true, terminal: 'xterm' });
    const tt = new Teletype(
      { url: `ws://127.0.0.1:${port}`, baud: 0, upper: false, status: true },
      { screen, backoff: { initialMs: 30, maxMs: 60 }, onQuit: () => screen.destroy() },
    );
    tt.start();
    try {
      await until(() => screen.text().some((l) => l.startsWith('*** NO ANSWER FROM')), 5000, 'no answer');
      const mark = term.written.length;
      kb.write('alice\rsecret\r');
      const srv = await startFakeServer({ port });
      try {
        await srv.until(() => srv.received() === 'alice\rsecret\r');
        // held, not refused: a bell for those keys would have rung before they were sent
        expect(term.written.slice(mark)).not.toContain('\x07');
        // once the line has been up, a dropped line refuses keys with the bell instead
        srv.dropAll();
        await srv.close();
        await until(() => tt.line.state !== 'online');
        const mark2 = term.written.length;
        kb.write('RUN\r');
        await until(() => term.written.slice(mark2).includes('\x07'), 5000, 'the bell');
      } finally {
        await srv.close();
      }
    } finally {
      tt.quit();
    }
  });
});

describe('the screen module on its own', () => {
  it('keys typed before the teletype listens are held, not lost', async () => {
    const kb = new FakeKeyboard();
    const term = new FakeTerminal(40, 10);
    const screen = openScreen({ input: kb, output: term, status: false, terminal: 'xterm' });
    kb.write('early');
    await new Promise((res) => setTimeout(res, 20));
    let got = '';
    screen.onKeys((t) => (got += t));
    kb.write('late');
    await until(() => got === 'earlylate');
    screen.destroy();
  });
});
