// One terminal line from connect to hang-up: a small state machine (login -> command <-> job ->
// closed) and the dispatch of complete lines, strictly in order, one at a time, so pasted text and
// type-ahead are never reordered or dropped. Typed characters are echoed at once (the line
// discipline). Its parts, each in its own file: the login dialog (login.ts), the input waiting to be
// handled and its back-pressure (input.ts), the foreground job's I/O (foreground.ts), the line's
// output at its speed (output.ts).
import type { BasicOptions } from '../basic/options.ts';
import type { Logger } from 'pino';
import { Prompt } from '../../shared/wire.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE, type Account } from '../store/store.ts';
import { crlf, stamp } from './format.ts';
import { Foreground, type Ending } from './foreground.ts';
import type { LineView, LogoutReason } from './hub.ts';
import type { LiveJob } from './jobs.ts';
import type { DoneJob } from './hotel.ts';
import { InputQueue } from './input.ts';
import { LineDiscipline, MAX_INPUT_LINE, type LineEvent } from './line.ts';
import { LoginDialog } from './login.ts';
import { LineOutput, SPEEDS } from './output.ts';
import { realClock, type Clock } from '../../shared/pacer.ts';
import { CommandRate, DEFAULT_COMMANDS_PER_SECOND } from './command-rate.ts';
import type { System } from './system.ts';
import { Workspace } from './workspace.ts';

/** The socket side of a line (server.ts adapts a ws WebSocket to it). */
export interface Port {
  readonly address: string;
  /** `done` runs once the text has been handed to the network (or the line is gone) */
  write(text: string, done?: () => void): void;
  /** characters written and not yet handed to the network */
  buffered(): number;
  close(code: number, reason: string): void;
  /** stop / start reading from the peer (back-pressure on input) */
  pause(): void;
  resume(): void;
}

/**
 * login: the dialog (login.ts) has the line; command: lines are commands and program lines; job:
 * lines are input for the foreground job; closed: hung up or dropped, nothing more is typed.
 */
type Mode = 'login' | 'command' | 'job' | 'closed';

/**
 * Command output waiting on a line (here and in its socket) before the next command waits for it
 * to drain: a peer that stops reading stops being served. With LIST sent in pieces of OUT_PIECE,
 * a line holds at most about OUT_HIGH + OUT_PIECE characters of command output.
 */
const OUT_HIGH = 64 * 1024;
const OUT_LOW = 16 * 1024;
const OUT_PIECE = 16 * 1024;

/** Queued lines handled before the session yields to the event loop. */
const LINES_PER_TURN = 64;

/** A typed line that is a command (a program line or an empty line is not one). */
const isCommand = (ev: LineEvent) => ev.kind === 'line' && ev.text.trim() !== '' && !Workspace.isNumbered(ev.text.trim());

const detachedNote = (job: number) => `JOB ${job} DETACHED. IT GOES ON WITHOUT THIS LINE; ATTACH ${job} TO GO BACK TO IT.`;

export class Session implements LineView {
  readonly workspace = new Workspace();
  readonly connectedAt = Date.now();
  user: string | null = null;
  operator = false;
  loginAt: number | null = null;
  /** the running foreground job */
  fg: LiveJob | null = null;
  log: Logger;
  /** the line's output: its speed, Ctrl-C's discard, back-pressure */
  readonly out: LineOutput;

  private mode: Mode = 'login';
  private disc = new LineDiscipline();
  private queue: InputQueue;
  private login: LoginDialog;
  private fgio: Foreground;
  /** a line is being handled (pump) */
  private busy = false;
  /** bumped by Ctrl-C: a command typing a long reply stops */
  private outGen = 0;
  private askedBaud: string | null;
  /** how fast this line's commands are carried out (command-rate.ts) */
  private rate: CommandRate;
  private clock: Clock;

