// The front end's table of live jobs: numbers them (from the store: unique for the life of the
// system, across restarts), routes the
// mainframe's messages to the line or background collector that owns each job, and returns output
// credit ('drained') once the characters have really been written, which is what makes a terminal
// that stops reading stall only its own job.
import type { BasicOptions } from '../basic/options.ts';
import type { Logger } from 'pino';
import type { EndReason, FromMainframe, JobState, Lang, Meters, ToMainframe } from '../monitor/protocol.ts';
import { HOOK_REFUSAL, type Hub, type JobView, type LineView, type Purse } from './hub.ts';
import { StartPacer } from './pace.ts';
import { STORE_UNAVAILABLE } from '../store/store.ts';
import { completeSnapshot } from '../monitor/snapshot.ts';

/** What the front end needs of the mainframe (server/monitor/mainframe.ts; tests may fake it). */
export interface MainframeLike {
  post(msg: ToMainframe): void;
  onMessage(handler: (msg: FromMainframe) => void): void;
  close(): Promise<void>;
}

/** Where a job's output and fate go: a terminal line, or a background collector. */
export interface JobSink {
  /** `done` must be called once the text has been written out (it returns the credit). */
  output(text: string, done: () => void): void;
  compiled(errors: string[], warnings: string[]): void;
  /** the job's state changed (e.g. it is waiting for input: everything typed so far was read) */
  state?(state: JobState): void;
  ended(e: { reason: EndReason; status: number; message: string; meters: Meters }, job: LiveJob): void | Promise<void>;
}

export interface LiveJob extends JobView {
  state: JobState;
  /** where output and the end go: the line, a background collector, or a detached job's keeper */
  sink: JobSink;
  /** running without a terminal (DETACH, a dropped line, or restored after a restart) */
  detached: boolean;
  /** wall-clock ms when it was detached (0 when it is not) */
  detachedAt: number;
  /** the program's text (a job that has no snapshot yet is restarted from it) */
  readonly source: string;
  /** wall-clock ms of the job's last snapshot in the store, or null */
  snapshotAt: number | null;
  /** BASIC's dialect and margin, as the job was compiled */
  basic?: BasicOptions;
  /** after Ctrl-C or KILL: output still in flight is thrown away */
  discarding: boolean;
  lastMeters: Meters | null;
}

export interface JobSpec {
  owner: string;
  line: number | null;
  name: string;
  lang: Lang;
  source: string;
  /** BASIC: the program's dialect (and margin) */
  basic?: BasicOptions;
  sink: JobSink;
  session: LineView | null;
}

type SystatReply = Extract<FromMainframe, { t: 'systat' }>;
/** Job numbers reserved from the store at a time, and how few left make the table fetch more. */
const NUMBERS_BLOCK = 64;
const NUMBERS_LOW = 16;
export type SnapshotMsg = Extract<FromMainframe, { t: 'snapshot' }>;

/** Who keeps jobs in the store (hotel.ts): told of starts, snapshots and ends. */
export interface JobKeeper {
  started(job: LiveJob): void;
  /** resolves true once the snapshot is in the store */
  snapshot(msg: SnapshotMsg, job: LiveJob): void | Promise<boolean>;
  /** the job's latest snapshot in the store, read after every write queued for it */
  image?(job: number): Promise<Uint8Array | null>;
  /** the job has ended (after its sink was told) */
  ended(job: LiveJob): void;
}

export class JobTable {
  private next = 1;
  /** job numbers from the store (the first of `count` reserved); a private counter when there is
   *  none (tests) */
  numbers: ((count: number) => Promise<number>) | null = null;
  /** blocks of numbers reserved from the store and not used yet: [next, end) each */
  private blocks: [number, number][] = [];
  private refilling: Promise<void> | null = null;
  keeper: JobKeeper | null = null;
  private checkpointWaiters = new Map<number, { snaps: SnapshotMsg[]; pending: Promise<void>[]; done: (r: SnapshotMsg[] | null) => void }>();
  /** Swapped-out jobs' images not yet known to be in the store: kept here until they are (a full
   *  disk must not lose a job), and given back from here first. */
  private swapHeld = new Map<number, Uint8Array>();
  private restoreWaiters = new Map<number, (error: string | null) => void>();
  private nextReq = 1;
  readonly live = new Map<number, LiveJob>();
  /** the mainframe thread has stopped */
  down = false;
  /** the server is shutting down: the mainframe stopping is expected */
  closing = false;
  private systatWaiters = new Map<number, (r: SystatReply | null) => void>();
  private endWaiters: (() => void)[] = [];
  /** sinks still finishing (e.g. saving a .OUT file) */
  private finishing = new Set<Promise<void>>();
  private pacer = new StartPacer();
  /** per owner: starts being decided (waiting for the pacer or the hooks) */
  private starting = new Map<string, number>();

