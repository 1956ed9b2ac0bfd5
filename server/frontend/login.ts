// The login dialog of one line: USER NAME--, PASSWORD--, or a new user's password chosen and typed
// twice; the throttle on guessing, the time-outs for a line that never logs in, and the login
// recorded in the store. It ends by handing the account to the session (`LoginLine.loggedIn`) or by
// hanging up. One line at a time: the session holds what is typed while a step is being decided,
// because whether the next line is echoed depends on the answer.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Prompt } from '../../shared/wire.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE, type Account } from '../store/store.ts';
import type { LogoutReason } from './hub.ts';
import { MAX_INPUT_LINE, type LineEvent } from './line.ts';
import { userName } from './names.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { System } from './system.ts';

export const MAX_LOGIN_FAILURES = 3;
export const MIN_PASSWORD = 4;
export const MAX_PASSWORD = 64;

/** What the dialog is waiting for. */
type Step = 'user' | 'password' | 'new-password' | 'retype';

type Candidate = { name: string; account: Account | null };

/** The line as the dialog sees it (the session gives it this view, not itself). */
export interface LoginLine {
  readonly address: string;
  readonly log: Logger;
  /** the line has hung up, or is hanging up */
  readonly closed: boolean;
  /** the line is still in the dialog (not logged in, not closed) */
  readonly loggingIn: boolean;
  /** whether typed characters are echoed (off for passwords) */
  echo: boolean;
  print(text: string): void;
  println(...lines: string[]): void;
  hangup(message: string, reason: LogoutReason): void;
  /** a step is decided: what was typed meanwhile is read now */
  stepDone(): void;
  /** the user is who they said: the line is theirs from now on; `previous` is their last login
   *  (null: the first, undefined: unknown because the store could not record this one) */
  loggedIn(account: Account, at: number, previous: number | null | undefined): Promise<void>;
}

export class LoginDialog {
  private step: Step = 'user';
  private failures = 0;
  private candidate: Candidate | null = null;
  private newPassword: string | null = null;
  private loginTimer: NodeJS.Timeout | null = null;
  /** hangs up a line that types nothing before logging in (re-armed by every frame: `heard`) */
  private silenceTimer: NodeJS.Timeout | null = null;

  constructor(
    private sys: System,
    private line: LoginLine,
  ) {}

  /** Asks for the name and starts the clocks for a line that never logs in. */
  start(): void {
    this.promptUser();
    const timeout = () => {
      if (this.line.loggingIn) this.line.hangup('\r\nTIME OUT: NO LOGIN. GOODBYE.', 'hangup');
    };
    this.loginTimer = setTimeout(timeout, this.sys.config.loginTimeoutMs);
    this.loginTimer.unref();
    this.silenceTimer = setTimeout(timeout, this.sys.config.loginSilenceMs);
    this.silenceTimer.unref();
  }

  /** The line typed something: it is not silent. */
  heard(): void {
    this.silenceTimer?.refresh();
  }