  constructor(
    private sys: System,
    private port: Port,
    readonly line: number,
    log: Logger,
    opts: { baud?: string | null; clock?: Clock } = {},
  ) {
    this.log = log;
    this.out = new LineOutput({ send: (t, done) => port.write(t, done), buffered: () => port.buffered() }, opts.clock);
    this.askedBaud = opts.baud ?? null;
    this.queue = new InputQueue(port);
    this.clock = opts.clock ?? realClock;
    this.rate = new CommandRate(sys.config.commandsPerSecond ?? DEFAULT_COMMANDS_PER_SECOND, () => this.clock.now());
    // the parts see the line through narrow views, not the Session's whole surface
    const self = this;
    this.login = new LoginDialog(sys, {
      get address() { return self.address; },
      get log() { return self.log; },
      get closed() { return self.mode === 'closed'; },
      get loggingIn() { return self.mode === 'login'; },
      get echo() { return self.disc.echo; },
      set echo(on: boolean) { self.disc.echo = on; },
      print: (text) => this.print(text),
      println: (...lines) => this.println(...lines),
      hangup: (message, reason) => this.hangup(message, reason),
      stepDone: () => this.releaseHeld(),
      loggedIn: (account, at, previous) => this.loggedInAs(account, at, previous),
    });
    this.fgio = new Foreground(sys, {
      get closed() { return self.mode === 'closed'; },
      out: this.out,
      print: (text) => this.print(text),
      println: (...lines) => this.println(...lines),
      wantsInput: () => void this.pump(),
      ended: (e, job) => this.foregroundEnded(e, job),
    }, this);
  }

  /** Sets the line speed; false (and nothing changes) unless it is one of SPEEDS. */
  setSpeed(baud: number): boolean {
    if (!(SPEEDS as readonly number[]).includes(baud)) return false;
    this.out.baud = baud;
    return true;
  }

  get address(): string {
    return this.port.address;
  }

  /** What SYSTAT shows for the line. */
  get state(): string {
    if (this.mode === 'job' && this.fg) return `RUN ${this.fg.name}`;
    if (this.mode === 'command') return this.busy ? 'COMMAND' : 'IDLE';
    if (this.mode === 'closed') return 'HANGING UP';
    return 'LOGIN';
  }

  get loggedIn(): boolean {
    return this.user !== null && this.mode !== 'closed';
  }

  print(text: string): void {
    if (this.mode !== 'closed') this.out.write(text);
  }

  /** Types a long reply (LIST) in pieces, each once the line has room: a peer that does not read
   *  holds the command, not the server's memory. Stops at Ctrl-C or hang-up. */
  async printLong(text: string): Promise<void> {
    const gen = this.outGen;
    for (let i = 0; i < text.length; i += OUT_PIECE) {
      if (this.out.pending > OUT_HIGH) await this.out.below(OUT_LOW);
      if (gen !== this.outGen || this.mode === 'closed') return;
      this.out.write(text.slice(i, i + OUT_PIECE));
    }
  }

  println(...lines: string[]): void {
    this.print(crlf(lines));
  }

  /** A message from outside (BROADCAST, shutdown) typed on a line of its own; the user's partly
   *  typed line is typed again after it. */
  notify(text: string): void {
    const partial = this.disc.echo ? this.disc.pending : '';
    this.print(`\r\n${text}\r\n${partial}`);
  }

  start(): void {
    const banner = this.sys.config.banner ?? `TIMESHARE  ${stamp(Date.now())}  LINE ${this.line}`;
    // the terminal may ask for a line speed when it connects (ws://host:port/?baud=110)
    const asked = this.askedBaud;
    const speedNote = asked !== null && !(/^\d{1,6}$/.test(asked) && this.setSpeed(Number(asked)))
      ? `SPEED ${asked.slice(0, 12).toUpperCase()} IS NOT OFFERED; THE LINE IS UNPACED. SPEEDS: ${SPEEDS.join(' ')}.\r\n`
      : '';
    this.print(`${banner}\r\n\r\n${speedNote}`);
    this.login.start();
  }

  // ---- input ------------------------------------------------------------------------------------

  input(chars: string): void {
    if (this.mode === 'closed') return;
    this.login.heard();
    if (this.queue.holding) {
      this.queue.add(chars);
      return;
    }
    this.consume(chars);
  }

  private consume(chars: string): void {
    const events: LineEvent[] = [];
    const login = this.mode === 'login';
    const echo = this.disc.feed(chars, events, login);
    let dropped = 0;
    if (events.some((e) => e.kind === 'interrupt')) {
      // Ctrl-C: what was not sent yet is thrown away, and the ^C and what the system says next go
      // out at once, whatever the line's speed
      dropped = this.out.discard();
      this.outGen++;
      if (this.fg || this.busy || dropped > 0) this.out.hurry();
    }
    if (echo) this.print(echo);
    const rest = this.disc.rest;
    if (login) {
      // at most one line (the last event): the login step decides whether the next is echoed, so
      // what follows it is held until then. A Ctrl-C here has already thrown away the partial
      // line; there is no job to stop.
      const ev = events.find((e) => e.kind === 'line' || e.kind === 'toolong');
      if (!ev) return;
      this.queue.hold(rest);
      this.login.handle(ev);
      return;
    }
    for (const ev of events) {
      if (ev.kind === 'interrupt') this.interrupt(dropped);
      else if (ev.kind === 'detach') this.detachKey();
      else this.queue.push(ev);
    }
    this.queue.pauseIfFull();
    // Most frames are one keystroke and complete no line: nothing to dispatch, and no promise made
    // for it (a thousand typists send ten thousand such frames a second).
    if (this.queue.length) void this.pump();
    else if (!this.busy) this.queue.settle();
  }

