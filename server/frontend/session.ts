// One terminal line from connect to hang-up: the login dialog, then commands and program lines, and
// a foreground job's input and output. Typed characters are echoed at once (the line discipline);
// complete lines are handled strictly in order, one at a time, so pasted text and type-ahead are
// never reordered or dropped.
import type { BasicOptions } from '../basic/options.ts';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Prompt } from '../../shared/wire.ts';
import type { EndReason, Meters } from '../monitor/protocol.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE, type Account } from '../store/store.ts';
import { crlf, stamp } from './format.ts';
import type { LineView, LogoutReason } from './hub.ts';
import type { JobSink, LiveJob } from './jobs.ts';
import type { DoneJob } from './hotel.ts';
import { LineDiscipline, MAX_INPUT_LINE, type LineEvent } from './line.ts';
import { userName } from './names.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { LineOutput, SPEEDS, type Clock } from './output.ts';
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

type Mode = 'user' | 'password' | 'new-password' | 'retype' | 'command' | 'job' | 'closed';

export const MAX_LOGIN_FAILURES = 3;
export const MIN_PASSWORD = 4;
export const MAX_PASSWORD = 64;
/** Complete lines waiting for a command to finish before the line stops reading its socket. */
const QUEUE_HIGH = 256;
const QUEUE_LOW = 16;
/**
 * Command output waiting on a line (here and in its socket) before the next command waits for it
 * to drain: a peer that stops reading stops being served. With LIST sent in pieces of OUT_PIECE,
 * a line holds at most about OUT_HIGH + OUT_PIECE characters of command output.
 */
const OUT_HIGH = 64 * 1024;
const OUT_LOW = 16 * 1024;
const OUT_PIECE = 16 * 1024;
/** Characters typed during a login step that are held until it finishes. */
const HELD_MAX = 16 * 1024;

/** Queued lines handled before the session yields to the event loop. */
const LINES_PER_TURN = 64;

export class Session implements LineView {
  readonly workspace = new Workspace();
  readonly connectedAt = Date.now();
  user: string | null = null;
  operator = false;
  loginAt: number | null = null;
  /** the running foreground job */
  fg: LiveJob | null = null;
  log: Logger;