  constructor(
    private mainframe: MainframeLike,
    private hub: Hub,
    private log: Logger,
    /** the owner's bounds: live jobs at once and words of core (null: unbounded, e.g. tests) */
    private limitsOf: ((owner: string) => Promise<{ jobs: number; core: number }>) | null = null,
  ) {
    mainframe.onMessage((m) => this.receive(m));
  }

  /** Limits read lately, by owner (see LIMITS_TTL_MS). */
  private limitCache = new Map<string, { at: number; limits: { jobs: number; core: number } }>();

  /** The owner's limits, read from the store at most once per LIMITS_TTL_MS (an operator's LIMIT
   *  on this host is seen at once: forgetLimits). */
  private async limitsFor(owner: string): Promise<{ jobs: number; core: number } | null> {
    if (!this.limitsOf) return null;
    const now = Date.now();
    const hit = this.limitCache.get(owner);
    if (hit && now - hit.at < LIMITS_TTL_MS) return hit.limits;
    const limits = await this.limitsOf(owner);
    if (this.limitCache.size >= 4096) for (const [k, v] of this.limitCache) if (now - v.at >= LIMITS_TTL_MS) this.limitCache.delete(k);
    this.limitCache.set(owner, { at: now, limits });
    return limits;
  }

  /** The owner's limits changed (LIMIT): the next start reads them again. */
  forgetLimits(owner: string): void {
    this.limitCache.delete(owner);
  }

  /** Why `owner` may not start another job now (at their limit of live jobs), or null. */
  async refusal(owner: string): Promise<string | null> {
    let limits: { jobs: number; core: number } | null;
    try {
      limits = await this.limitsFor(owner);
    } catch {
      return null; // start() says what went wrong
    }
    const have = this.jobsOf(owner);
    return limits && have >= limits.jobs ? tooManyJobs(have, limits.jobs) : null;
  }

  /** Live jobs of `owner`, counting those being started. */
  jobsOf(owner: string): number {
    let n = this.starting.get(owner) ?? 0;
    for (const j of this.live.values()) if (j.owner === owner) n++;
    return n;
  }

  /** Starts a job unless a hook refuses it; returns the job or the refusal message. */
  async start(spec: JobSpec): Promise<LiveJob | string> {
    if (this.down) return 'THE MAINFRAME IS DOWN. NO JOBS CAN RUN; SAVED PROGRAMS ARE SAFE.';
    // Every user is bounded: a job beyond the owner's limit is refused at once, never queued
    // (each queued start would hold its whole source in memory).
    let limits: { jobs: number; core: number } | null = null;
    try {
      limits = await this.limitsFor(spec.owner);
    } catch (err) {
      this.log.error({ err, user: spec.owner }, 'could not read the user\'s limits: the job is refused');
      return HOOK_REFUSAL;
    }
    const have = this.jobsOf(spec.owner);
    if (limits && have >= limits.jobs) return tooManyJobs(have, limits.jobs);
    this.starting.set(spec.owner, (this.starting.get(spec.owner) ?? 0) + 1);
    try {
      return await this.start_(spec, limits);
    } finally {
      const n = (this.starting.get(spec.owner) ?? 1) - 1;
      if (n <= 0) this.starting.delete(spec.owner);
      else this.starting.set(spec.owner, n);
    }
  }