  /** Typed again after a login step: what arrived while it was being decided. */
  private releaseHeld(): void {
    const h = this.queue.release();
    if (h && this.mode !== 'closed') this.consume(h);
  }

  private interrupt(dropped: number): void {
    this.queue.clear(); // Ctrl-C also throws away type-ahead
    if (this.fg) {
      this.sys.jobs.interrupt(this.fg.job);
      this.fgio.lineEnded(); // the ^C echo ended the line
    } else if (this.mode === 'job' || (this.mode === 'command' && this.busy)) {
      this.keyWhenStarted = 'interrupt'; // a job may be being started (RUN): stopped once it exists
    } else if (this.mode === 'command' && !this.busy && dropped > 0) {
      this.ready(); // a reply was cut short (its READY. with it): the user is told we are ready
    }
  }

  /** The attention key (Ctrl-D): the running job goes on without this line, which is READY. again. */
  private detachKey(): void {
    if (this.mode !== 'job' && !(this.mode === 'command' && this.busy)) return;
    if (!this.fg) {
      // The job is still being started (its number and record come from the store, which may be
      // a network or a thread away): it is detached as soon as it exists (runForeground).
      this.keyWhenStarted ??= 'detach';
      return;
    }
    this.queue.clear(); // type-ahead meant for the job is thrown away, as with Ctrl-C
    this.fgio.lineEnded(); // the ^D echo ended the line
    this.release(detachedNote(this.fg.job), 'detach key');
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    let handled = 0;
    try {
      while (this.queue.length && this.mode !== 'closed') {
        // A pasted program arrives as thousands of lines in a few frames, and handling them is
        // all microtasks: give the event loop back every so often, so that one line's paste never
        // holds up the echoes of the others (measured: a 10,000-line paste held the loop ~60 ms).
        if (++handled % LINES_PER_TURN === 0) await new Promise<void>((r) => setImmediate(r));
        if ((this.mode as Mode) === 'closed') break; // hung up while we yielded
        if (this.mode === 'job' && !this.fg) break; // the job is ending: these lines wait for READY.
        // Type-ahead stays here until the job asks for a line, one at a time: what it never reads
        // is run as commands once it ends (as TOPS-10 does), in order.
        if (this.mode === 'job' && !this.fgio.wantsLine && this.queue.peek()!.kind === 'line') break;
        // A peer that does not read its replies is not served more of them (each command's reply
        // waits for room), so a frame of thousands of LISTs cannot fill the server's memory.
        if (this.mode === 'command' && this.out.pending > OUT_HIGH) {
          await this.out.below(OUT_LOW);
          continue;
        }
        // A command beyond the line's rate waits for its turn (type-ahead queues behind it, and a
        // long queue stops the socket): a script's command loop costs its own line time, not the
        // echoes of everybody else.
        if (this.mode === 'command' && isCommand(this.queue.peek()!)) {
          const wait = this.rate.take();
          if (wait > 0) {
            await new Promise<void>((r) => this.clock.setTimeout(r, wait));
            // a Ctrl-C meanwhile threw the waiting commands away: the line is ready again
            if (this.queue.length === 0 && this.mode === 'command') this.ready();
            continue;
          }
        }
        const ev = this.queue.take();
        if (ev.kind === 'toolong') {
          this.println(`LINE TOO LONG (${ev.length} CHARACTERS; ${MAX_INPUT_LINE} AT MOST). IGNORED.`);
          if (this.mode === 'command') this.ready(); // a job's input line has no prompt to repeat
          continue;
        }
        if (ev.kind !== 'line') continue;
        if (this.mode === 'job' && this.fg) {
          this.fgio.send(this.fg.job, ev.text);
          continue;
        }
        if (this.mode === 'command') {
          try {
            await this.command(ev.text);
          } catch (err) {
            // e.g. the store refused: the user hears so, nothing else is lost, the next line is read
            if (isStoreUnavailable(err)) {
              this.log.warn({ err: (err as Error).message }, 'command needs the store, which is unavailable');
              this.println(STORE_UNAVAILABLE);
            } else {
              this.log.error({ err }, 'command failed');
              this.println('SYSTEM ERROR. YOUR COMMAND WAS NOT COMPLETED.');
            }
            if (this.mode === 'command') this.ready();
          }
        }
      }
    } finally {
      this.busy = false;
    }
    this.queue.settle();
  }

