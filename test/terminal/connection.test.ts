import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, FRAME_CHARS, Line } from '../../terminal/connection.ts';
import { startFakeServer, type FakeServer } from './fake-server.ts';
import { FakeClock, until } from './helpers.ts';

let servers: FakeServer[] = [];
let lines: Line[] = [];
afterEach(async () => {
  for (const l of lines) l.close();
  for (const s of servers) await s.close();
  servers = [];
  lines = [];
});

function recorder() {
  const events: string[] = [];
  const retries: number[] = [];
  let data = '';
  return {
    events,
    retries,
    get data() {
      return data;
    },
    handlers: {
      online: () => events.push('online'),
      offline: (i: { wasOnline: boolean; retryMs: number }) => {
        events.push(i.wasOnline ? 'dropped' : 'no answer');
        retries.push(i.retryMs);
      },
      data: (t: string) => (data += t),
      hungup: (i: { reason: string }) => events.push(`hung up: ${i.reason}`),
    },
  };
}

describe('the line (reconnecting WebSocket)', () => {
  it('backoff starts at 0.5 s and doubles to 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('carries text both ways', async () => {
    const srv = await startFakeServer({ greeting: 'USER NAME--' });
    servers.push(srv);
    const r = recorder();
    const line = new Line(srv.url, r.handlers);
    lines.push(line);
    line.start();
    await until(() => r.data === 'USER NAME--', 5000, 'greeting');
    expect(line.state).toBe('online');
    expect(line.send('ALICE\r')).toBe(true);
    await srv.until(() => srv.received() === 'ALICE\r');
  });

  it('a long paste arrives whole, in order, in frames of at most FRAME_CHARS', async () => {
    const srv = await startFakeServer();
    servers.push(srv);
    const r = recorder();
    const line = new Line(srv.url, r.handlers);
    lines.push(line);
    line.start();
    await until(() => line.state === 'online');
    const paste = Array.from({ length: 20_000 }, (_, i) => `${i + 1} PRINT "LINE ${i + 1}"\r`).join('');
    expect(paste.length).toBeGreaterThan(300_000);
    line.send(paste);
    await srv.until(() => srv.received().length >= paste.length, 10_000);
    expect(srv.received()).toBe(paste);
    expect(Math.max(...srv.frames.map((f) => f.length))).toBeLessThanOrEqual(FRAME_CHARS);
  });

  it('redials with backoff when the line drops or nobody answers, and resets once back', async () => {
    const srv = await startFakeServer();
    servers.push(srv);
    const clock = new FakeClock();
    const r = recorder();
    const line = new Line(srv.url, r.handlers, { clock });
    lines.push(line);
    line.start();
    await until(() => r.events.length === 1);
    expect(r.events).toEqual(['online']);

    srv.dropAll();
    await until(() => r.events.length === 2);
    expect(r.events[1]).toBe('dropped');
    expect(r.retries).toEqual([500]);
    expect(line.state).toBe('offline');
    expect(line.send('lost')).toBe(false);
    clock.advance(499);
    expect(line.state).toBe('offline'); // not before its time: a dial would have begun synchronously
    expect(srv.connections).toBe(1);
    clock.advance(1);
    await until(() => r.events.length === 3);
    expect(r.events[2]).toBe('online');
    expect(srv.connections).toBe(2);

    // Now nobody answers: 0.5, 1, 2, 4 s ...
    const port = srv.port;
    await srv.close();
    servers = [];
    await until(() => r.events.length === 4);
    for (let i = 0; i < 3; i++) {
      const n = r.events.length;
      clock.advance(r.retries.at(-1)!);
      await until(() => r.events.length === n + 1);
    }
    expect(r.events.slice(3)).toEqual(['dropped', 'no answer', 'no answer', 'no answer']);
    expect(r.retries).toEqual([500, 500, 1000, 2000, 4000]);

    // The mainframe comes back: the next dial gets through and the backoff starts over.
    const again = await startFakeServer({ port });
    servers.push(again);
    clock.advance(4000);
    await until(() => r.events.at(-1) === 'online');
    again.dropAll();
    await until(() => r.events.at(-1) === 'dropped');
    expect(r.retries.at(-1)).toBe(500);
  });

  it('a deliberate hang-up (close 1000) waits for redial(); other closes redial with the reason', async () => {
    const srv = await startFakeServer();
    servers.push(srv);
    const clock = new FakeClock();
    const r = recorder();
    const line = new Line(srv.url, r.handlers, { clock });
    lines.push(line);
    line.start();
    await until(() => r.events.length === 1);
    srv.closeAll(1000, 'GOODBYE');
    await until(() => r.events.length === 2);
    expect(r.events[1]).toBe('hung up: GOODBYE');
    expect(line.state).toBe('hungup');
    expect(clock.pendingTimers).toBe(0); // no redial is even scheduled
    clock.advance(60_000);
    expect(line.state).toBe('hungup');
    expect(srv.connections).toBe(1);
    line.redial();
    await until(() => r.events.length === 3);
    expect(r.events[2]).toBe('online');
    srv.closeAll(1013, 'all lines busy');
    await until(() => r.events.length === 4);
    expect(r.events[3]).toBe('dropped');
    expect(line.state).toBe('offline');
  });

  it('close stops redialing and resolves once the mainframe has seen the hang-up', async () => {
    const srv = await startFakeServer();
    servers.push(srv);
    const clock = new FakeClock();
    const r = recorder();
    const line = new Line(srv.url, r.handlers, { clock });
    line.start();
    await until(() => line.state === 'online');
    await line.close();
    await srv.until(() => srv.sockets.size === 0);
    expect(clock.pendingTimers).toBe(0); // nothing left that could dial again
    clock.advance(60_000);
    expect(srv.connections).toBe(1);
    expect(line.state).toBe('closed');
  });
});
