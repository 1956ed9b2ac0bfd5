// The hotel: jobs outlive their terminals and the server. It keeps detached jobs (DETACH, a dropped
// line, or restored after a restart) and what they type while nobody watches, keeps every live job
// in the store (a row at its start, its snapshots as the mainframe takes them, its end), puts every
// job away on SIGTERM in one transaction and takes them back at the next start, detached, so their
// owners can ATTACH them. A job that cannot be restored is ended with its output saved.
//
// Rows and snapshots: a row holds the front end's part of a job (`JobMeta`) and, once taken, the
// mainframe's snapshot. Output kept in the row is always the output of the job up to its snapshot
// that nobody has seen yet, so a restored job types nothing twice to a user who saw it (after a
// crash, output produced after the last snapshot is produced again, as the work is).
import type { Logger } from 'pino';
import type { EndReason, Lang, Meters } from '../monitor/protocol.ts';
import type { BasicOptions } from '../basic/options.ts';
import type { SnapshotRow } from '../store/hotel.ts';
import type { Store } from '../store/store.ts';
import { OutputCollector, outputFile } from './background.ts';
import { crlf, table } from './format.ts';
import type { Hub, RestoredFrom } from './hub.ts';
import type { JobKeeper, JobSink, JobTable, LiveJob, SnapshotMsg } from './jobs.ts';
import { outputName } from './names.ts';
import { decodeJob } from '../monitor/snapshot.ts';
import type { HotelSpool } from './hotel-spool.ts';

export const META_VERSION = 1;

/**
 * A job's first row is written this long after it starts, not at once. Most jobs end sooner (a RUN
 * that prints and stops, a typo that fails at once), and a job that ends before its row is due never
 * touches the store: measured under the hostile benchmark's reruns (about 400 job starts a second,
 * some with a 10,000-line source in their row), writing every start at once was 28 MB/s of the
 * store's thread and doubled the echo tail. The price, as with any group commit: a server killed
 * (kill -9) within this long of a RUN forgets that job (an orderly stop, SIGTERM, keeps it), and
 * another host sees it this much later. A background job (SUBMIT) is written at once: its owner was
 * told its number, a promise that it survives a crash.
 */
export const FIRST_ROW_MS = 250;

/** The front end's part of a job's row. */
export interface JobMeta {
  v: number;
  /** where its output went when the row was written */
  kind: 'line' | 'detached' | 'background';
  lang: Lang;
  source: string;
  /** BASIC's dialect and margin */
  basic?: BasicOptions;
  line: number | null;
  startedAt: number;
  detachedAt: number;
  /** output of the job up to the snapshot that nobody has seen yet (detached or background) */
  kept: string;
  /** characters a background job typed beyond what its .OUT keeps */
  cut: number;
  /** set when the job ended while detached (it waits, DONE, for ATTACH) */
  done: Ending | null;
  /** the host that wrote the row (a job claimed from another host says where it came from) */
  host?: string;
}

export interface Ending {
  reason: EndReason;
  status: number;
  message: string;
  meters: Meters;
  at: number;
}

/** A detached job that has ended: its output and how it ended wait for its owner. */
export interface DoneJob {
  job: number;
  owner: string;
  name: string;
  lang: Lang;
  line: number | null;
  startedAt: number;
  detachedAt: number;
  kept: string;
  end: Ending;
}

/** A detached job's terminal: keeps its output (up to `limit` characters; beyond that the credit
 *  is held, so the job waits for output, using no CPU, until its owner attaches it). */
export class DetachedSink implements JobSink {
  private parts: string[] = [];
  private kept = 0;
  private held: (() => void)[] = [];
  /** KILL or the detached-hours limit: at its end the output goes to NAME.OUT instead of waiting */
  saveOnEnd = false;

  constructor(
    private hotel: Hotel,
    private limit: number,
    initial = '',
  ) {
    if (initial) {
      this.parts.push(initial);
      this.kept = initial.length;
    }
  }

  output(text: string, done: () => void): void {
    this.parts.push(text);
    this.kept += text.length;
    if (this.kept <= this.limit) done();
    else this.held.push(done);
  }