  ready(): void {
    this.println(Prompt.READY);
    this.out.calm(); // after a Ctrl-C's hurry, the line's speed again
  }

  private async command(text: string): Promise<void> {
    const line = text.trim();
    if (line === '') return;
    if (Workspace.isNumbered(line)) {
      const r = this.workspace.edit(text);
      if (!r.ok) this.println(r.error);
      return;
    }
    const m = /^(\S+)\s*(.*)$/s.exec(line)!;
    const keyword = m[1].toUpperCase();
    const cmd = this.sys.commands.find(keyword);
    if (!cmd || (cmd.operator && !this.operator)) {
      this.println(`WHAT? ${keyword.slice(0, 20)} IS NOT A COMMAND. TYPE HELP FOR A LIST.`);
      this.ready();
      return;
    }
    this.keyWhenStarted = null;
    await cmd.run({ session: this, sys: this.sys, args: m[2].trim(), keyword });
    this.keyWhenStarted = null; // a key meant for a job this command did not start
    if (this.mode === 'command') this.ready();
  }

  // ---- the foreground job -----------------------------------------------------------------------

  /** Starts the workspace program (or given source) as this line's foreground job. */
  async runForeground(name: string, lang: 'basic' | 'asm', source: string, basic?: BasicOptions): Promise<void> {
    const sink = this.fgio.begin(false);
    this.mode = 'job';
    const r = await this.sys.jobs.start({ owner: this.user!, line: this.line, name, lang, source, ...(basic ? { basic } : {}), sink, session: this });
    if (typeof r === 'string') {
      if (this.mode === 'job') this.mode = 'command';
      this.println(r);
      return;
    }
    if ((this.mode as Mode) === 'closed') {
      // the line dropped while the job was being started: it goes on detached
      if (r.state !== 'stopped') this.sys.hotel.detach(r, 'line dropped');
      return;
    }
    if (r.state !== 'stopped') this.fg = r;
    const key = this.keyWhenStarted;
    this.keyWhenStarted = null;
    if (key === 'interrupt' && this.fg) {
      this.sys.jobs.interrupt(this.fg.job);
      this.fgio.lineEnded();
    } else if (key === 'detach' && this.fg) {
      // as the detach key does, except that READY. comes from the end of the RUN itself
      const job = this.fg;
      this.fg = null;
      this.queue.clear();
      this.fgio.lineEnded();
      this.fgio.note(detachedNote(job.job));
      this.sys.hotel.detach(job, 'detach key');
      this.mode = 'command';
    }
  }

  /** Ctrl-C or Ctrl-D typed while the foreground job was being started (Ctrl-C wins). */
  private keyWhenStarted: 'interrupt' | 'detach' | null = null;

  /** ATTACH: a detached job becomes this line's foreground job; what it typed meanwhile comes first. */
  attach(job: LiveJob): void {
    const sink = this.fgio.begin(job.state === 'waiting for input');
    const kept = this.sys.hotel.attached(job, sink);
    this.mode = 'job';
    this.fg = job;
    this.println(`JOB ${job.job} ${job.name} ATTACHED.`);
    const give = () => {
      for (const d of kept.held) d();
    };
    if (kept.text) sink.output(kept.text, give);
    else give();
    if (job.state === 'waiting for input') void this.pump();
  }

  /** ATTACH of a detached job that has ended: its output and how it ended, then READY. */
  attachDone(done: DoneJob): Promise<void> {
    return this.fgio.typeDone(done);
  }

  /** The foreground job leaves this line (detached), which returns to READY. after `note` (null:
   *  quietly, the line is about to go). */
  release(note: string | null, why: string): void {
    const job = this.fg;
    if (!job) return;
    this.fg = null;
    this.sys.hotel.detach(job, why);
    if (this.mode !== 'job') return;
    this.mode = 'command';
    if (note === null) return;
    this.fgio.note(note);
    this.ready();
    void this.pump();
  }