  private async start_(spec: JobSpec, limits: { jobs: number; core: number } | null): Promise<LiveJob | string> {
    const wait = this.pacer.take(spec.owner);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.down) return 'THE MAINFRAME IS DOWN. NO JOBS CAN RUN; SAVED PROGRAMS ARE SAFE.';
    const refusal = await this.hub.ask('beforeJob', { owner: spec.owner, line: spec.line, name: spec.name, lang: spec.lang }, spec.session);
    if (refusal.length) return refusal[0];
    const purse = await this.hub.jobLimit(spec.owner);
    if (purse && 'refused' in purse) return purse.refused;
    let number: number;
    try {
      number = await this.jobNumber();
    } catch (err) {
      this.log.error({ err }, 'no job number: the store did not answer');
      return STORE_UNAVAILABLE;
    }
    const job: LiveJob = {
      job: number, owner: spec.owner, line: spec.line, name: spec.name, lang: spec.lang, startedAt: Date.now(),
      state: 'compiling', sink: spec.sink, discarding: false, lastMeters: null,
      detached: false, detachedAt: 0, source: spec.source, snapshotAt: null,
      ...(spec.basic && spec.lang === 'basic' ? { basic: spec.basic } : {}),
    };
    this.live.set(job.job, job);
    // the owner's budget, as a ceiling on all their jobs' cycles, goes ahead of the job
    this.setPurse(job.owner, purse);
    this.keeper?.started(job);
    this.mainframe.post({
      t: 'run', job: job.job, owner: job.owner, line: job.line, name: job.name, lang: job.lang, source: spec.source,
      ...(spec.basic && job.lang === 'basic' ? { basic: spec.basic } : {}),
      ...(limits ? { coreLimit: limits.core } : {}),
    });
    if (job.line === null) this.mainframe.post({ t: 'eof', job: job.job }); // background jobs have no typist
    this.log.info({ job: job.job, user: job.owner, line: job.line, program: job.name, lang: job.lang }, 'job started');
    this.hub.emit('jobStarted', { job, at: job.startedAt });
    return job;
  }

  /** Bounds the cycles of all the owner's jobs (the owner's budget), or lifts the bound (null). */
  setPurse(owner: string, purse: Purse | null): void {
    this.mainframe.post({
      t: 'budget', owner, ceiling: purse ? purse.ceiling : null, message: purse?.message ?? '', corePerWordMs: purse?.corePerWordMs ?? 0,
      ...(purse?.more ? { more: true } : {}), ...(purse?.renewAt !== undefined ? { renewAt: purse.renewAt } : {}),
    });
  }

  /**
   * A job number unique for the life of the system. They are reserved from the store in blocks
   * (a block is fetched again when it runs low), so a job starts without waiting for the store and
   * jobs go on starting through a short outage of it; numbers reserved and not used are skipped.
   */
  private async jobNumber(): Promise<number> {
    if (!this.numbers) return this.next++;
    for (let tries = 0; ; tries++) {
      while (this.blocks.length && this.blocks[0][0] >= this.blocks[0][1]) this.blocks.shift();
      if (this.blocks.length) break;
      if (tries === 3) throw new Error('no job numbers could be reserved');
      await this.refill();
    }
    const n = this.blocks[0][0]++;
    const left = this.blocks.reduce((k, b) => k + b[1] - b[0], 0);
    if (left < NUMBERS_LOW) void this.refill().catch((err) => this.log.warn({ err }, 'could not reserve job numbers'));
    return n;
  }

  private refill(): Promise<void> {
    this.refilling ??= this.numbers!(NUMBERS_BLOCK)
      .then((first) => {
        this.blocks.push([first, first + NUMBERS_BLOCK]);
      })
      .finally(() => {
        this.refilling = null;
      });
    return this.refilling;
  }

  /**
   * Takes back a job put away in the store: from its snapshot (`data`), or, without one, by running
   * its source again under its own number. Resolves null, or the reason the snapshot was refused
   * (then the job is not live).
   */
  async restore(job: LiveJob, data: Uint8Array | null, extra: { background: boolean }): Promise<string | null> {
    if (this.down) return 'THE MAINFRAME IS DOWN';
    this.live.set(job.job, job);
    // the owner's budget bounds a restored job as it bounds a new one
    const purse = await this.hub.jobLimit(job.owner);
    if (purse && !('refused' in purse)) this.setPurse(job.owner, purse);
    if (data === null) {
      this.mainframe.post({
        t: 'run', job: job.job, owner: job.owner, line: null, name: job.name, lang: job.lang, source: job.source,
        ...(job.basic ? { basic: job.basic } : {}),
      });
      if (extra.background) this.mainframe.post({ t: 'eof', job: job.job });
      return null;
    }
    const error = await new Promise<string | null>((resolve) => {
      this.restoreWaiters.set(job.job, resolve);
      this.mainframe.post({ t: 'restore', job: job.job, data });
    });
    if (error !== null) this.live.delete(job.job);
    return error;
  }

  /**
   * Snapshots every job (the 'snapshot' messages go to the keeper as usual and are returned too).
   * With `halt` the mainframe puts its jobs away and they leave this table without ending. Null if
   * the mainframe does not answer within `ms`.
   */
  checkpoint(halt: boolean, ms = 10_000, job?: number): Promise<SnapshotMsg[] | null> {
    if (this.down) return Promise.resolve(null);
    const req = this.nextReq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.checkpointWaiters.delete(req);
        resolve(null);
      }, ms);
      let settled = false;
      this.checkpointWaiters.set(req, {
        snaps: [],
        pending: [],
        done: (r) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (r && halt) {
            if (job === undefined) this.live.clear();
            else {
              this.live.delete(job);
              this.swapHeld.delete(job);
            }
          }
          resolve(job === undefined || !r ? r : r.filter((s) => s.job === job));
        },
      });
      this.mainframe.post({ t: 'checkpoint', req, halt, ...(job !== undefined ? { job } : {}) });
    });
  }

  input(job: number, line: string): void {
    if (this.live.has(job)) this.mainframe.post({ t: 'input', job, line });
  }

  /** Ctrl-C: the job stops and its queued output is thrown away at once. */
  interrupt(job: number): void {
    const j = this.live.get(job);
    if (!j) return;
    j.discarding = true;
    this.mainframe.post({ t: 'interrupt', job });
  }

  kill(job: number, reason: string): void {
    const j = this.live.get(job);
    if (!j) return;
    j.discarding = true;
    this.mainframe.post({ t: 'kill', job, reason });
  }

  /** The mainframe's job table, load and core; null if it does not answer within `ms`. */
  systat(ms = 3000): Promise<SystatReply | null> {
    const req = this.nextReq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.systatWaiters.delete(req);
        resolve(null);
      }, ms);
      this.systatWaiters.set(req, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.mainframe.post({ t: 'systat', req });
    });
  }

  /** Resolves when no job is live and their sinks have finished, or after `ms`. */
  async settle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.live.size && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.endWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    await Promise.race([Promise.all(this.finishing), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
  }

  /** A whole snapshot: to the checkpoint being collected and to the keeper (the store). */
  private snapshotReady(m: SnapshotMsg, waiters = [...this.checkpointWaiters.values()]): void {
    const j = this.live.get(m.job);
    for (const w of waiters) w.snaps.push(m);
    if (m.swap) this.swapHeld.set(m.job, m.data);
    const kept = j ? this.keeper?.snapshot(m, j) : undefined;
    if (m.swap && kept) {
      void kept.then((ok) => {
        // in the store now: the memory copy can go (unless a newer swap replaced it)
        if (ok && this.swapHeld.get(m.job) === m.data) this.swapHeld.delete(m.job);
      });
    }
  }

  /** A swapped job's image: from memory if the store has not confirmed it yet, else the store. */
  private async swapImage(job: number): Promise<Uint8Array | null> {
    return this.swapHeld.get(job) ?? (await this.keeper?.image?.(job)) ?? null;
  }

  /** A swapped job's snapshot (at a checkpoint) lacks its words: complete it from its swap image,
   *  then treat it as any snapshot; a checkpoint being collected waits for it. */
  private completeSnapshot(m: SnapshotMsg): void {
    const waiters = [...this.checkpointWaiters.values()];
    const done = (async () => {
      let whole: Uint8Array | string;
      try {
        const image = await this.swapImage(m.job);
        whole = image ? completeSnapshot(m.data, image) : 'NO SWAP IMAGE';
      } catch (err) {
        whole = String(err);
      }
      if (typeof whole === 'string') {
        // the job keeps its earlier row in the store (its swap image): it goes on from there
        this.log.error({ job: m.job, error: whole }, 'a swapped job\'s snapshot could not be completed');
        return;
      }
      const { partial: _partial, ...rest } = m;
      this.snapshotReady({ ...rest, data: whole }, waiters);
    })();
    for (const w of waiters) w.pending.push(done);
  }

  /** The mainframe gives a swapped job its core back: send its words. The store is asked again a
   *  few times (it may be away for a moment) before the job is given up with a system error. */
  private async swapIn(job: number): Promise<void> {
    let error = 'THE STORE HAS NO COPY OF IT';
    for (let tries = 0; tries < 3; tries++) {
      try {
        const data = await this.swapImage(job);
        if (data) {
          this.mainframe.post({ t: 'swapin', job, data });
          return;
        }
        break;
      } catch (err) {
        this.log.error({ err, job }, 'swap-in: the store did not give the job back');
        error = 'THE STORE DID NOT ANSWER';
        await new Promise((r) => setTimeout(r, 500 * (tries + 1)));
      }
    }
    this.mainframe.post({ t: 'swapin', job, data: null, error });
  }

  private receive(m: FromMainframe): void {
    switch (m.t) {
      case 'out': {
        const j = this.live.get(m.job);
        const chars = m.text.length;
        if (!j || j.discarding) {
          // nobody will read it; return the credit so the window never jams
          this.mainframe.post({ t: 'drained', job: m.job, chars });
          return;
        }
        j.sink.output(m.text, () => {
          if (this.live.has(m.job)) this.mainframe.post({ t: 'drained', job: m.job, chars });
        });
        return;
      }
      case 'state': {
        const j = this.live.get(m.job);
        if (j) {
          j.state = m.state;
          j.sink.state?.(m.state);
        }
        return;
      }
      case 'compiled': {
        const j = this.live.get(m.job);
        if (j && (m.errors.length || m.warnings.length)) j.sink.compiled(m.errors, m.warnings);
        return;
      }
      case 'end': {
        const j = this.live.get(m.job);
        this.swapHeld.delete(m.job);
        if (!j) return;
        this.live.delete(m.job);
        j.state = 'stopped';
        const cpu = m.meters.cycles;
        this.log.info({ job: j.job, user: j.owner, line: j.line, program: j.name, reason: m.reason, status: m.status, meters: m.meters, cycles: cpu }, 'job ended');
        const ended = { job: j as JobView, at: Date.now(), reason: m.reason, status: m.status, message: m.message, meters: m.meters };
        this.hub.emit('jobEnded', ended);
        const done = Promise.resolve(j.sink.ended(m, j))
          .catch((err) => this.log.error({ err, job: j.job }, 'job sink failed'))
          .finally(() => this.finishing.delete(done));
        this.finishing.add(done);
        this.keeper?.ended(j);
        for (const w of this.endWaiters.splice(0)) w();
        return;
      }
      case 'snapshot': {
        if (m.partial) return this.completeSnapshot(m);
        this.snapshotReady(m);
        return;
      }
      case 'swapin':
        void this.swapIn(m.job);
        return;
      case 'checkpointed': {
        const w = this.checkpointWaiters.get(m.req);
        if (w) {
          this.checkpointWaiters.delete(m.req);
          void Promise.all(w.pending).then(() => w.done(w.snaps));
        }
        return;
      }
      case 'restored': {
        const w = this.restoreWaiters.get(m.job);
        if (w) {
          this.restoreWaiters.delete(m.job);
          w(m.error);
        }
        return;
      }
      case 'meters':
        for (const { job, meters } of m.jobs) {
          const j = this.live.get(job);
          if (j) j.lastMeters = meters;
        }
        this.hub.emit('meters', m);
        return;
      case 'purse':
        this.hub.emit('purse', m);
        return;
      case 'systat': {
        const w = this.systatWaiters.get(m.req);
        if (w) {
          this.systatWaiters.delete(m.req);
          w(m);
        }
        return;
      }
      case 'down': {
        // the mainframe thread is gone: its jobs with it. Their owners are told, and lines go on.
        if (!this.down && !this.closing) this.log.error({ jobs: this.live.size }, 'mainframe is down');
        this.down = true;
        for (const j of [...this.live.values()]) {
          this.receive({
            t: 'end', job: j.job, reason: 'killed', status: -1, message: '*** THE MAINFRAME STOPPED. THE JOB WAS LOST.',
            meters: j.lastMeters ?? { cycles: 0, svcs: 0, coreWords: 0, coreWordCycles: 0, coreWordMs: 0, outputChars: 0, startedAt: j.startedAt },
          });
        }
        for (const [req, w] of this.systatWaiters) {
          this.systatWaiters.delete(req);
          w(null);
        }
        for (const [req, w] of this.checkpointWaiters) {
          this.checkpointWaiters.delete(req);
          w.done(null);
        }
        for (const [job, w] of this.restoreWaiters) {
          this.restoreWaiters.delete(job);
          w('THE MAINFRAME IS DOWN');
        }
        return;
      }
    }
  }
}

/** A user's limits are read from the store at most this often per user: a script SUBMITting in a
 *  loop at its limit was refused 500 times a second, each refusal a round trip to the store. */
export const LIMITS_TTL_MS = 2000;

function tooManyJobs(have: number, most: number): string {
  return `YOU HAVE ${have} JOB${have === 1 ? '' : 'S'} (${most} AT MOST). WAIT FOR ONE TO END, OR KILL ONE (SEE JOBS).`;
}
