// Random frames and control characters on the wire, against the real server process: binary and
// oversized frames, invalid UTF-8, fragments, raw TCP garbage, and random keystrokes in the login
// dialog and at command level. The server must stay up, log no errors, and a bystander's line
// must keep getting its echo and READY.
import fc from 'fast-check';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Pool, stillServed, type ServerProcess, type Term } from './server.ts';
import { fuzzParams } from './fuzz-seed.ts';

const pool = new Pool();
let srv: ServerProcess;
let bystander: Term;

beforeAll(async () => {
  srv = await pool.server();
  bystander = await pool.user(srv.url, 'bystander');
});
afterAll(() => pool.cleanup());

/** Keystrokes a user (or a line-noise generator) might send: controls, editing keys, text, unicode. */
const keys = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\r', '\n', '\r\n', '\x03', '\x15', '\x7f', '\b', '\x00', '\x1b', '\x1b[A', '\t', '\x04', '\x1a', '\x13', '\x11', '\x85', '\u2028', '\ud800', '\udfff', '\ufeff') },
  { weight: 3, arbitrary: fc.constantFrom('RUN', 'LIST', 'NEW X', 'NEW Y.S', 'OLD $', 'SAVE', 'REPLACE', 'UNSAVE X', 'SYSTAT', 'HELP', 'CATALOG', 'JOBS', 'KILL 1', 'SUBMIT X', '10 PRINT 1', '10 GOTO 10', '20 END', '10 start: JMP start', 'HANGUP 1', 'BROADCAST HI', 'BYE', 'TIME') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 2000 }).map((n) => 'X'.repeat(n)) },
);
const frames = fc.array(fc.array(keys, { minLength: 1, maxLength: 8 }).map((k) => k.join('')), { minLength: 1, maxLength: 12 });

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('error', () => {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    pool.sockets.push(ws);
  });
}

function closed(ws: WebSocket, ms = 5000): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(-1);
    const t = setTimeout(() => resolve(0), ms);
    ws.once('close', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serverHealthy(): void {
  expect(srv.child.exitCode).toBe(null);
  const bad = srv.stdout().split('\n').filter((l) => /"level":(50|60)/.test(l));
  expect(bad, bad.join('\n')).toEqual([]);
}

describe('wire fuzzing', () => {
  it('protocol abuse closes only the abusing line, with the right code', async () => {
    const cases: [string, (ws: WebSocket) => void, number][] = [
      ['binary frame', (ws) => ws.send(Buffer.from([0, 1, 2, 255]), { binary: true }), 1003],
      ['invalid UTF-8 in a text frame', (ws) => ws.send(Buffer.from([0x41, 0xc3, 0x28, 0xff]), { binary: false }), 1007],
      ['a frame over 64 KiB', (ws) => ws.send('A'.repeat(70 * 1024)), 1009],
    ];
    for (const [what, act, code] of cases) {
      const ws = await open(srv.url);
      act(ws);
      expect(await closed(ws), what).toBe(code);
      await stillServed(bystander, what.replace(/\W/g, ''));
    }
    // fragments of a message, pings, and a close in the middle of a fragmented message
    const ws = await open(srv.url);
    ws.send('bys', { fin: false });
    ws.ping('x');
    ws.send('tander\r', { fin: true });
    ws.send('half a', { fin: false });
    ws.terminate();
    await stillServed(bystander, 'FRAG');
    serverHealthy();
  });

  it('raw TCP garbage and broken handshakes do not disturb the server', async () => {
    const port = Number(new URL(srv.url).port);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), fc.boolean(), async (bytes, handshake) => {
        await new Promise<void>((resolve) => {
          const s = connect(port, '127.0.0.1', () => {
            if (handshake) {
              s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
                'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
            }
            s.write(bytes);
            setTimeout(() => s.destroy(), 20);
          });
          s.on('error', () => {});
          s.on('close', () => resolve());
        });
      }),
      fuzzParams({ numRuns: 60 }),
    );
    await stillServed(bystander, 'TCP');
    serverHealthy();
  });

  it('random keystrokes in the login dialog and at command level never disturb another line', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(frames, fc.boolean(), fc.boolean(), async (fs, logIn, vanish) => {
        const ws = await open(srv.url);
        let last = Date.now();
        ws.on('message', () => (last = Date.now()));
        if (logIn) {
          // a fresh account each run: NAME, password twice
          const name = `FZ${n++}`;
          ws.send(`${name}\rpw${name}\rpw${name}\r`);
        }
        for (const f of fs) ws.send(f);
        // let the server work through it: until it has been quiet a moment (or half a second)
        const start = Date.now();
        while (Date.now() - last < 40 && Date.now() - start < 500) await pause(10);
        if (vanish) ws.terminate();
        else ws.close();
        if (n % 8 === 0) await stillServed(bystander, `K${n}`);
      }),
      fuzzParams({ numRuns: 100 }),
    );
    await stillServed(bystander, 'END');
    serverHealthy();
  }, 120_000);
});