  compiled(errors: string[], warnings: string[]): void {
    const msgs = [...errors, ...warnings];
    if (msgs.length) this.parts.push(msgs.join('\n') + '\n');
  }

  ended(e: { reason: EndReason; status: number; message: string; meters: Meters }, job: LiveJob): Promise<void> {
    return this.hotel.detachedEnded(job, e, this);
  }

  get text(): string {
    return this.parts.join('');
  }

  /** Everything kept, and the credit held back (to return once it has been typed). */
  take(): { text: string; held: (() => void)[] } {
    const r = { text: this.text, held: this.held };
    this.parts = [];
    this.kept = 0;
    this.held = [];
    return r;
  }
}

export interface HotelDeps {
  store: Store;
  jobs: JobTable;
  hub: Hub;
  log: Logger;
  config: { maxJobOutput: number; detachedHours: number; ratedClock: number; takeoverSeconds?: number };
}

const STATE_WORDS: Record<string, string> = { 'waiting for input': 'WAITING FOR INPUT', stopped: 'DONE' };

export class Hotel implements JobKeeper {
  readonly done = new Map<number, DoneJob>();
  /** CPU cycles lost per job restored from a snapshot older than its last charge (told at login) */
  readonly lost = new Map<number, number>();
  /** per job, the store writes in order */
  private chains = new Map<number, Promise<void>>();
  /** a checkpoint is collecting snapshots: it writes them itself, in one transaction */
  private collecting = 0;
  /** SIGTERM has put every job away: nothing more is written */
  private frozen = false;
  private sweeper: NodeJS.Timeout | null = null;
  /** this system's name: with several hosts on one store, each keeps and restores its own jobs */
  host = 'local';
  /** where final snapshots wait when the store is away at a stop (hotel-spool.ts) */
  spool: HotelSpool | null = null;
  /** per job, the latest row (or removal) that could not be written (the store was away): written
   *  with the next checkpoint of every job, retried by the sweeper, spooled at a stop */
  private unwritten = new Map<number, SnapshotRow | 'remove'>();
  /** jobs whose first row is not written yet (FIRST_ROW_MS), with the timer that writes it */
  private firstRowDue = new Map<number, NodeJS.Timeout>();

  constructor(private d: HotelDeps) {
    d.jobs.keeper = this;
  }

  private get limit(): number {
    return this.d.config.maxJobOutput;
  }

  // ---- keeping rows in step with the jobs ----

  /** Queues a store write for the job, after those queued before; resolves whether it was written.
   *  `state`: the job's row as the write leaves it (or its removal), remembered if it fails. */
  private queue(job: number, what: string, fn: () => Promise<unknown>, state?: SnapshotRow | 'remove'): Promise<boolean> {
    if (this.frozen) return Promise.resolve(false);
    const prev = this.chains.get(job) ?? Promise.resolve();
    let ok = false;
    const next: Promise<void> = prev
      .then(fn)
      .then(() => {
        ok = true;
        if (state !== undefined) this.unwritten.delete(job);
      }, (err) => {
        if (state !== undefined) this.unwritten.set(job, state);
        this.d.log.error({ err, job }, `hotel: could not ${what}`);
      })
      .finally(() => {
        if (this.chains.get(job) === next) this.chains.delete(job);
      });
    this.chains.set(job, next);
    return next.then(() => ok);
  }