  private async foregroundEnded(e: Ending, job: LiveJob): Promise<void> {
    if (this.fg === job) this.fg = null;
    if (this.mode !== 'job') return;
    await this.fgio.typeEnd(e, job);
    if (this.mode !== 'job') return;
    this.mode = 'command';
    this.ready();
    void this.pump(); // lines typed after the job ended are commands again
  }

  // ---- logged in --------------------------------------------------------------------------------

  /** The login dialog is over: the line is the user's (see LoginLine.loggedIn). */
  private async loggedInAs(account: Account, now: number, previous: number | null | undefined): Promise<void> {
    this.user = account.name;
    this.operator = account.operator;
    this.loginAt = now;
    this.log = this.log.child({ user: account.name });
    this.log.info({ operator: account.operator }, 'login');
    this.println(previous === null ? `WELCOME, ${account.name}. FIRST LOGIN.` : previous === undefined ? `WELCOME, ${account.name}.` : `LAST LOGIN ${stamp(previous)}.`);
    if (this.sys.readOnly !== null) this.println(`*** THE SYSTEM IS READ-ONLY: ${this.sys.readOnly}`, '*** YOU CAN LIST AND LOAD YOUR PROGRAMS; NOTHING CAN BE SAVED OR RUN.');
    this.mode = 'command';
    this.sys.hub.emit('login', { session: this, at: now, previousLogin: previous ?? null });
    await this.welcomeBack(account.name);
    if (this.mode !== 'command') return;
    this.ready();
  }

  /** The workspace kept from a dropped line or a restart, and the detached jobs waiting. */
  private async welcomeBack(user: string): Promise<void> {
    try {
      const ws = await this.sys.store.hotel.takeWorkspace(user);
      if (ws && this.workspace.size === 0) {
        const r = this.workspace.load(ws.name ?? 'NONAME', ws.lang === 'text' || ws.lang === 'asm' ? ws.lang : 'basic', ws.text);
        if (ws.name === null) this.workspace.name = null;
        if (r.ok) {
          const n: number = this.workspace.size;
          const what = ws.lang === 'text' ? 'TEXT' : `${n} LINE${n === 1 ? '' : 'S'}`;
          this.println(`YOUR WORKSPACE ${ws.name ?? '(NO NAME)'} (${what}) WAS KEPT FROM ${stamp(ws.keptAt)}; IT IS BACK. SAVE IT IF YOU WANT TO KEEP IT.`);
        }
      }
      const text = await this.sys.hotel.greeting(user);
      if (text && this.mode === 'command') this.print(text);
    } catch (err) {
      this.log.error({ err }, 'welcome back failed');
    }
  }

  /** Keeps the workspace in the store when the line goes without BYE (dropped, hung up, shutdown). */
  keepWorkspace(): Promise<void> {
    const ws = this.workspace;
    if (this.user === null || ws.size === 0) return Promise.resolve();
    const kept = { owner: this.user, name: ws.name, lang: ws.lang, text: ws.source(), keptAt: Date.now() };
    return this.sys.store.hotel.keepWorkspace(kept).catch((err) => this.log.error({ err }, 'could not keep the workspace'));
  }

  // ---- hanging up -------------------------------------------------------------------------------

  /** Types a last message and closes the line. */
  hangup(message: string, reason: LogoutReason, code = 1000): void {
    if (this.mode === 'closed') return;
    this.out.hurry(); // the last words go out now, whatever the line's speed
    this.println(message);
    this.dispose(reason);
    this.port.close(code, reason);
  }

  /** The line is gone (or going): its foreground job is detached (it goes on; ATTACH takes it
   *  back), background jobs go on, and unless the user said BYE the workspace is kept. */
  dispose(reason: LogoutReason): void {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    this.login.stop();
    this.queue.clear();
    this.queue.drop();
    this.out.close();
    if (this.fg) {
      const job = this.fg;
      this.fg = null;
      this.sys.hotel.detach(job, reason === 'dropped' ? 'line dropped' : 'line hung up');
    }
    if (reason !== 'bye' && reason !== 'shutdown') void this.keepWorkspace();
    if (this.user !== null) {
      const at = Date.now();
      this.log.info({ reason, connectMs: at - (this.loginAt ?? at) }, 'logout');
      this.sys.hub.emit('logout', { session: this, at, reason });
    }
  }
}
