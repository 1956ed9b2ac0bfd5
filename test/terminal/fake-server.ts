// A small stand-in for the mainframe's front end, for teletype tests: a ws server on a free
// loopback port that records what it receives, echoes keys like the real line discipline (CR
// becomes CR LF) and lets a test send output and drop connections.
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeServer {
  url: string;
  port: number;
  /** every text frame received, across connections, in order */
  frames: string[];
  /** the characters received, joined */
  received(): string;
  connections: number;
  /** the request path of every connection (e.g. "/?baud=110") */
  paths: string[];
  /** the open sockets */
  sockets: Set<WebSocket>;
  send(text: string): void;
  /** drops every connection (as a line drop) */
  dropAll(): void;
  /** closes every connection properly, with a close code and reason (as the mainframe does) */
  closeAll(code: number, reason?: string): void;
  close(): Promise<void>;
  /** resolves when `pred` holds, polling every 5 ms (rejects after `ms`) */
  until(pred: () => boolean, ms?: number): Promise<void>;
}

export async function startFakeServer(opts: { echo?: boolean; port?: number; greeting?: string } = {}): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port ?? 0 });
  await new Promise<void>((res, rej) => {
    wss.once('listening', res);
    wss.once('error', rej);
  });
  const port = (wss.address() as { port: number }).port;
  const fake: FakeServer = {
    url: `ws://127.0.0.1:${port}`,
    port,
    frames: [],
    received: () => fake.frames.join(''),
    connections: 0,
    paths: [],
    sockets: new Set(),
    send(text) {
      for (const s of fake.sockets) s.send(text);
    },
    dropAll() {
      for (const s of fake.sockets) s.terminate();
      fake.sockets.clear();
    },
    closeAll(code, reason) {
      for (const s of fake.sockets) s.close(code, reason);
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of fake.sockets) s.terminate();
        wss.close(() => res());
      }),
    until: (pred, ms = 5000) =>
      new Promise<void>((res, rej) => {
        const t0 = Date.now();
        const poll = () => {
          if (pred()) return res();
          if (Date.now() - t0 > ms) return rej(new Error('timed out waiting'));
          setTimeout(poll, 5);
        };
        poll();
      }),
  };
  wss.on('connection', (ws, req) => {
    fake.connections++;
    fake.paths.push(req.url ?? '');
    fake.sockets.add(ws);
    ws.on('close', () => fake.sockets.delete(ws));
    if (opts.greeting) ws.send(opts.greeting);
    ws.on('message', (data) => {
      const text = data.toString();
      fake.frames.push(text);
      if (opts.echo) ws.send(text.replace(/\r/g, '\r\n'));
    });
  });
  return fake;
}
