// The front end: a ws server whose every connection is a terminal line. It owns the line table, the
// heartbeat, the protocol rules (text frames of valid UTF-8, at most maxPayload bytes) and the
// orderly shutdown. It never runs guest code: that is the mainframe's thread.
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Store } from '../store/store.ts';
import type { Library } from '../library/library.ts';
import { builtinCommands } from './commands/index.ts';
import type { Registry } from './commands/registry.ts';
import { Hub } from './hub.ts';
import { JobTable, type MainframeLike } from './jobs.ts';
import { Hotel } from './hotel.ts';
import { dummyHash, HashGate } from './password.ts';
import { Session, type Port } from './session.ts';
import type { ClusterLink, FrontendConfig, System } from './system.ts';
import { LoginThrottle, RegistrationLimiter } from './throttle.ts';
import { Heartbeat } from './heartbeat.ts';
import type { Clock } from '../../shared/pacer.ts';

/** Largest frame accepted; a bigger one closes that line with 1009. */
export const MAX_PAYLOAD = 64 * 1024;
/** Marks a raw socket whose handshake is being counted (server.ts only). */
const HANDSHAKE_DONE = Symbol('handshakeDone');
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
  loginsPerAccount: 8,
  loginsPerAddress: 30,
  registrationsPerAddress: 10,
  registrationsPerHour: 100,
  trusted: [],
  hashConcurrency: 2,
  unauthPerAddress: 8,
  lineReserve: 200,
  heartbeatMs: 30_000,
  // a minute to log in, and nobody holds a line in silence for more than 20 seconds before it
  loginTimeoutMs: 60_000,
  loginSilenceMs: 20_000,
  // 20 s, not 5: a socket that never finishes its handshake costs only its place (bounded below),
  // but each one cut costs an accept and a close when it dials again. 2,000 idle sockets redialled
  // a second after each cut made 330 a second at 5 s, about 7% of the lines' thread (hostile bench).
  handshakeMs: 20_000,
  // 4,096 idle sockets cost a few MiB. At 1,024, an attack of 2,000 idle sockets redialled as
  // fast as they were cut made each newcomer evict one: about 1,000 accepts and closes a second on
  // the lines' thread; held until their handshake times out, a third of that.
  maxHandshakes: 4096,
  // ten commands a second and thirty at once: more than anyone types, a hundredth of what a
  // script's SUBMIT loop asked of the lines' thread (command-rate.ts)
  commandsPerSecond: 10,
  systat: 'private',
  // 8 live jobs: plenty for a person (a program running, a few in the background), and a SUBMIT
  // loop cannot queue more (it once queued 15,537 jobs and 12.4 GB)
  maxJobsPerUser: 8,
  // one largest partition: any single program fits, and four users cannot fill the 4M-word core
  maxCorePerUser: 1024 * 1024,
  // 1,000,000 characters: about 25,000 lines of BASIC, or five full background-job outputs
  storageQuota: 1_000_000,
  ratedClock: 10_000_000,
  maxJobOutput: 200_000,
  detachedHours: 24,
  // Four times SYSTAT's "DOWN?" (30 s) and twice a lease's void (60 s): a host so loaded that it
  // misses heartbeats for two minutes is rare; one that crashed waits no longer than that.
  takeoverSeconds: 120,
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
    buffered() {
      return ws.bufferedAmount;
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

/** The line speed a terminal asks for when it connects: `ws://host:port/?baud=110`. */
function askedBaud(url: string | undefined): string | null {
  const q = url?.indexOf('?') ?? -1;
  return q < 0 ? null : new URLSearchParams(url!.slice(q + 1)).get('baud');
}

export class FrontEnd implements System {
  readonly hub: Hub;
  readonly jobs: JobTable;
  readonly hotel: Hotel;
  readonly commands: Registry;
  readonly throttle: LoginThrottle;
  readonly registrations: RegistrationLimiter;
  readonly hashGate: HashGate;
  readonly lines = new Map<number, Session>();
  readonly startedAt = Date.now();
  /** line number -> when its peer last sent anything (the operator console's idle column) */
  readonly lastInput = new Map<number, number>();
  /** Plain HTTP requests on the lines' port (not WebSocket upgrades) go here: server/web/ sets it.
   *  Without it they get 426. */
  web: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  stopping = false;
  readOnly: string | null = null;
  url = '';
  /** set by server/cluster/attach.ts when hosts share the store */
  cluster: ClusterLink | null = null;
  private wss!: WebSocketServer;
  private http!: Server;
  /** lines not logged in, by address (oldest first) */
  private unauth = new Map<string, Set<Session>>();
  private unauthCount = 0;
  /** TCP connections that have not finished the WebSocket handshake, by address (oldest first) */
  private handshaking = new Map<string, Set<Socket>>();
  private handshakeCount = 0;
  private heartbeat: Heartbeat | null = null;
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
    this.jobs = new JobTable(mainframe, this.hub, log, async (owner) => {
      let l;
      try {
        l = (await store.accounts.get(owner))?.limits;
      } catch (err) {
        // the store is away: the server's defaults still bound the user (an operator's higher
        // limit waits for the store to return)
        log.warn({ err: (err as Error).message, user: owner }, "could not read the user's limits; the defaults apply");
      }
      return { jobs: l?.jobs ?? config.maxJobsPerUser, core: l?.core ?? config.maxCorePerUser };
    });
    this.jobs.numbers = (count) => store.nextJobNumber(count);
    this.hotel = new Hotel({ store, jobs: this.jobs, hub: this.hub, log, config });
    this.commands = builtinCommands();
    this.throttle = new LoginThrottle({
      failDelayMs: config.failDelayMs, accountPerMinute: config.loginsPerAccount, addressPerMinute: config.loginsPerAddress, trusted: config.trusted,
    });
    this.registrations = new RegistrationLimiter(config.registrationsPerAddress, config.registrationsPerHour, config.trusted);
    this.hashGate = new HashGate(config.hashConcurrency);
    this.hub.on('login', (e) => this.dropUnauth(e.session as Session));
  }

  /** the lines' pacing clock (tests pass a fake one) */
  private clock: Clock | undefined;

  /**
   * Starts the front end. `beforeRestore` runs before the jobs kept in the store come back (the
   * accountant attaches there, so restored jobs are charged as the rule in README.md says).
   */
  static async start(
    config: ServerOptions,
    deps: {
      store: Store; mainframe: MainframeLike; library: Library; log: Logger; clock?: Clock; system?: string;
      beforeRestore?: (fe: FrontEnd) => void;
    },
  ): Promise<FrontEnd> {
    const fe = new FrontEnd(config, deps.store, deps.mainframe, deps.library, deps.log);
    fe.clock = deps.clock;
    if (deps.system) fe.hotel.host = deps.system;
    deps.beforeRestore?.(fe);
    await fe.hotel.restoreAll();
    fe.hotel.startSweeper();
    await fe.listen();
    return fe;
  }

  dummyHash(): Promise<string> {
    return (this.dummy ??= dummyHash(this.config.scryptN));
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const http = createServer((req, res) => {
        if (this.web) {
          // a web request, not a half-open handshake: no longer counted as one, and no idle
          // timeout while it is answered (a console's event stream stays open; keep-alive and
          // headersTimeout still close idle and slow connections)
          (req.socket as Socket & { [HANDSHAKE_DONE]?: () => void })[HANDSHAKE_DONE]?.();
          req.socket.setTimeout(0);
          return this.web(req, res);
        }
        res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
        res.end('This port serves terminal lines over WebSocket. Use npm run terminal or any ws client.\n');
      });
      // A connection must finish its WebSocket handshake in seconds (ws clears the socket's timeout
      // once it has), and an address may have only so many handshakes open: raw sockets that never
      // speak cannot pile up until the process runs out of file descriptors.
      http.headersTimeout = this.config.handshakeMs;
      http.requestTimeout = this.config.handshakeMs;
      http.on('connection', (socket: Socket) => this.handshakeStarted(socket));
      const wss = new WebSocketServer({ server: http, maxPayload: MAX_PAYLOAD, perMessageDeflate: false, clientTracking: true });
      this.http = http;
      this.wss = wss;
      http.once('error', reject);
      wss.on('error', (err) => this.log.error({ err }, 'server error'));
      http.listen(this.config.port, this.config.host, () => {
        http.off('error', reject);
        http.on('error', (err) => this.log.error({ err }, 'server error'));
        const a = http.address() as AddressInfo;
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        this.url = `ws://${host}:${a.port}`;
        this.heartbeat = new Heartbeat(this.config.heartbeatMs, () => wss.clients);
        this.heartbeat.start();
        resolve();
      });
      wss.on('connection', (ws, req) => this.connect(ws, req));
    });
  }

  /** Most TCP connections one address may have mid-handshake (all together: config.maxHandshakes). */
  static readonly HANDSHAKES_PER_ADDRESS = 16;

  private handshakeStarted(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const mine = this.handshaking.get(address);
    if ((mine?.size ?? 0) >= FrontEnd.HANDSHAKES_PER_ADDRESS && !this.config.trusted.includes(address)) {
      socket.destroy();
      return;
    }
    if (this.handshakeCount >= this.config.maxHandshakes) {
      // All handshake places are taken: the newcomer gets the oldest one of the address holding the
      // most, so 2,000 idle sockets from 125 addresses cannot keep anyone else out.
      let most: Set<Socket> | null = null;
      for (const set of this.handshaking.values()) if (!most || set.size > most.size) most = set;
      const victim = most?.values().next().value;
      if (!victim) {
        socket.destroy();
        return;
      }
      (victim as Socket & { [HANDSHAKE_DONE]?: () => void })[HANDSHAKE_DONE]?.();
      victim.destroy();
    }
    let set = this.handshaking.get(address);
    if (!set) this.handshaking.set(address, (set = new Set()));
    set.add(socket);
    this.handshakeCount++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      this.handshakeCount--;
      const own = this.handshaking.get(address);
      own?.delete(socket);
      if (own && own.size === 0) this.handshaking.delete(address);
    };
    socket.setTimeout(this.config.handshakeMs, () => {
      done();
      socket.destroy();
    });
    socket.once('close', done);
    (socket as Socket & { [HANDSHAKE_DONE]?: () => void })[HANDSHAKE_DONE] = done;
  }

  private dropUnauth(s: Session): void {
    const set = this.unauth.get(s.address);
    if (!set?.delete(s)) return;
    this.unauthCount--;
    if (set.size === 0) this.unauth.delete(s.address);
  }

  /** The line to give up for a newcomer: not logged in, from the address holding the most such
   *  lines, the oldest of them. */
  private evictionVictim(): Session | null {
    let best: Set<Session> | null = null;
    for (const set of this.unauth.values()) if (!best || set.size > best.size) best = set;
    return best ? (best.values().next().value ?? null) : null;
  }

  private allocLine(): number {
    let n = this.lowFree;
    while (this.lines.has(n)) n++;
    this.lowFree = n + 1;
    return n;
  }

  private connect(ws: WebSocket, req: IncomingMessage): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    (req.socket as Socket & { [HANDSHAKE_DONE]?: () => void })[HANDSHAKE_DONE]?.();
    const conn = this.nextConn++;
    ws.on('error', (err) => this.log.warn({ conn, err: err.message }, 'socket error'));
    if (this.stopping) {
      ws.close(1001, 'system going down');
      return;
    }
    const busy = (text: string, why: string) => {
      ws.send(`${text}\r\n`);
      ws.close(1013, why);
    };
    const fromHere = this.unauth.get(address);
    if ((fromHere?.size ?? 0) >= this.config.unauthPerAddress && !this.config.trusted.includes(address)) {
      this.log.warn({ conn, address, unauth: fromHere!.size }, 'too many lines from one address not logged in');
      busy('TOO MANY LINES FROM YOUR ADDRESS ARE NOT LOGGED IN. LOG IN ON ONE OF THEM FIRST.', 'too many lines from this address');
      return;
    }
    // Lines not logged in may hold at most maxLines - lineReserve lines; the reserve is for lines
    // that log in. When a newcomer finds no line, the oldest line not logged in from the address
    // holding the most such lines is given up for it: idle callers cannot keep anyone out.
    const unauthCap = Math.max(1, this.config.maxLines - this.config.lineReserve);
    if (this.lines.size >= this.config.maxLines || this.unauthCount >= unauthCap) {
      const victim = this.evictionVictim();
      if (!victim) {
        this.log.warn({ conn, address, lines: this.lines.size }, 'all lines busy');
        busy('ALL LINES BUSY. PLEASE CALL AGAIN LATER.', 'all lines busy');
        return;
      }
      this.log.warn({ conn, address, victimLine: victim.line, victimAddress: victim.address }, 'line given up for a newcomer');
      victim.hangup('\r\nTHIS LINE IS NEEDED AND YOU HAVE NOT LOGGED IN. GOODBYE.', 'hangup', 1013);
      this.dropUnauth(victim);
      this.lines.delete(victim.line); // its close event follows; the number is free now
      if (victim.line < this.lowFree) this.lowFree = victim.line;
    }
    const line = this.allocLine();
    const log = this.log.child({ line, conn });
    const session = new Session(this, portFor(ws, address), line, log, { baud: askedBaud(req.url), clock: this.clock });
    this.lines.set(line, session);
    let set = this.unauth.get(address);
    if (!set) this.unauth.set(address, (set = new Set()));
    set.add(session);
    this.unauthCount++;
    this.heartbeat?.heard(ws);
    log.info({ address }, 'connect');

    ws.on('pong', () => this.heartbeat?.heard(ws));
    ws.on('message', (data, isBinary) => {
      this.heartbeat?.heard(ws);
      this.lastInput.set(line, Date.now());
      if (isBinary) {
        log.warn('binary frame: closing the line');
        ws.close(1003, 'text frames only');
        return;
      }
      session.input(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
    });
    ws.on('close', (code) => {
      session.dispose(this.stopping ? 'shutdown' : 'dropped');
      this.dropUnauth(session);
      if (this.lines.get(line) === session) {
        this.lines.delete(line);
        this.lastInput.delete(line);
        if (line < this.lowFree) this.lowFree = line;
      }
      log.info({ code }, 'disconnect');
    });
    session.start();
  }

  /**
   * Warns every line, puts every job away in the store (detached; the next start restores them),
   * keeps the workspaces, closes the lines. If the mainframe cannot checkpoint, the jobs are
   * stopped as before (background output is kept).
   */
  async shutdown(why = 'shutdown'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.jobs.closing = true;
    this.log.warn({ why, lines: this.lines.size, jobs: this.jobs.live.size }, 'shutting down');
    for (const s of this.lines.values()) {
      s.notify('*** THE SYSTEM IS GOING DOWN NOW. YOUR JOBS AND YOUR WORKSPACE ARE KEPT: LOG IN AGAIN LATER (ATTACH N TAKES JOB N BACK).');
      if (s.fg) s.release(null, 'shutdown');
    }
    await Promise.all([...this.lines.values()].map((s) => s.keepWorkspace()));
    let kept: number | null = 0;
    try {
      if (this.jobs.live.size) kept = await this.hotel.checkpointAll(true);
    } catch (err) {
      // the store is away: the jobs go on from their last snapshots in the store at the next start
      // (work since then is done again, free: README.md's charging rule)
      this.log.error({ err: (err as Error).message }, 'the jobs could not be put away; they resume from their last snapshots at the next start');
    }
    if (kept === null) {
      this.log.error('the mainframe did not checkpoint: stopping the jobs instead');
      for (const j of [...this.jobs.live.values()]) this.jobs.kill(j.job, 'system shutdown');
    }
    await this.jobs.settle(3000); // background collectors save their .OUT files as their jobs end
    await this.hotel.flush();
    this.hotel.close();
    this.heartbeat?.stop();
    for (const s of [...this.lines.values()]) s.hangup('*** GOODBYE.', 'shutdown', 1001);
    await new Promise<void>((resolve) => {
      this.wss.close(() => this.http.close(() => resolve()));
      this.http.closeIdleConnections?.();
      // peers that do not answer the close handshake are cut off
      setTimeout(() => {
        for (const ws of this.wss.clients) ws.terminate();
        this.http.closeAllConnections(); // handshakes still open
      }, 1000).unref();
    });
  }
}