  private mode: Mode = 'user';
  private disc = new LineDiscipline();
  private queue: LineEvent[] = [];
  private busy = false;
  private paused = false;
  /** characters typed while a login step is being decided (the next line may be a password) */
  private held: string | null = null;
  private failures = 0;
  /** a line was sent to the foreground job since it last said it waits for input */
  private inputSent = false;
  /** the foreground job waits for a line (its last state) */
  private jobWaits = false;
  /** the line's output: its speed, Ctrl-C's discard, back-pressure */
  readonly out: LineOutput;
  /** bumped by Ctrl-C: a command typing a long reply stops */
  private outGen = 0;
  private loginTimer: NodeJS.Timeout | null = null;
  /** hangs up a line that types nothing before logging in (re-armed by every frame) */
  private silenceTimer: NodeJS.Timeout | null = null;
  private candidate: { name: string; account: Account | null } | null = null;
  private newPassword: string | null = null;
  private lastOutCR = false;
  /** the compiler's errors were typed, so a rejected job's end message would repeat them */
  private errorsShown = false;
  /** the job's output so far ended a line */
  private lastOutLF = true;

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
  }

  private askedBaud: string | null;

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
    this.promptUser();
    const timeout = () => {
      if (this.user === null) this.hangup('\r\nTIME OUT: NO LOGIN. GOODBYE.', 'hangup');
    };
    this.loginTimer = setTimeout(timeout, this.sys.config.loginTimeoutMs);
    this.loginTimer.unref();
    this.silenceTimer = setTimeout(timeout, this.sys.config.loginSilenceMs);
    this.silenceTimer.unref();
  }

  private clearLoginTimers(): void {
    if (this.loginTimer) clearTimeout(this.loginTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.loginTimer = this.silenceTimer = null;
  }

  // ---- input ------------------------------------------------------------------------------------

  input(chars: string): void {
    if (this.mode === 'closed') return;
    this.silenceTimer?.refresh();
    if (this.held !== null) {
      this.held += chars;
      if (this.held.length > HELD_MAX) this.pauseInput();
      return;
    }
    this.consume(chars);
  }

  private consume(chars: string): void {
    const events: LineEvent[] = [];
    const login = this.inLogin();
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
      // at most one line (the last event): the login step decides whether the next is echoed.
      // A Ctrl-C here has already thrown away the partial line; there is no job to stop.
      const ev = events.find((e) => e.kind === 'line' || e.kind === 'toolong');
      if (!ev) return;
      this.held = rest;
      this.loginEvent(ev);
      return;
    }
    for (const ev of events) {
      if (ev.kind === 'interrupt') this.interrupt(dropped);
      else if (ev.kind === 'detach') this.detachKey();
      else this.queue.push(ev);
    }
    if (this.queue.length > QUEUE_HIGH) this.pauseInput();
    void this.pump();
  }

  private inLogin(): boolean {
    return this.mode === 'user' || this.mode === 'password' || this.mode === 'new-password' || this.mode === 'retype';
  }

  private pauseInput(): void {
    if (!this.paused) {
      this.paused = true;
      this.port.pause();
    }
  }

  private resumeInput(): void {
    if (this.paused) {
      this.paused = false;
      this.port.resume();
    }
  }

  /** Typed again after a login step: what arrived while it was being decided. */
  private releaseHeld(): void {
    const h = this.held;
    this.held = null;
    this.resumeInput();
    if (h && this.mode !== 'closed') this.consume(h);
  }

  private interrupt(dropped: number): void {
    this.queue.length = 0; // Ctrl-C also throws away type-ahead
    if (this.fg) {
      this.sys.jobs.interrupt(this.fg.job);
      this.lastOutLF = true; // the ^C echo ended the line
    } else if (this.mode === 'command' && !this.busy && dropped > 0) {
      this.ready(); // a reply was cut short (its READY. with it): the user is told we are ready
    }
  }

  /** The attention key (Ctrl-D): the running job goes on without this line, which is READY. again. */
  private detachKey(): void {
    if (!this.fg || this.mode !== 'job') return;
    this.queue.length = 0; // type-ahead meant for the job is thrown away, as with Ctrl-C
    this.lastOutLF = true; // the ^D echo ended the line
    this.release(`JOB ${this.fg.job} DETACHED. IT GOES ON WITHOUT THIS LINE; ATTACH ${this.fg.job} TO GO BACK TO IT.`, 'detach key');
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
    this.print(`${this.lastOutLF ? '' : '\r\n'}${note}\r\n`);
    this.lastOutLF = true;
    this.ready();
    void this.pump();
  }

  /** ATTACH: a detached job becomes this line's foreground job; what it typed meanwhile comes first. */
  attach(job: LiveJob): void {
    const sink = this.foregroundSink();
    this.inputSent = false;
    this.jobWaits = job.state === 'waiting for input';
    this.lastOutCR = false;
    this.lastOutLF = true;
    this.errorsShown = false;
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
  async attachDone(done: DoneJob): Promise<void> {
    this.sys.hotel.forgetDone(done.job, false);
    this.lastOutCR = false;
    this.lastOutLF = true;
    this.println(`JOB ${done.job} ${done.name} ATTACHED. IT HAS ENDED.`);
    if (done.kept) this.print(this.onlcr(done.kept));
    const e = done.end;
    const lead = this.lastOutLF ? '' : '\r\n';
    if (e.reason === 'interrupted') this.print(`${lead}STOPPED.\r\n`);
    else if (e.message) this.print(`${lead}${e.message}\r\n`);
    else this.print(lead);
    const view = { job: done.job, owner: done.owner, line: done.line, name: done.name, lang: done.lang, startedAt: done.startedAt };
    const texts = await this.sys.hub.ask('afterRun', this, { job: view, at: e.at, reason: e.reason, status: e.status, message: e.message, meters: e.meters });
    for (const t of texts) this.print(t.endsWith('\n') ? t : t + '\r\n');
  }

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
        if (this.mode === 'job' && (!this.jobWaits || this.inputSent) && this.queue[0].kind === 'line') break;
        // A peer that does not read its replies is not served more of them (each command's reply
        // waits for room), so a frame of thousands of LISTs cannot fill the server's memory.
        if (this.mode === 'command' && this.out.pending > OUT_HIGH) {
          await this.out.below(OUT_LOW);
          continue;
        }
        const ev = this.queue.shift()!;
        if (this.queue.length < QUEUE_LOW) this.resumeInput();
        if (ev.kind === 'toolong') {
          this.println(`LINE TOO LONG (${ev.length} CHARACTERS; ${MAX_INPUT_LINE} AT MOST). IGNORED.`);
          if (this.mode === 'command') this.ready(); // a job's input line has no prompt to repeat
          continue;
        }
        if (ev.kind !== 'line') continue;
        if (this.mode === 'job' && this.fg) {
          this.inputSent = true;
          this.sys.jobs.input(this.fg.job, ev.text);
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
    if (this.queue.length < QUEUE_LOW) this.resumeInput();
  }

  // ---- commands ---------------------------------------------------------------------------------

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
    await cmd.run({ session: this, sys: this.sys, args: m[2].trim(), keyword });
    if (this.mode === 'command') this.ready();
  }

  /** Starts the workspace program (or given source) as this line's foreground job. */
  async runForeground(name: string, lang: 'basic' | 'asm', source: string, basic?: BasicOptions): Promise<void> {
    const sink = this.foregroundSink();
    this.inputSent = false;
    this.jobWaits = false;
    this.lastOutCR = false;
    this.lastOutLF = true;
    this.errorsShown = false;
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
  }

  /** Where a foreground job's output and end go: this line. */
  private foregroundSink(): JobSink {
    return {
      output: (text, done) => {
        if (this.mode === 'closed') return done();
        this.out.write(this.onlcr(text), done);
      },
      compiled: (errors, warnings) => {
        const msgs = [...errors, ...warnings];
        if (errors.length) this.errorsShown = true;
        if (msgs.length) this.println(...msgs);
      },
      state: (state) => {
        this.jobWaits = state === 'waiting for input';
        if (!this.jobWaits) return;
        this.inputSent = false; // it has read what was sent and asks for the next line
        void this.pump();
      },
      ended: (e, job) => this.foregroundEnded(e, job),
    };
  }

  /** Programs end lines with LF; a teletype needs CR LF (Unix calls this ONLCR). */
  private onlcr(text: string): string {
    let out = text.replace(/(?<!\r)\n/g, '\r\n');
    if (this.lastOutCR && text.startsWith('\n')) out = out.slice(1);
    this.lastOutCR = text.endsWith('\r');
    this.lastOutLF = text.endsWith('\n');
    return out;
  }

  private async foregroundEnded(e: { reason: EndReason; status: number; message: string; meters: Meters }, job: LiveJob): Promise<void> {
    if (this.fg === job) this.fg = null;
    if (this.mode !== 'job') return;
    // the job's last line may lack its CR LF
    const lead = this.lastOutLF ? '' : '\r\n';
    if (e.reason === 'interrupted') this.print(`${lead}STOPPED.\r\n`);
    else if (e.message && !(e.reason === 'rejected' && this.errorsShown)) this.print(`${lead}${e.message}\r\n`);
    else this.print(lead);
    const texts = await this.sys.hub.ask('afterRun', this, {
      job, at: Date.now(), reason: e.reason, status: e.status, message: e.message, meters: e.meters,
    });
    for (const t of texts) this.print(t.endsWith('\n') ? t : t + '\r\n');
    if (this.mode !== 'job') return;
    this.mode = 'command';
    this.ready();
    void this.pump(); // lines typed after the job ended are commands again
  }

  // ---- login ------------------------------------------------------------------------------------

  private promptUser(): void {
    this.mode = 'user';
    this.disc.echo = true;
    this.print(Prompt.USER);
  }

  private promptPassword(mode: 'password' | 'new-password' | 'retype'): void {
    this.mode = mode;
    this.disc.echo = false;
    this.print(Prompt.PASSWORD);
  }

  /** Handles one login line; what was typed after it (`held`) is read once the step is decided. */
  private loginEvent(ev: LineEvent): void {
    if (ev.kind === 'toolong') {
      this.println(`LINE TOO LONG (${MAX_INPUT_LINE} CHARACTERS AT MOST).`);
      this.candidate = null;
      this.promptUser();
      this.releaseHeld();
      return;
    }
    if (ev.kind !== 'line') return;
    this.loginStep(ev.text)
      .catch((err) => {
        if (isStoreUnavailable(err)) {
          this.log.warn({ err: (err as Error).message }, 'login needs the store, which is unavailable');
          this.println(STORE_UNAVAILABLE);
        } else {
          this.log.error({ err }, 'login step failed');
          this.println('SYSTEM ERROR. TRY AGAIN.');
        }
        if (this.inLogin()) this.promptUser();
      })
      .finally(() => this.releaseHeld());
  }

  private async loginStep(text: string): Promise<void> {
    switch (this.mode) {
      case 'user': {
        if (text.trim() === '') return this.promptUser();
        const u = userName(text);
        if ('error' in u) {
          this.println(u.error);
          return this.promptUser();
        }
        const account = await this.sys.store.accounts.get(u.name);
        this.candidate = { name: u.name, account };
        if (!account && this.sys.readOnly !== null) {
          this.println('NO NEW ACCOUNTS CAN BE MADE NOW: THE SYSTEM IS READ-ONLY.');
          this.candidate = null;
          return this.promptUser();
        }
        if (!account && this.sys.config.register && !this.sys.stopping) {
          const wait = this.sys.registrations.check(this.address);
          if (wait !== null) {
            this.log.warn({ waitMs: wait }, 'registration refused: too many new accounts');
            this.println(`NO NEW ACCOUNTS CAN BE MADE FROM HERE FOR ${Math.ceil(wait / 60_000)} MINUTE${wait > 60_000 ? 'S' : ''}.`);
            this.candidate = null;
            return this.promptUser();
          }
          this.println(`NEW USER ${u.name}. CHOOSE A PASSWORD (${MIN_PASSWORD} TO ${MAX_PASSWORD} CHARACTERS).`);
          return this.promptPassword('new-password');
        }
        return this.promptPassword('password');
      }
      case 'password': {
        const c = this.candidate!;
        // Decided before hashing, for every attempt: see throttle.ts.
        const v = this.sys.throttle.attempt(this.address, c.name, c.account !== null);
        if (!v.ok) {
          this.disc.echo = true;
          this.log.warn({ ...this.nameForLog(c), why: v.why, retryMs: v.retryMs }, 'login attempt refused: too many');
          this.println(`TOO MANY LOGIN ATTEMPTS ${v.why === 'account' ? 'FOR THIS NAME' : 'FROM YOUR ADDRESS'}. TRY AGAIN IN ${Math.ceil(v.retryMs / 1000)} SECONDS.`);
          this.candidate = null;
          return this.promptUser();
        }
        if (v.waitMs > 0) await new Promise((r) => setTimeout(r, v.waitMs));
        if ((this.mode as Mode) === 'closed') return; // hung up while waiting: nothing is hashed
        // an unknown name costs the same scrypt as a known one, so timing does not tell them apart
        const hash = c.account?.password ?? (await this.sys.dummyHash());
        const ok = await this.sys.hashGate.run(() => verifyPassword(text, hash), () => this.mode !== 'closed');
        if ((this.mode as Mode) === 'closed') return;
        this.disc.echo = true;
        if (ok === null) {
          this.println('THE SYSTEM IS BUSY. TRY AGAIN IN A MOMENT.');
          this.candidate = null;
          return this.promptUser();
        }
        if (ok && c.account) {
          this.sys.throttle.succeeded(c.name);
          return this.loggedIn_(c.account);
        }
        return this.failed('INCORRECT USER NAME OR PASSWORD.', c);
      }
      case 'new-password': {
        if (text.length < MIN_PASSWORD || text.length > MAX_PASSWORD) {
          this.println(`A PASSWORD HAS ${MIN_PASSWORD} TO ${MAX_PASSWORD} CHARACTERS. CHOOSE ANOTHER.`);
          return this.promptPassword('new-password');
        }
        this.newPassword = text;
        this.println('TYPE IT AGAIN.');
        return this.promptPassword('retype');
      }
      case 'retype': {
        const c = this.candidate!;
        const first = this.newPassword;
        this.newPassword = null;
        this.disc.echo = true;
        if (first !== text) return this.failed('THE PASSWORDS DO NOT MATCH.', c);
        const wait = this.sys.registrations.check(this.address);
        if (wait !== null) {
          this.println(`NO NEW ACCOUNTS CAN BE MADE FROM HERE FOR ${Math.ceil(wait / 60_000)} MINUTE${wait > 60_000 ? 'S' : ''}.`);
          return this.promptUser();
        }
        this.sys.registrations.take(this.address);
        const hash = await this.sys.hashGate.run(() => hashPassword(text, this.sys.config.scryptN), () => this.mode !== 'closed');
        if ((this.mode as Mode) === 'closed') return;
        if (hash === null) {
          this.println('THE SYSTEM IS BUSY. TRY AGAIN IN A MOMENT.');
          return this.promptUser();
        }
        if (!(await this.sys.store.accounts.create({ name: c.name, password: hash }))) {
          this.println(`THE NAME ${c.name} WAS TAKEN A MOMENT AGO. CHOOSE ANOTHER.`);
          return this.promptUser();
        }
        this.log.info({ user: c.name }, 'account registered');
        this.println(`ACCOUNT ${c.name} CREATED.`);
        const account = await this.sys.store.accounts.get(c.name);
        return this.loggedIn_(account!);
      }
      default:
        return;
    }
  }

  /** The name as the log may show it: a name that is no account may be a password typed at
   *  USER NAME--, so only a short hash of it is logged (enough to see one name tried many times). */
  private nameForLog(c: { name: string; account: Account | null }): { user: string } | { nameHash: string } {
    return c.account ? { user: c.name } : { nameHash: createHash('sha256').update(c.name).digest('hex').slice(0, 12) };
  }

  private async failed(message: string, c: { name: string; account: Account | null }): Promise<void> {
    this.failures++;
    // per address (one guesser trying many names) and per account (many addresses, one name): the
    // next attempt from either waits longer, before its hash (throttle.ts)
    const fromAddress = this.sys.throttle.failed(this.address, c.name, c.account !== null);
    this.log.warn({ ...this.nameForLog(c), failures: this.failures, addressFailures: fromAddress }, 'login failed');
    if (this.mode === 'closed') return;
    this.println(message);
    if (this.failures >= MAX_LOGIN_FAILURES) {
      this.hangup('TOO MANY FAILURES. GOODBYE.', 'hangup');
      return;
    }
    this.candidate = null;
    this.promptUser();
  }

  private async loggedIn_(account: Account): Promise<void> {
    if (this.mode === 'closed') return;
    const now = Date.now();
    // A full or damaged disk must not lock everyone out: the login goes on without the record.
    let previous: number | null | undefined;
    try {
      previous = await this.sys.store.accounts.recordLogin(account.name, now);
    } catch (err) {
      this.log.error({ err: (err as Error).message, user: account.name }, 'could not record the login; logging in anyway');
      previous = account.lastLogin ?? undefined;
    }
    if ((this.mode as Mode) === 'closed') return;
    this.user = account.name;
    this.operator = account.operator;
    this.clearLoginTimers();
    this.loginAt = now;
    this.candidate = null;
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
    this.clearLoginTimers();
    this.queue.length = 0;
    this.held = null;
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
