// The session event hub: what happened on the lines and to the jobs, for whoever keeps accounts.
// Two kinds of subscriber:
//  - listeners (`on`): told after the fact, synchronously, in order; they cannot change anything.
//  - hooks: asked at decision points and awaited: `beforeJob` may refuse a job (return a message),
//    `afterRun` and `beforeBye` may return text to type on the line (e.g. "TIME: 0.42 SECS.").
// A failing listener is logged and skipped; it never takes a line down. A failing hook fails
// CLOSED: a job is refused when a beforeJob or jobLimit hook throws (the budget could not be
// checked, so the job might escape it), and the user is told in plain words; afterRun and
// beforeBye failures type a line saying the figures cannot be shown. Each is logged (repeats of
// one failure at most once a minute).
import type { Logger } from 'pino';
import { RateLimitedLog } from '../ratelog.ts';
import type { EndReason, FromMainframe, Lang, Meters } from '../monitor/protocol.ts';

/** What a subscriber may know about, and do with, a line. */
export interface LineView {
  readonly line: number;
  readonly user: string | null;
  readonly operator: boolean;
  readonly address: string;
  readonly connectedAt: number;
  readonly loginAt: number | null;
  /** types text on the line (use "\r\n" for new lines) */
  print(text: string): void;
}

export interface JobView {
  readonly job: number;
  readonly owner: string;
  /** null: a background job */
  readonly line: number | null;
  readonly name: string;
  readonly lang: Lang;
  readonly startedAt: number;
}

export type LogoutReason = 'bye' | 'hangup' | 'dropped' | 'shutdown';

export interface HubEvents {
  login: { session: LineView; at: number; previousLogin: number | null };
  logout: { session: LineView; at: number; reason: LogoutReason };
  jobStarted: { job: JobView; at: number };
  jobEnded: { job: JobView; at: number; reason: EndReason; status: number; message: string; meters: Meters };
  /** the job left this host without ending (put away for another host, which goes on with it);
   *  `meters`: its final readings here, the snapshot's */
  jobLeft: { job: JobView; at: number; meters: Meters };
  /** the mainframe's periodic checkpoint of every running job's cumulative meters */
  meters: Extract<FromMainframe, { t: 'meters' }>;
  /** an owner's purse runs low, or is empty with jobs waiting for more (see Purse.more) */
  purse: Extract<FromMainframe, { t: 'purse' }>;
}

export interface Hooks {
  beforeJob: ((job: Omit<JobView, 'job' | 'startedAt'>, session: LineView | null) => Promise<string | null | void> | string | null | void)[];
  afterRun: ((session: LineView, ended: HubEvents['jobEnded']) => Promise<string | null | void> | string | null | void)[];
  beforeBye: ((session: LineView) => Promise<string | null | void> | string | null | void)[];
  /** may bound the owner's jobs together: they run until the owner's cycles (counted by the
   *  mainframe since it started, over all their jobs) reach `ceiling`, then end with `message` */
  jobLimit: ((owner: string) => Promise<Purse | null> | Purse | null)[];
  /** a job comes back from the store after a restart; returns the CPU cycles already charged for
   *  it (work redone up to there is not charged again), or null if unknown */
  /** `from`: the snapshot's readings (where the job's meters go on from), when it has one;
   *  `migrated`: claimed from another host that put it away (that host charged it up to there) */
  jobRestored: ((job: JobView, from?: RestoredFrom) => Promise<number | null> | number | null)[];
}

/** A restored job's snapshot readings, and whether another host put it away (hotel.ts). */
export interface RestoredFrom {
  cycles: number;
  coreWordMs: number;
  migrated: boolean;
}

type Listener<K extends keyof HubEvents> = (e: HubEvents[K]) => void;