  /** The dialog is over (logged in, or the line is gone). */
  stop(): void {
    if (this.loginTimer) clearTimeout(this.loginTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.loginTimer = this.silenceTimer = null;
  }

  /** Handles one login line; `LoginLine.stepDone` is called once the step is decided. */
  handle(ev: LineEvent): void {
    if (ev.kind === 'toolong') {
      this.line.println(`LINE TOO LONG (${MAX_INPUT_LINE} CHARACTERS AT MOST).`);
      this.candidate = null;
      this.promptUser();
      this.line.stepDone();
      return;
    }
    if (ev.kind !== 'line') return;
    this.answer(ev.text)
      .catch((err) => {
        if (isStoreUnavailable(err)) {
          this.line.log.warn({ err: (err as Error).message }, 'login needs the store, which is unavailable');
          this.line.println(STORE_UNAVAILABLE);
        } else {
          this.line.log.error({ err }, 'login step failed');
          this.line.println('SYSTEM ERROR. TRY AGAIN.');
        }
        if (this.line.loggingIn) this.promptUser();
      })
      .finally(() => this.line.stepDone());
  }

  private promptUser(): void {
    this.step = 'user';
    this.line.echo = true;
    this.line.print(Prompt.USER);
  }

  private promptPassword(step: 'password' | 'new-password' | 'retype'): void {
    this.step = step;
    this.line.echo = false;
    this.line.print(Prompt.PASSWORD);
  }

  private answer(text: string): Promise<void> {
    switch (this.step) {
      case 'user':
        return this.userName(text);
      case 'password':
        return this.password(text, this.candidate!);
      case 'new-password':
        return Promise.resolve(this.newPasswordChosen(text));
      case 'retype':
        return this.newPasswordRetyped(text, this.candidate!);
    }
  }

  private async userName(text: string): Promise<void> {
    const { sys, line } = this;
    if (text.trim() === '') return this.promptUser();
    const u = userName(text);
    if ('error' in u) {
      line.println(u.error);
      return this.promptUser();
    }
    const account = await sys.store.accounts.get(u.name);
    this.candidate = { name: u.name, account };
    if (!account && sys.readOnly !== null) {
      line.println('NO NEW ACCOUNTS CAN BE MADE NOW: THE SYSTEM IS READ-ONLY.');
      this.candidate = null;
      return this.promptUser();
    }
    if (!account && sys.config.register && !sys.stopping) {
      const wait = sys.registrations.check(line.address);
      if (wait !== null) {
        line.log.warn({ waitMs: wait }, 'registration refused: too many new accounts');
        line.println(registrationsWait(wait));
        this.candidate = null;
        return this.promptUser();
      }
      line.println(`NEW USER ${u.name}. CHOOSE A PASSWORD (${MIN_PASSWORD} TO ${MAX_PASSWORD} CHARACTERS).`);
      return this.promptPassword('new-password');
    }
    return this.promptPassword('password');
  }

  private async password(text: string, c: Candidate): Promise<void> {
    const { sys, line } = this;
    // Decided before hashing, for every attempt: see throttle.ts.
    const v = sys.throttle.attempt(line.address, c.name, c.account !== null);
    if (!v.ok) {
      // A refusal costs the line that asked, not everyone: it counts as one of the line's failures
      // and is said only after the pause a failure would have earned, so a script that keeps
      // asking is slowed and then hung up. Answered at once, 32 guessing lines drew 2,100 refusals
      // a second, about a sixth of the lines' thread (npm run bench -- hostile, profiled).
      this.failures++;
      if (v.report) line.log.warn({ ...nameForLog(c), why: v.why, retryMs: v.retryMs, refused: v.report.refused }, 'login attempt refused: too many');
      const pause = sys.throttle.pauseAfter(this.failures);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      if (line.closed) return;
      line.echo = true;
      line.println(`TOO MANY LOGIN ATTEMPTS ${v.why === 'account' ? 'FOR THIS NAME' : 'FROM YOUR ADDRESS'}. TRY AGAIN IN ${Math.ceil(v.retryMs / 1000)} SECONDS.`);
      this.candidate = null;
      if (this.failures >= MAX_LOGIN_FAILURES) return this.line.hangup('TOO MANY FAILURES. GOODBYE.', 'hangup');
      return this.promptUser();
    }
    if (v.waitMs > 0) await new Promise((r) => setTimeout(r, v.waitMs));
    if (line.closed) return; // hung up while waiting: nothing is hashed
    // an unknown name costs the same scrypt as a known one, so timing does not tell them apart
    const hash = c.account?.password ?? (await sys.dummyHash());
    const ok = await sys.hashGate.run(() => verifyPassword(text, hash), () => !line.closed);
    if (line.closed) return;
    line.echo = true;
    if (ok === null) {
      line.println('THE SYSTEM IS BUSY. TRY AGAIN IN A MOMENT.');
      this.candidate = null;
      return this.promptUser();
    }
    if (ok && c.account) {
      sys.throttle.succeeded(c.name);
      return this.admit(c.account);
    }
    return this.failed('INCORRECT USER NAME OR PASSWORD.', c);
  }

  private newPasswordChosen(text: string): void {
    if (text.length < MIN_PASSWORD || text.length > MAX_PASSWORD) {
      this.line.println(`A PASSWORD HAS ${MIN_PASSWORD} TO ${MAX_PASSWORD} CHARACTERS. CHOOSE ANOTHER.`);
      return this.promptPassword('new-password');
    }
    this.newPassword = text;
    this.line.println('TYPE IT AGAIN.');
    return this.promptPassword('retype');
  }

  private async newPasswordRetyped(text: string, c: Candidate): Promise<void> {
    const { sys, line } = this;
    const first = this.newPassword;
    this.newPassword = null;
    line.echo = true;
    if (first !== text) return this.failed('THE PASSWORDS DO NOT MATCH.', c);
    const wait = sys.registrations.check(line.address);
    if (wait !== null) {
      line.println(registrationsWait(wait));
      return this.promptUser();
    }
    sys.registrations.take(line.address);
    const hash = await sys.hashGate.run(() => hashPassword(text, sys.config.scryptN), () => !line.closed);
    if (line.closed) return;
    if (hash === null) {
      line.println('THE SYSTEM IS BUSY. TRY AGAIN IN A MOMENT.');
      return this.promptUser();
    }
    if (!(await sys.store.accounts.create({ name: c.name, password: hash }))) {
      line.println(`THE NAME ${c.name} WAS TAKEN A MOMENT AGO. CHOOSE ANOTHER.`);
      return this.promptUser();
    }
    line.log.info({ user: c.name }, 'account registered');
    line.println(`ACCOUNT ${c.name} CREATED.`);
    const account = await sys.store.accounts.get(c.name);
    return this.admit(account!);
  }

  private async failed(message: string, c: Candidate): Promise<void> {
    this.failures++;
    // per address (one guesser trying many names) and per account (many addresses, one name): the
    // next attempt from either waits longer, before its hash (throttle.ts)
    const fromAddress = this.sys.throttle.failed(this.line.address, c.name, c.account !== null);
    this.line.log.warn({ ...nameForLog(c), failures: this.failures, addressFailures: fromAddress }, 'login failed');
    if (this.line.closed) return;
    this.line.println(message);
    if (this.failures >= MAX_LOGIN_FAILURES) {
      this.line.hangup('TOO MANY FAILURES. GOODBYE.', 'hangup');
      return;
    }
    this.candidate = null;
    this.promptUser();
  }

  /** Records the login and gives the line to the user. */
  private async admit(account: Account): Promise<void> {
    const { line } = this;
    if (line.closed) return;
    const now = Date.now();
    // A full or damaged disk must not lock everyone out: the login goes on without the record.
    let previous: number | null | undefined;
    try {
      previous = await this.sys.store.accounts.recordLogin(account.name, now);
    } catch (err) {
      line.log.error({ err: (err as Error).message, user: account.name }, 'could not record the login; logging in anyway');
      previous = account.lastLogin ?? undefined;
    }
    if (line.closed) return;
    this.stop();
    this.candidate = null;
    await line.loggedIn(account, now, previous);
  }
}

function registrationsWait(ms: number): string {
  return `NO NEW ACCOUNTS CAN BE MADE FROM HERE FOR ${Math.ceil(ms / 60_000)} MINUTE${ms > 60_000 ? 'S' : ''}.`;
}

/** The name as the log may show it: a name that is no account may be a password typed at
 *  USER NAME--, so only a short hash of it is logged (enough to see one name tried many times). */
function nameForLog(c: Candidate): { user: string } | { nameHash: string } {
  return c.account ? { user: c.name } : { nameHash: createHash('sha256').update(c.name).digest('hex').slice(0, 12) };
}