  private async settled(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  meta(job: LiveJob): JobMeta {
    let kept = '';
    let cut = 0;
    if (job.sink instanceof DetachedSink) kept = job.sink.text;
    else if (job.sink instanceof OutputCollector) ({ text: kept, cut } = job.sink.keptText());
    return {
      v: META_VERSION, kind: job.detached ? 'detached' : job.line === null ? 'background' : 'line', lang: job.lang,
      source: job.source, line: job.line, startedAt: job.startedAt, detachedAt: job.detachedAt, kept, cut, done: null, host: this.host,
      ...(job.basic ? { basic: job.basic } : {}),
    };
  }

  private row(job: LiveJob, snap: SnapshotMsg | null): SnapshotRow {
    return {
      job: job.job, host: this.host, owner: job.owner, name: job.name, takenAt: snap?.at ?? job.startedAt, cycles: snap?.cycles ?? 0,
      meta: JSON.stringify(this.meta(job)), image: snap?.data ?? null,
    };
  }

  started(job: LiveJob): void {
    // a background job was acknowledged to its owner (SUBMIT's JOB n): kept at once
    if (job.line === null) return this.writeFirstRow(job);
    const t = setTimeout(() => {
      this.firstRowDue.delete(job.job);
      this.writeFirstRow(job);
    }, FIRST_ROW_MS);
    t.unref();
    this.firstRowDue.set(job.job, t);
  }

  private writeFirstRow(job: LiveJob): void {
    const row = this.row(job, null);
    this.queue(job.job, 'keep a job', () => this.d.store.hotel.put([row]), row);
  }

  /** The job's first row is no longer due (a later write carries all it would, or the job has
   *  ended); returns whether it was still waiting (then no row of the job is in the store). */
  private firstRowCancelled(job: number): boolean {
    const t = this.firstRowDue.get(job);
    if (t === undefined) return false;
    clearTimeout(t);
    this.firstRowDue.delete(job);
    return true;
  }

  snapshot(m: SnapshotMsg, job: LiveJob): Promise<boolean> {
    job.snapshotAt = m.at;
    this.firstRowCancelled(job.job); // (the snapshot's row is the whole row)
    if (this.collecting > 0) return Promise.resolve(false); // (the checkpoint writes it)
    const row = this.row(job, m);
    return this.queue(job.job, 'keep a snapshot', () => this.d.store.hotel.put([row]), row);
  }

  /** The job's latest snapshot in the store (a swapped job's words), after the writes queued for it. */
  async image(job: number): Promise<Uint8Array | null> {
    await (this.chains.get(job) ?? Promise.resolve());
    return (await this.d.store.hotel.get(job))?.image ?? null;
  }

  ended(job: LiveJob): void {
    if (this.firstRowCancelled(job.job)) return; // it never reached the store
    if (this.done.has(job.job)) return; // ended detached: its row now says DONE
    this.queue(job.job, 'forget a job', () => this.d.store.hotel.remove(job.job, this.host), 'remove');
  }

  private updateMeta(job: LiveJob): void {
    if (this.firstRowCancelled(job.job)) return this.writeFirstRow(job); // (no row to update yet: the whole row, now)
    const meta = JSON.stringify(this.meta(job));
    this.queue(job.job, 'update a job', () => this.d.store.hotel.setMeta(job.job, meta, this.host));
  }

  // ---- detach and attach ----

  /** The job goes on without a terminal; what it types is kept for ATTACH. */
  detach(job: LiveJob, why: string): void {
    job.sink = new DetachedSink(this, this.limit);
    job.detached = true;
    job.detachedAt = Date.now();
    this.updateMeta(job);
    this.d.log.info({ job: job.job, user: job.owner, why }, 'job detached');
  }

  /** The job has a terminal again: returns what it typed meanwhile and the credit held back. */
  attached(job: LiveJob, sink: JobSink): { text: string; held: (() => void)[] } {
    const kept = job.sink instanceof DetachedSink ? job.sink.take() : { text: '', held: [] };
    job.sink = sink;
    job.detached = false;
    job.detachedAt = 0;
    this.updateMeta(job);
    this.d.log.info({ job: job.job, user: job.owner }, 'job attached');
    return kept;
  }

  async detachedEnded(job: LiveJob, e: Omit<Ending, 'at'>, sink: DetachedSink): Promise<void> {
    const end: Ending = { ...e, meters: { ...e.meters }, at: Date.now() };
    if (sink.saveOnEnd) {
      await this.saveOutput(job.owner, job.job, job.name, sink.text, end.message || end.reason.toUpperCase());
      return;
    }
    const done: DoneJob = {
      job: job.job, owner: job.owner, name: job.name, lang: job.lang, line: job.line, startedAt: job.startedAt,
      detachedAt: job.detachedAt || end.at, kept: sink.text, end,
    };
    this.done.set(job.job, done);
    this.keepDone(done);
  }

  private keepDone(done: DoneJob): void {
    const meta: JobMeta = {
      v: META_VERSION, kind: 'detached', lang: done.lang, source: '', line: done.line, startedAt: done.startedAt,
      detachedAt: done.detachedAt, kept: done.kept, cut: 0, done: done.end, host: this.host,
    };
    const row: SnapshotRow = {
      job: done.job, host: this.host, owner: done.owner, name: done.name, takenAt: done.end.at, cycles: done.end.meters.cycles,
      meta: JSON.stringify(meta), image: null,
    };
    this.queue(done.job, 'keep a finished job', () => this.d.store.hotel.put([row]), row);
  }

  /** An ended detached job has been seen (ATTACH) or given up (KILL, expiry): forget it. */
  forgetDone(n: number, save: boolean): void {
    const done = this.done.get(n);
    if (!done) return;
    this.done.delete(n);
    this.queue(n, 'forget a finished job', async () => {
      if (save) await this.saveOutput(done.owner, done.job, done.name, done.kept, done.end.message || done.end.reason.toUpperCase());
      await this.d.store.hotel.remove(n, this.host);
    }, 'remove');
  }

  async saveOutput(owner: string, job: number, program: string, kept: string, ending: string): Promise<void> {
    const text = outputFile(kept, 0, this.limit, job, program, ending);
    try {
      await this.d.store.programs.save(owner, { name: outputName(program), lang: 'text', text }, true);
    } catch (err) {
      this.d.log.error({ err, job }, 'could not save a detached job\'s output');
    }
  }

  /** The user's detached jobs, live and done, by number. */
  detachedOf(user: string): { job: number; name: string; live: LiveJob | null; done: DoneJob | null }[] {
    const out: { job: number; name: string; live: LiveJob | null; done: DoneJob | null }[] = [];
    for (const j of this.d.jobs.live.values()) if (j.owner === user && j.detached) out.push({ job: j.job, name: j.name, live: j, done: null });
    for (const d of this.done.values()) if (d.owner === user) out.push({ job: d.job, name: d.name, live: null, done: d });
    return out.sort((a, b) => a.job - b.job);
  }

  /** What a user is told at login about their detached jobs (empty when they have none). */
  async greeting(user: string): Promise<string> {
    const mine = this.detachedOf(user);
    const lines: string[] = [];
    const clock = this.d.config.ratedClock;
    if (mine.length) {
      const st = mine.some((m) => m.live) ? await this.d.jobs.systat() : null;
      const info = new Map((st?.jobs ?? []).map((j) => [j.job, j]));
      const rows = mine.map((m) => {
        if (m.done) return [m.job, m.name, 'DONE', (m.done.end.meters.cycles / clock).toFixed(2)];
        const i = info.get(m.job);
        const state = i?.state ?? m.live!.state;
        const cycles = i?.meters.cycles ?? m.live!.lastMeters?.cycles ?? 0;
        return [m.job, m.name, STATE_WORDS[state] ?? 'RUNNING', (cycles / clock).toFixed(2)];
      });
      lines.push('YOU HAVE DETACHED JOBS:', ...table(['JOB', 'PROGRAM', 'STATE', 'CPU SEC'], rows, [true, false, false, true]));
    }
    // restored after a crash (detached or background): what was lost, once
    for (const j of [...this.d.jobs.live.values()].filter((x) => x.owner === user).sort((a, b) => a.job - b.job)) {
      const lost = this.lost.get(j.job);
      if (lost === undefined) continue;
      this.lost.delete(j.job);
      lines.push(`JOB ${j.job} WAS RESTORED FROM ITS LAST SNAPSHOT AFTER A CRASH: ${(lost / clock).toFixed(2)} CPU SECONDS OF ITS WORK ARE DONE AGAIN, FREE OF CHARGE.`);
    }
    if (mine.length) lines.push('TYPE ATTACH N TO GO BACK TO JOB N.');
    // several hosts on one store: the user's jobs on the others (put away ones can come here)
    let away: Awaited<ReturnType<Hotel['elsewhere']>> = [];
    try {
      away = await this.elsewhere(user);
    } catch {
      // the store is away: said elsewhere (the login itself needed it)
    }
    if (away.length) {
      lines.push('YOUR JOBS ON OTHER HOSTS:', ...table(['JOB', 'PROGRAM', 'HOST', 'STATE'], away.map((a) => [a.job, a.name, a.host, a.state]), [true, false, false, false]));
      lines.push(away.some((a) => a.parked) ? 'ATTACH N BRINGS A JOB THAT WAS PUT AWAY HERE; ATTACH OTHERS WHERE THEY RUN.' : 'ATTACH THEM WHERE THEY RUN.');
    }
    return lines.length ? crlf(lines) : '';
  }

  // ---- detached too long ----

  /** Starts the sweep that ends jobs detached longer than --detached-hours. */
  startSweeper(): void {
    const maxMs = this.d.config.detachedHours * 3_600_000;
    const every = Math.max(50, Math.min(60_000, Math.floor(maxMs / 4)));
    this.sweeper = setInterval(() => this.sweep(Date.now()), every);
    this.sweeper.unref();
  }

  sweep(now: number): void {
    this.retryUnwritten();
    const maxMs = this.d.config.detachedHours * 3_600_000;
    for (const j of this.d.jobs.live.values()) {
      if (!j.detached || now - j.detachedAt < maxMs || !(j.sink instanceof DetachedSink) || j.sink.saveOnEnd) continue;
      j.sink.saveOnEnd = true;
      this.d.log.info({ job: j.job, user: j.owner }, 'detached too long: ending the job');
      this.d.jobs.kill(j.job, `DETACHED FOR MORE THAN ${this.d.config.detachedHours} HOURS`);
    }
    for (const d of [...this.done.values()]) if (now - d.detachedAt >= maxMs) this.forgetDone(d.job, true);
  }

  /** Rows and removals that failed while the store was away, tried again (the store is back, or
   *  they fail again and stay). An ended job's row must not outlive it: the next start would
   *  bring the job back. */
  private retryUnwritten(): void {
    for (const [job, state] of this.unwritten) {
      if (this.chains.has(job)) continue; // (a newer write is on its way)
      if (state === 'remove') this.queue(job, 'forget a job', () => this.d.store.hotel.remove(job, this.host), 'remove');
      else this.queue(job, 'keep a job', () => this.d.store.hotel.put([state]), state);
    }
  }

  // ---- put away and take back ----

  /**
   * Snapshots every job and writes all of them in ONE transaction. With `halt` (SIGTERM) the jobs
   * are put away: they leave the mainframe and this server and wait in the store for the next
   * start. Returns the jobs written, or null if the mainframe did not answer.
   */
  async checkpointAll(halt: boolean): Promise<number | null> {
    this.collecting++;
    let snaps;
    try {
      const jobs = [...this.d.jobs.live.values()];
      snaps = await this.d.jobs.checkpoint(halt);
      if (snaps === null) return null;
      await this.settled(); // earlier writes first, so none lands after this one
      const last = new Map<number, SnapshotMsg>();
      for (const s of snaps) last.set(s.job, s);
      const rows: SnapshotRow[] = [];
      for (const j of jobs) {
        const s = last.get(j.job);
        // (a job without a snapshot keeps its row: it goes on from its last one, or from its start,
        // written now if it was not yet)
        if (s) rows.push(this.row(j, s));
        else if (this.firstRowCancelled(j.job)) rows.push(this.row(j, null));
      }
      // what failed to be written earlier goes with it (a finished job's row, an ended job's removal)
      const remove: number[] = [];
      for (const [job, state] of this.unwritten) {
        if (state === 'remove') remove.push(job);
        else if (!last.has(job)) rows.push(state);
      }
      try {
        // halted (an orderly stop): every row of this host is marked put away in the same
        // transaction, so that any host may take its jobs from now on (live migration)
        await this.d.store.hotel.put(rows, remove, halt ? { park: this.host } : {});
        this.unwritten.clear();
      } catch (err) {
        // the store is away at a stop: the jobs have left the mainframe, so their final snapshots
        // go to the local spool, written (fenced) at the next start; they come back from there
        if (!halt || !this.spool) throw err;
        this.spool.save(rows, remove);
        this.frozen = true;
        this.d.log.warn({ err: (err as Error).message, jobs: rows.length, file: this.spool.file }, 'the store is unavailable: job snapshots spooled to a local file; the next start writes them');
        return rows.length;
      }
      if (halt) this.frozen = true;
      this.d.log.info({ jobs: rows.length, bytes: rows.reduce((n, r) => n + (r.image?.byteLength ?? 0), 0), halt }, 'checkpoint written');
      return rows.length;
    } finally {
      this.collecting--;
    }
  }

  /**
   * One job let go to another host (its owner ATTACHed it there): put away as an orderly stop puts
   * away all of them: stopped between instructions, out of the mainframe, its row written with
   * that final snapshot and marked put away in one transaction, so that the other host can claim
   * it. Its charges here end at the snapshot's readings (`jobLeft`), where the other host's meter
   * starts. If the store does not take the row, the job goes on here from the same snapshot.
   * Returns null, or why not.
   */
  async putAway(j: LiveJob): Promise<string | null> {
    if (this.frozen) return 'THIS HOST IS STOPPING';
    const snaps = await this.d.jobs.checkpoint(true, 10_000, j.job);
    const s = snaps?.at(-1);
    if (!s) return snaps === null ? 'THE MAINFRAME DID NOT ANSWER' : 'THE JOB HAS ENDED';
    await (this.chains.get(j.job) ?? Promise.resolve()); // (its snapshot's own write, queued first)
    try {
      await this.d.store.hotel.put([this.row(j, s)], [], { park: this.host, jobs: [j.job] });
    } catch (err) {
      this.d.log.error({ err, job: j.job }, 'a job could not be put away for another host: it goes on here');
      const error = await this.d.jobs.restore(j, s.data, { background: j.line === null });
      if (error !== null) this.d.log.error({ job: j.job, error }, 'and it could not go on here either');
      return 'THE STORE DID NOT TAKE IT';
    }
    this.unwritten.delete(j.job);
    const d = decodeJob(s.data);
    const meters = typeof d === 'string' ? j.lastMeters : d.facts.meters;
    if (meters) this.d.hub.emit('jobLeft', { job: j, at: Date.now(), meters });
    this.d.log.info({ job: j.job, user: j.owner, cycles: s.cycles }, 'job put away for another host');
    return null;
  }

  /** A job that ended detached here, let go to another host (its owner ATTACHed it there). */
  async putAwayDone(n: number): Promise<void> {
    await (this.chains.get(n) ?? Promise.resolve());
    await this.d.store.hotel.put([], [], { park: this.host, jobs: [n] });
    this.done.delete(n);
  }

  /** At start: every job kept in the store comes back, detached (background jobs stay background).
   *  Rows put away here and since claimed by another host are not ours any more (takeBack). */
  async restoreAll(): Promise<{ restored: number; refused: number; done: number }> {
    await this.replaySpool();
    const rows = await this.d.store.hotel.takeBack(this.host);
    let restored = 0, refused = 0, done = 0;
    await Promise.all(rows.map(async (row) => {
      const r = await this.restoreRow(row, false);
      if (r.kind === 'restored') restored++;
      else if (r.kind === 'done') done++;
      else refused++;
    }));
    this.d.log.info({ restored, refused, done }, 'jobs restored');
    return { restored, refused, done };
  }

  /** At start, before the jobs come back: the final snapshots a stop during an outage spooled
   *  (hotel-spool.ts), written fenced; the file is removed once they are in the store. */
  private async replaySpool(): Promise<void> {
    const spool = this.spool;
    if (!spool?.exists) return;
    let kept;
    try {
      kept = spool.load();
    } catch (err) {
      const bad = spool.setAside();
      this.d.log.error({ err: (err as Error).message, file: bad }, 'the hotel spool could not be read; it is kept aside for the operator');
      return;
    }
    const written = await this.d.store.hotel.putBack(kept.rows, kept.remove, this.host);
    const skipped = kept.rows.map((r) => r.job).filter((j) => !written.includes(j));
    spool.clear();
    this.d.log.info({ file: spool.file, rows: kept.rows.length, written: written.length, skipped, removed: kept.remove.length },
      'job snapshots spooled during an outage are written' + (skipped.length ? ' (jobs taken over or ended meanwhile are left alone)' : ''));
  }

  /**
   * Takes one row back: a job from its snapshot (or its source), or a job that had ended detached.
   * `migrated`: the row was put away by another host's orderly stop and claimed here. That host
   * charged the job up to its snapshot (its last charges may still be on their way to the ledger),
   * so the meter here starts from the snapshot's readings if the ledger holds less: the job's
   * cycles are charged once, each by the host that ran them.
   */
  private async restoreRow(row: SnapshotRow, migrated: boolean): Promise<
    { kind: 'restored'; job: LiveJob } | { kind: 'done'; done: DoneJob } | { kind: 'refused'; done: DoneJob }
  > {
    let meta: JobMeta;
    try {
      meta = JSON.parse(row.meta) as JobMeta;
      if (meta.v !== META_VERSION) throw new Error(`meta version ${meta.v}`);
    } catch (err) {
      this.d.log.error({ err, job: row.job }, 'snapshot refused: its record is unreadable');
      return { kind: 'refused', done: this.refuse(row, null, 'ITS RECORD IS UNREADABLE') };
    }
    if (meta.done) {
      const done: DoneJob = {
        job: row.job, owner: row.owner, name: row.name, lang: meta.lang, line: meta.line, startedAt: meta.startedAt,
        detachedAt: meta.detachedAt, kept: meta.kept, end: meta.done,
      };
      this.done.set(row.job, done);
      return { kind: 'done', done };
    }
    const background = meta.kind === 'background';
    const now = Date.now();
    let sink: JobSink;
    if (background) {
      const c = new OutputCollector(this.d.store, row.owner, row.name, this.limit, this.d.log);
      c.prefill(meta.kept, meta.cut);
      sink = c;
    } else sink = new DetachedSink(this, this.limit, meta.kept);
    const job: LiveJob = {
      job: row.job, owner: row.owner, line: meta.line, name: row.name, lang: meta.lang, startedAt: meta.startedAt,
      state: 'ready', sink, discarding: false, lastMeters: null, detached: !background,
      detachedAt: background ? 0 : meta.kind === 'detached' && meta.detachedAt ? meta.detachedAt : now,
      source: meta.source, snapshotAt: row.image ? row.takenAt : null,
      ...(meta.basic ? { basic: meta.basic } : {}),
    };
    // where its meters go on from (the mainframe restores them from the same snapshot)
    let from: RestoredFrom | undefined;
    if (row.image) {
      const d = decodeJob(row.image);
      if (typeof d !== 'string') from = { cycles: d.facts.meters.cycles, coreWordMs: d.facts.meters.coreWordMs ?? 0, migrated };
    }
    // the accountant learns of the job first, then what was charged for it (its meter is seeded)
    this.d.hub.emit('jobStarted', { job, at: now });
    const charged = await this.d.hub.restored(job, from);
    const error = await this.d.jobs.restore(job, row.image, { background });
    if (error !== null) {
      this.d.log.error({ job: row.job, user: row.owner, error }, 'snapshot refused');
      const done = this.refuse(row, meta, error);
      this.d.hub.emit('jobEnded', { job, ...done.end });
      return { kind: 'refused', done };
    }
    if (charged !== null && charged > row.cycles) this.lost.set(job.job, charged - row.cycles);
    if (meta.kind === 'line' || migrated) this.updateMeta(job);
    return { kind: 'restored', job };
  }

  // ---- jobs on other hosts (several hosts on one store) ----

  /**
   * ATTACH of a job this host does not have: takes it from the store if its host put it away
   * (an orderly stop), atomically, so that no two hosts ever resume it. `elsewhere`: the job runs
   * on another host now (its owner attaches it there). null: the owner has no such job.
   */
  async claim(owner: string, n: number): Promise<
    { live: LiveJob; from: string; takenOver?: true } | { done: DoneJob; from: string } | { refused: string } | { elsewhere: string } | null
  > {
    // a host silent for the takeover time did not stop in good order (it crashed, or is cut off):
    // its jobs with snapshots may be taken over, and the store fences it for them
    const staleBefore = Date.now() - (this.d.config.takeoverSeconds ?? 120) * 1000;
    const row = await this.d.store.hotel.claim(n, this.host, owner, staleBefore);
    if (!row) {
      const there = await this.d.store.hotel.get(n);
      return there && there.owner === owner && there.host !== this.host ? { elsewhere: there.host } : null;
    }
    const from = row.takenFrom ?? (await this.fromHost(row)) ?? '?';
    this.d.log.info({ job: n, user: owner, from, takenOver: row.takenFrom !== undefined }, row.takenFrom ? 'job taken over from a host not heard from' : 'job claimed from another host');
    // Put away by its host: that host charged it up to its snapshot, where the meter here starts.
    // Taken over: its host's charges stop where the ledger has them (it is fenced), so the meter
    // here starts there, and the work between that and the snapshot is charged here, once.
    const r = await this.restoreRow(row, row.takenFrom === undefined);
    if (r.kind === 'restored') return { live: r.job, from, ...(row.takenFrom !== undefined ? { takenOver: true as const } : {}) };
    if (r.kind === 'done') return { done: r.done, from };
    return { refused: r.done.end.message };
  }

  /** The host a claimed row came from (the log and the user are told), from its meta. */
  private async fromHost(row: SnapshotRow): Promise<string | null> {
    try {
      return (JSON.parse(row.meta) as JobMeta).host ?? null;
    } catch {
      return null;
    }
  }

  /** The owner's jobs that live on other hosts, as the store has them (running there or put away). */
  async elsewhere(owner: string): Promise<{ job: number; name: string; host: string; parked: boolean; state: string; cycles: number }[]> {
    const rows = await this.d.store.hotel.ofOwner(owner);
    return rows.filter((r) => r.host !== this.host).map((r) => {
      let meta: Partial<JobMeta> = {};
      try {
        meta = JSON.parse(r.meta) as JobMeta;
      } catch {
        // shown without its state
      }
      const state = meta.done ? 'DONE' : r.parked ? 'PUT AWAY' : meta.kind === 'background' ? 'BACKGROUND' : meta.kind === 'detached' ? 'DETACHED' : 'ON A LINE';
      return { job: r.job, name: r.name, host: r.host, parked: r.parked === true, state, cycles: meta.done ? meta.done.meters.cycles : r.cycles };
    });
  }

  /** A job that cannot be restored: ended, its output saved, its owner told at login. */
  private refuse(row: SnapshotRow, meta: JobMeta | null, why: string): DoneJob {
    const message = `JOB ${row.job} COULD NOT BE RESTORED: ${why}. ITS OUTPUT IS SAVED AS ${outputName(row.name)}.`;
    const end: Ending = {
      reason: 'killed', status: -1, message, at: Date.now(),
      meters: { cycles: row.cycles, svcs: 0, coreWords: 0, coreWordCycles: 0, coreWordMs: 0, outputChars: 0, startedAt: meta?.startedAt ?? row.takenAt },
    };
    const done: DoneJob = {
      job: row.job, owner: row.owner, name: row.name, lang: meta?.lang ?? 'basic', line: meta?.line ?? null,
      startedAt: meta?.startedAt ?? row.takenAt, detachedAt: Date.now(), kept: meta?.kept ?? '', end,
    };
    this.done.set(row.job, done);
    this.keepDone(done);
    this.queue(row.job, 'save a refused job\'s output', () => this.saveOutput(row.owner, row.job, row.name, done.kept, message));
    return done;
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.firstRowDue.values()) clearTimeout(t);
    this.firstRowDue.clear();
  }

  /** Waits for the store writes queued so far. */
  flush(): Promise<void> {
    return this.settled();
  }
}