/** A ceiling on an owner's cycles (see Hooks.jobLimit). */
export interface Purse {
  ceiling: number;
  message: string;
  /** core's price in cycles: units charged to the purse per word of core held per ms */
  corePerWordMs: number;
  /** the ceiling may be raised (a lease on the budget being renewed): jobs reaching it wait */
  more?: boolean;
  /** the owner's units at which the mainframe says the purse runs low (the 'purse' event) */
  renewAt?: number;
}

/** What a user hears when a hook that decides whether a job may run has failed. */
export const HOOK_REFUSAL = 'THE ACCOUNTS CANNOT BE CHECKED NOW, SO NO JOB CAN START.\r\nYOUR SAVED PROGRAMS ARE SAFE. TRY AGAIN LATER, OR SEE THE OPERATOR.';
const HOOK_TEXT: Record<'afterRun' | 'beforeBye', string> = {
  afterRun: 'THE CHARGE FOR THIS RUN CANNOT BE SHOWN NOW; IT IS KEPT.',
  beforeBye: "THIS SESSION'S CHARGES CANNOT BE SHOWN NOW; THEY ARE KEPT.",
};

export class Hub {
  readonly hooks: Hooks = { beforeJob: [], afterRun: [], beforeBye: [], jobLimit: [], jobRestored: [] };
  private listeners: { [K in keyof HubEvents]?: Listener<K>[] } = {};
  private errors: RateLimitedLog;

  constructor(private log: Logger) {
    this.errors = new RateLimitedLog(log);
  }

  on<K extends keyof HubEvents>(kind: K, fn: Listener<K>): () => void {
    const list = (this.listeners[kind] ??= []) as Listener<K>[];
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof HubEvents>(kind: K, e: HubEvents[K]): void {
    for (const fn of (this.listeners[kind] ?? []) as Listener<K>[]) {
      try {
        fn(e);
      } catch (err) {
        this.errors.error(err, 'hub listener failed', { event: kind });
      }
    }
  }

  /** The lowest ceiling any jobLimit hook asks for, or null; `refused` when a hook failed (the
   *  job must not start: its limit is unknown). */
  async jobLimit(owner: string): Promise<Purse | { refused: string } | null> {
    let best: Purse | null = null;
    for (const fn of this.hooks.jobLimit) {
      try {
        const r = await fn(owner);
        if (r && (best === null || r.ceiling < best.ceiling)) best = r;
      } catch (err) {
        this.errors.error(err, 'hook failed: the job is refused', { hook: 'jobLimit', owner });
        return { refused: HOOK_REFUSAL };
      }
    }
    return best;
  }

  /** Runs the jobRestored hooks; the highest count of cycles already charged, or null. */
  async restored(job: JobView, from?: RestoredFrom): Promise<number | null> {
    let best: number | null = null;
    for (const fn of this.hooks.jobRestored) {
      try {
        const r = await fn(job, from);
        if (typeof r === 'number' && (best === null || r > best)) best = r;
      } catch (err) {
        this.log.error({ err, hook: 'jobRestored' }, 'hook failed');
      }
    }
    return best;
  }

  /** Runs hooks in order; returns the texts they produced (or, for beforeJob, stops at the first refusal). */
  async ask<K extends Exclude<keyof Hooks, 'jobLimit' | 'jobRestored'>>(kind: K, ...args: Parameters<Hooks[K][number]>): Promise<string[]> {
    const texts: string[] = [];
    for (const fn of this.hooks[kind]) {
      try {
        const r = await (fn as (...a: unknown[]) => unknown)(...args);
        if (typeof r === 'string' && r !== '') {
          texts.push(r);
          if (kind === 'beforeJob') break;
        }
      } catch (err) {
        if (kind === 'beforeJob') {
          this.errors.error(err, 'hook failed: the job is refused', { hook: kind });
          texts.push(HOOK_REFUSAL);
          break;
        }
        this.errors.error(err, 'hook failed', { hook: kind });
        texts.push(HOOK_TEXT[kind as 'afterRun' | 'beforeBye']);
      }
    }
    return texts;
  }
}
