// The front end: a ws server whose every connection is a terminal line. It owns the line table, the
// heartbeat, the protocol rules (text frames of valid UTF-8, at most maxPayload bytes) and the
// orderly shutdown. It never runs guest code: that is the mainframe's thread.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Store } from '../store/store.ts';
import type { Library } from '../library/library.ts';
import { builtinCommands } from './commands/index.ts';
import type { Registry } from './commands/registry.ts';
import { Hub } from './hub.ts';
import { JobTable, type MainframeLike } from './jobs.ts';
import { dummyHash } from './password.ts';
import { Session, type Port } from './session.ts';
import type { FrontendConfig, System } from './system.ts';
import { FailureThrottle } from './throttle.ts';

/** Largest frame accepted; a bigger one closes that line with 1009. */
export const MAX_PAYLOAD = 64 * 1024;
/** Bytes waiting in a socket's send buffer before the line stops reading its peer. */
const SEND_HIGH = 256 * 1024;

export interface ServerOptions extends FrontendConfig {
  host: string;
  /** 0: any free port */
  port: number;
}

export const DEFAULT_FRONTEND: FrontendConfig = {
  maxLines: 2000,
  banner: null,
  register: true,
  scryptN: 1 << 15,
  failDelayMs: 250,
  heartbeatMs: 30_000,
  loginTimeoutMs: 120_000,
  ratedClock: 10_000_000,
  maxJobOutput: 200_000,
};

/** Adapts a ws socket to a session's Port, with back-pressure on both directions. */
function portFor(ws: WebSocket, address: string): Port {
  let readPaused = false;
  let wantPaused = false;
  const sync = () => {
    // reading stops while the peer is not reading what we send, or the session asks for it
    const pause = wantPaused || ws.bufferedAmount > SEND_HIGH;
    if (pause && !readPaused) ws.pause();
    else if (!pause && readPaused) ws.resume();
    readPaused = pause;
  };
  return {
    address,
    write(text, done) {
      if (ws.readyState !== ws.OPEN) {
        done?.();
        return;
      }
      ws.send(text, (err) => {
        if (readPaused) sync();
        if (done && !err) done();
      });
      if (ws.bufferedAmount > SEND_HIGH) sync();
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
    pause() {
      wantPaused = true;
      sync();
    },
    resume() {
      wantPaused = false;
      sync();
    },
  };
}

export class FrontEnd implements System {
  readonly hub: Hub;
  readonly jobs: JobTable;
  readonly commands: Registry;
  readonly throttle: FailureThrottle;
  readonly lines = new Map<number, Session>();
  readonly startedAt = Date.now();
  stopping = false;
  url = '';
  private wss!: WebSocketServer;
  private heartbeat: NodeJS.Timeout | null = null;
  private alive = new WeakMap<WebSocket, boolean>();
  private nextConn = 1;
  private dummy: Promise<string> | null = null;
  /** lowest line number that might be free */
  private lowFree = 1;

  private constructor(
    readonly config: ServerOptions,
    readonly store: Store,
    readonly mainframe: MainframeLike,
    readonly library: Library,
    readonly log: Logger,
  ) {
    this.hub = new Hub(log);
    this.jobs = new JobTable(mainframe, this.hub, log);
    this.commands = builtinCommands();
    this.throttle = new FailureThrottle(config.failDelayMs);
  }

  static async start(config: ServerOptions, deps: { store: Store; mainframe: MainframeLike; library: Library; log: Logger }): Promise<FrontEnd> {
    const fe = new FrontEnd(config, deps.store, deps.mainframe, deps.library, deps.log);
    await fe.listen();
    return fe;
  }

  dummyHash(): Promise<string> {
    return (this.dummy ??= dummyHash(this.config.scryptN));
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({
        host: this.config.host,
        port: this.config.port,
        maxPayload: MAX_PAYLOAD,
        perMessageDeflate: false,
        clientTracking: true,
      });
      this.wss = wss;
      wss.once('error', reject);
      wss.on('listening', () => {
        wss.off('error', reject);
        wss.on('error', (err) => this.log.error({ err }, 'server error'));
        const a = wss.address() as AddressInfo;
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        this.url = `ws://${host}:${a.port}`;
        this.heartbeat = setInterval(() => this.beat(), this.config.heartbeatMs);
        this.heartbeat.unref();
        resolve();
      });
      wss.on('connection', (ws, req) => this.connect(ws, req));
    });
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate(); // no pong since the last ping: a dead peer
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  private allocLine(): number {
    let n = this.lowFree;
    while (this.lines.has(n)) n++;
    this.lowFree = n + 1;
    return n;
  }

  private connect(ws: WebSocket, req: IncomingMessage): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    const conn = this.nextConn++;
    ws.on('error', (err) => this.log.warn({ conn, err: err.message }, 'socket error'));
    if (this.stopping) {
      ws.close(1001, 'system going down');
      return;
    }
    if (this.lines.size >= this.config.maxLines) {
      this.log.warn({ conn, address, lines: this.lines.size }, 'all lines busy');
      ws.send('ALL LINES BUSY. PLEASE CALL AGAIN LATER.\r\n');
      ws.close(1013, 'all lines busy');
      return;
    }
    const line = this.allocLine();
    const log = this.log.child({ line, conn });
    const session = new Session(this, portFor(ws, address), line, log);
    this.lines.set(line, session);
    this.alive.set(ws, true);
    log.info({ address }, 'connect');

    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      this.alive.set(ws, true);
      if (isBinary) {
        log.warn('binary frame: closing the line');
        ws.close(1003, 'text frames only');
        return;
      }
      session.input(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
    });
    ws.on('close', (code) => {
      session.dispose(this.stopping ? 'shutdown' : 'dropped');
      this.lines.delete(line);
      if (line < this.lowFree) this.lowFree = line;
      log.info({ code }, 'disconnect');
    });
    session.start();
  }

  /** Warns every line, stops every job (background output is kept), closes the lines. */
  async shutdown(why = 'shutdown'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.jobs.closing = true;
    this.log.warn({ why, lines: this.lines.size, jobs: this.jobs.live.size }, 'shutting down');
    for (const s of this.lines.values()) s.notify('*** THE SYSTEM IS GOING DOWN NOW. YOUR WORK IN PROGRESS IS LOST; SAVED PROGRAMS ARE SAFE.');
    for (const j of [...this.jobs.live.values()]) this.jobs.kill(j.job, 'system shutdown');
    await this.jobs.settle(3000); // background collectors save their .OUT files as their jobs end
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const s of [...this.lines.values()]) s.hangup('*** GOODBYE.', 'shutdown', 1001);
    await new Promise<void>((resolve) => {
      this.wss.close(() => resolve());
      // peers that do not answer the close handshake are cut off
      setTimeout(() => {
        for (const ws of this.wss.clients) ws.terminate();
      }, 1000).unref();
    });
  }
}
