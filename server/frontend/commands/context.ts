// What a command may see and do, and no more: the line it was typed on, and the few parts of the
// system commands use. A command never holds the Session or the FrontEnd (the service locator with
// every line, the hub and the mainframe), so it can be run in a test with a fake context and no
// socket, and the command modules import neither session.ts nor system.ts (no import cycle).
// Session and FrontEnd satisfy these interfaces as they are; they are narrower views, not copies.
import type { Logger } from 'pino';
import type { BasicOptions } from '../../basic/options.ts';
import type { Library } from '../../library/library.ts';
import type { Store } from '../../store/store.ts';
import type { Hub, LineView, LogoutReason } from '../hub.ts';
import type { DoneJob, Hotel } from '../hotel.ts';
import type { JobTable, LiveJob } from '../jobs.ts';
import type { Workspace } from '../workspace.ts';

/** The line a command was typed on: the typist, the paper, the workspace, the foreground. */
export interface CommandLine extends LineView {
  readonly log: Logger;
  /** the current program */
  readonly workspace: Workspace;
  /** the line's output: its speed */
  readonly out: { readonly baud: number };
  println(...lines: string[]): void;
  /** types a long reply piece by piece, obeying the line's back-pressure; stops at Ctrl-C */
  printLong(text: string): Promise<void>;
  /** false (nothing changes) unless baud is one of the line's speeds */
  setSpeed(baud: number): boolean;
  /** runs a program as this line's foreground job; resolves when it has ended */
  runForeground(name: string, lang: 'basic' | 'asm', source: string, basic?: BasicOptions): Promise<void>;
  /** types `message` and hangs up this line */
  hangup(message: string, reason: LogoutReason, code?: number): void;
  /** makes a detached job this line's foreground job again (ATTACH) */
  attach(job: LiveJob): void;
  /** types a detached job's output that ended while detached, and forgets it (ATTACH) */
  attachDone(done: DoneJob): Promise<void>;
}

/** Another line, as SYSTAT lists it and an operator reaches it. */
export interface OtherLine {
  readonly line: number;
  readonly user: string | null;
  readonly connectedAt: number;
  /** what SYSTAT shows: LOGIN, IDLE, COMMAND, RUN NAME ... */
  readonly state: string;
  /** types a message on its own line, between what the line is doing */
  notify(text: string): void;
  hangup(message: string, reason: LogoutReason, code?: number): void;
  /** its foreground job, if any */
  readonly fg: LiveJob | null;
  /** lets its foreground job go, detached (another of the owner's lines ATTACHes it) */
  release(note: string | null, why: string): void;
}

/** The configuration commands read. */
export interface CommandConfig {
  readonly maxLines: number;
  readonly ratedClock: number;
  readonly maxJobOutput: number;
  readonly systat: 'private' | 'open';
  readonly storageQuota: number;
  readonly maxJobsPerUser: number;
  readonly maxCorePerUser: number;
}

/** Hosts sharing one store: what operator commands and SYSTAT need of them. */
export interface CommandCluster {
  readonly host: string;
  broadcast(text: string, by: string): Promise<string[]>;
  hangup(host: string, line: number, by: string): Promise<'sent' | 'no such host' | 'not in use'>;
  /** asks another host to let the owner's job go (ATTACH of a job running there): null once it has */
  release?(host: string, job: number, owner: string): Promise<string | null>;
  /** `shown(user)`: may the viewer see that user's name, programs and CPU (else *, as here) */
  systat(shown: (user: string | null) => boolean): Promise<string[]>;
}

/** The parts of the system commands use. */
export interface CommandSystem {
  readonly config: CommandConfig;
  readonly store: Store;
  readonly library: Library;
  /** for HELP */
  readonly commands: { list(operator: boolean): Command[] };
  /** the live jobs: start, list, kill, and the mainframe's SYSTAT */
  readonly jobs: Pick<JobTable, 'live' | 'start' | 'kill' | 'systat' | 'refusal' | 'forgetLimits'>;
  /** the lines in use, by number */
  readonly lines: ReadonlyMap<number, OtherLine>;
  /** detached jobs, and jobs that ended while detached */
  readonly hotel: Pick<Hotel, 'done' | 'forgetDone' | 'checkpointAll' | 'detachedOf'> & Partial<Pick<Hotel, 'claim' | 'elsewhere'>>;
  /** asks other rooms' hooks (BYE's summary) */
  readonly hub: Pick<Hub, 'ask'>;
  readonly cluster?: CommandCluster | null;
  /** why the system serves read-only, or null */
  readonly readOnly: string | null;
  readonly stopping: boolean;
  readonly startedAt: number;
}

export interface CommandContext {
  readonly session: CommandLine;
  readonly sys: CommandSystem;
  /** everything after the keyword, trimmed */
  readonly args: string;
  readonly keyword: string;
}

export interface Command {
  /** the keyword, upper case */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** e.g. "LIST [FROM[-TO]]" */
  readonly usage: string;
  /** one line for HELP */
  readonly help: string;
  /** only operators may use it (and only they see it in HELP) */
  readonly operator?: boolean;
  /**
   * Runs the command. The session types READY. afterwards unless the command started a job or
   * hung up the line.
   */
  run(ctx: CommandContext): Promise<void> | void;
}
