// The monitor: the job table, core, the round-robin scheduler and the supervisor, driven by a
// synchronous API so that it is deterministic and testable without threads. The worker thread
// (worker.ts) and runStandalone (standalone.ts) drive it; tests drive it directly.
import { CPU } from '../machine/cpu.ts';
import { wasmCore } from '../machine/jit-wasm.ts';
import { Context } from '../machine/context.ts';
import { loadImage, partitionWords } from '../machine/loader.ts';
import { Stop, Trap, TRAP_NAMES } from '../machine/isa.ts';
import type { EndReason, FromMainframe, JobInfo, Meters, ToMainframe } from './protocol.ts';
import { type MonitorConfig, makeConfig, evenUp } from './config.ts';
import { CoreMap } from './core.ts';
import { Job, type Purse, newPurse } from './job.ts';
import { type Compilers, unavailable } from './compilers.ts';
import { CompileCache } from './compile-cache.ts';
import { type SvcHost, serve, finishGets, atPc, inLine } from './supervisor.ts';
import { LoadAverage } from './load.ts';
import { MachineClock } from './clock.ts';
import { RunQueue } from './queue.ts';
import { log } from './log.ts';
import { type DecodedJob, type JobFacts, decodeJob, encodeJob, hashWords } from './snapshot.ts';
import { type Phase, ASLEEP, BrokenInvariant, HOLDS_CORE, QUEUED_FOR_CORE, RUNNABLE, checkTransition } from './state.ts';

export interface MonitorOptions {
  config?: Partial<MonitorConfig>;
  /** from loadCompilers(); a language missing here is refused with a plain message */
  compilers: Compilers;
  /** receives every message for the front end, in order */
  emit: (msg: FromMainframe) => void;
  /** wall-clock ms (Date.now by default); tests pass a fake clock */
  now?: () => number;
  /** monotonic ms for pacing and idle time (performance.now by default; `now` when only it is given) */
  mono?: () => number;
}

/** How often the marks behind each job's share of the machine move on (ms). */
const SHARE_MARK_MS = 1000;
/** A budget pays for its jobs' core this far ahead (ms), and the monitor looks again halfway: see
 *  grant(). Longer would set aside more of a small purse for core the jobs may not keep; shorter
 *  would wake an idle mainframe more often. */
const CORE_AHEAD_MS = 200;

export class Monitor implements SvcHost {
  readonly cfg: MonitorConfig;
  readonly core: Int32Array;
  private readonly cpu: CPU;
  private readonly coreMap: CoreMap;
  private readonly compilers: Compilers;
  /** the last programs compiled, for their next RUN (compile-cache.ts) */
  readonly compiled = new CompileCache();
  private readonly emit: (msg: FromMainframe) => void;
  readonly now: () => number;

  private readonly jobs = new Map<number, Job>();
  readonly mono: () => number;
  /** Ready jobs that their user is waiting for (woken by a typed line, or just started): they get
   *  the CPU before the CPU-bound ones, as on CTSS and TOPS-10. A quantum used up moves a job to
   *  `slow`. Ended jobs are skipped lazily when they reach a head. */
  private readonly fast = new RunQueue();
  /** Ready jobs that used up a quantum, or woke from output or sleep: round robin. */
  private readonly slow = new RunQueue();
  private readyCount = 0;
  /** FIFO of jobs waiting for core, new ones and swapped ones alike (strict: later jobs never
   *  overtake the head) */
  private coreQueue: Job[] = [];
  private readonly sleepers = new Set<Job>();
  /** cycles charged here to jobs that have left the table (conservation: see checkInvariants) */
  private endedCycles = 0;
  /** jobs swapped out and in since the start (SYSTAT) */
  readonly swaps = { out: 0, in: 0 };
  /** per owner: cycles used since start and the budget ceiling (the front end's 'budget') */
  private readonly purses = new Map<string, Purse>();
  /** purses with a finite ceiling: their jobs' core is paid ahead from it (grant()) */
  private bounded = 0;
  private readonly outputJobs = new Set<Job>();

  /** busy, idle and lost cycles; paced, it says how far the machine may run */
  readonly clock: MachineClock;
  private readonly load = new LoadAverage();
  /** utilisation: the share of machine time not idle, decayed like the load averages */
  private readonly util = new LoadAverage();
  private utilMark: { at: number; idle: number };
  private shareMark: { at: number; machine: number };
  private prevShareMark: { at: number; machine: number };
  private metersDirty = false;
  /** Output is waiting that a user is waiting for: the driver should flush() before running on. */
  urgent = false;

  constructor(opts: MonitorOptions) {
    this.cfg = makeConfig(opts.config);
    // in a WebAssembly.Memory, so that the JIT translates hot code to WebAssembly (jit-wasm.ts)
    this.core = wasmCore(this.cfg.coreWords);
    this.cpu = new CPU(this.core);
    this.coreMap = new CoreMap(this.cfg.coreWords);
    this.compilers = opts.compilers;
    this.emit = opts.emit;
    this.now = opts.now ?? Date.now;
    this.mono = opts.mono ?? opts.now ?? (() => performance.now());
    const t = this.mono();
    const c = this.cfg;
    this.clock = new MachineClock(c.ratedClock, c.paced, Math.max(1, Math.floor((c.ratedClock * c.paceMs) / 1000)),
      Math.floor((c.ratedClock * c.maxLagMs) / 1000), t);
    this.load.start(t);
    this.util.start(t);
    this.utilMark = { at: t, idle: 0 };
    this.shareMark = { at: t, machine: 0 };
    this.prevShareMark = this.shareMark;
  }

  private get busyCycles(): number {
    return this.clock.busy;
  }

  // ---- the front end's messages ----

  handle(msg: ToMainframe): void {
    switch (msg.t) {
      case 'run':
        return this.run(msg);
      case 'input': {
        const job = this.jobs.get(msg.job);
        if (!job) return;
        job.input.push(msg.line); // type-ahead, unless the job waits for it (taken at once below)
        this.inputCame(job);
        return;
      }
      case 'eof': {
        const job = this.jobs.get(msg.job);
        if (!job) return;
        job.eof = true;
        this.inputCame(job);
        return;
      }
      case 'drained': {
        const job = this.jobs.get(msg.job);
        if (!job || !(msg.chars > 0)) return;
        job.unacked = Math.max(0, job.unacked - msg.chars);
        // Hysteresis: wake at half the window, so a job is not woken for every small write.
        if (job.phase === 'waiting for output' && job.unacked <= this.cfg.outputWindow >> 1) this.wake(job, this.slow);
        return;
      }
      case 'interrupt': {
        const job = this.jobs.get(msg.job);
        if (job) {
          const pc = this.pcOf(job);
          this.end(job, 'interrupted', -1, `INTERRUPTED${pc === null ? '' : atPc(job, pc)}`, false);
        }
        return;
      }
      case 'kill': {
        const job = this.jobs.get(msg.job);
        if (job) this.end(job, 'killed', -1, msg.reason ? `KILLED: ${msg.reason}` : 'KILLED', false);
        return;
      }
      case 'budget': {
        const p = this.purse(msg.owner);
        const was = p.ceiling !== Infinity;
        const now = this.now();
        // core held so far is charged under the old terms, then paid ahead under the new ones
        for (const job of this.jobs.values()) if (job.purse === p && job.ctx) this.accrueCore(job, now);
        p.ceiling = msg.ceiling ?? Infinity;
        p.message = msg.message;
        p.corePerWordMs = msg.corePerWordMs ?? 0;
        p.more = msg.more === true && p.ceiling !== Infinity;
        p.lowAt = p.more && typeof msg.renewAt === 'number' ? msg.renewAt : Infinity;
        p.emptySaid = false;
        this.bounded += (p.ceiling !== Infinity ? 1 : 0) - (was ? 1 : 0);
        if (p.ceiling === Infinity) {
          p.reserved = 0;
          p.renewAt = Infinity;
          for (const job of this.jobs.values()) if (job.purse === p && job.ctx && job.coreSince < now) job.coreSince = now;
        } else this.regrant(p, now);
        this.budgetCame(p);
        return;
      }
      case 'systat':
        this.emit(this.systat(msg.req));
        return;
      case 'checkpoint':
        this.checkpointAll(msg.req, msg.halt === true, msg.job);
        return;
      case 'restore':
        this.restore(msg.job, msg.data);
        return;
      case 'swapin':
        this.swappedIn(msg.job, msg.data, msg.error);
        return;
      case 'shutdown':
        for (const job of [...this.jobs.values()]) this.end(job, 'killed', -1, 'KILLED: SYSTEM SHUTDOWN', false);
        return;
    }
  }

  private run(msg: Extract<ToMainframe, { t: 'run' }>): void {
    if (this.jobs.has(msg.job)) {
      log.error({ job: msg.job }, 'run: job number already in use; ignored');
      return;
    }
    const limit = (v: number | undefined, dflt: number): number => (typeof v === 'number' && v > 0 ? Math.floor(v) : dflt);
    // A run message may lower the CPU limit (the front end does, to stop a job exactly at its
    // owner's budget) but never raise it above the machine's configuration.
    const cpuLimit = Math.min(limit(msg.cpuLimit, this.cfg.cpuLimit), this.cfg.cpuLimit);
    const job = new Job(msg.job, msg.owner, msg.line, msg.name, msg.lang, cpuLimit,
      limit(msg.outputLimit, this.cfg.outputLimit), this.now());
    if (cpuLimit < this.cfg.cpuLimit && msg.cpuLimitMessage) job.cpuLimitMessage = msg.cpuLimitMessage;
    job.purse = this.purse(msg.owner);
    job.source = msg.source;
    job.basic = msg.basic;
    job.snapAt = job.meters.startedAt;
    this.jobs.set(job.id, job);
    this.announce(job); // compiling
    const compile = this.compilers[msg.lang];
    const lines = msg.source.split('\n').length;
    const cost = this.cfg.compileBase + this.cfg.compilePerLine * lines;
    const p = job.purse;
    if (p.used + p.reserved + cost > p.ceiling) {
      // the budget cannot pay for the compile: nothing is done, nothing charged
      this.end(job, 'cpu limit', -1, p.message || 'BUDGET EXHAUSTED');
      return;
    }
    this.charge(job, cost);
    if (!compile) {
      const text = unavailable(msg.lang);
      this.emit({ t: 'compiled', job: job.id, errors: [text], warnings: [], words: 0 });
      this.end(job, 'rejected', -1, text);
      return;
    }
    const key = CompileCache.key(msg.lang, msg.source, msg.basic);
    let result = this.compiled.get(key);
    if (!result) {
      try {
        result = compile(msg.source, msg.basic);
        this.compiled.set(key, result);
      } catch (e) {
        log.error({ err: e, job: job.id, lang: msg.lang }, 'compiler threw');
        result = { errors: ['INTERNAL COMPILER ERROR: THE PROGRAM COULD NOT BE COMPILED'], warnings: [] };
      }
    }
    const image = result.errors.length === 0 ? result.image : undefined;
    const words = image ? partitionWords(image) : 0;
    const errors = image || result.errors.length > 0 ? result.errors : ['NO PROGRAM'];
    this.emit({ t: 'compiled', job: job.id, errors, warnings: result.warnings, words });
    if (!image) {
      this.end(job, 'rejected', -1, errors.join('\n'));
      return;
    }
    job.image = image;
    job.imageHash = hashWords(image.words);
    job.need = Math.max(this.cfg.defaultPartition, evenUp(words));
    if (job.need > this.cfg.largestPartition) {
      this.end(job, 'core', -1,
        `PROGRAM NEEDS ${job.need} WORDS OF CORE; THE LARGEST PARTITION IS ${this.cfg.largestPartition} WORDS`);
      return;
    }
    if (msg.coreLimit !== undefined) {
      // Every user is bounded: the core this owner's jobs hold or wait for, this one included.
      let held = 0;
      for (const other of this.jobs.values()) if (other !== job && other.owner === job.owner) held += other.need;
      if (held + job.need > msg.coreLimit) {
        this.end(job, 'core', -1,
          `PROGRAM NEEDS ${job.need} WORDS OF CORE; YOUR JOBS HOLD ${held} AND YOUR LIMIT IS ${msg.coreLimit} WORDS`);
        return;
      }
    }
    this.queueForCore(job);
  }

  /** Every job gets core through the core queue, in order; one that is admitted at once is never
   *  announced as waiting. */
  private queueForCore(job: Job): void {
    this.move(job, 'waiting for core', undefined, false);
    this.admitWaiting();
    if (job.phase === 'waiting for core') this.announce(job);
  }

  /** Gives the job a partition and loads it; false when core is short. */
  private load_(job: Job): boolean {
    const base = this.coreMap.allocate(job.id, job.need, this.core, (owner, b) => {
      this.jobs.get(owner)!.ctx!.base = b;
    });
    if (base === null) return false;
    const ctx = new Context();
    job.ctx = ctx;
    job.meters.coreWords = job.need;
    job.coreSince = job.residentSince = this.now();
    if (job.restore?.words) this.reload(job, job.restore, base);
    else {
      job.restore = null;
      loadImage(this.core, ctx, job.image!, base, job.need);
      this.move(job, 'ready', this.fast); // a new job answers its user first, then joins the round robin
    }
    // Its core is paid ahead too (after it has left the core queue: a purse that cannot pay ends
    // the owner's jobs, and each end serves the core queue again).
    this.regrant(job.purse, job.coreSince);
    return true;
  }

  /** Serves the core queue from its head, in order, while the head fits (swapping idle jobs out
   *  to make it fit, when swapping is on). */
  private admitWaiting(): void {
    while (this.coreQueue.length > 0) {
      const job = this.coreQueue[0];
      if (this.admit(job)) continue; // (each admission moves the head out of the queue)
      if (!this.makeRoom(job) || !this.admit(job)) return;
    }
  }

  /** Gives the head of the core queue its partition: a new job is loaded, a swapped one asked back. */
  private admit(job: Job): boolean {
    if (this.coreQueue[0] !== job) return true; // admitted (or ended) meanwhile, by a nested call
    return job.phase === 'waiting for core' ? this.load_(job) : this.swapIn(job);
  }

  // ---- swapping ----

  /**
   * The head of the core queue does not fit: swaps out jobs that are idle in core (waiting for
   * input or sleeping) until it does. Policy, and why:
   * - only idle jobs: a job that is computing or typing is never swapped (its user sees no stall
   *   but the one they caused by waiting);
   * - the longest idle first: the job least likely to want its core soon (a typist gone for
   *   coffee before one who is typing; a long sleep before a short nap);
   * - a minimum residence (`swapResidenceMs`): a job that got core (swapped in, or loaded) keeps it
   *   that long, and a sleeper whose alarm rings within that time is left alone, so two big jobs
   *   cannot thrash each other in and out;
   * - all or nothing: if swapping out every eligible job would still not make room, none is
   *   swapped (the head waits, as it would without swapping).
   * The core queue itself stays strictly FIFO for new and swapped jobs alike, so a job swapped out
   * for a newcomer comes back before any later newcomer.
   */
  private makeRoom(head: Job): boolean {
    if (!this.cfg.swap) return false;
    const now = this.now();
    const min = this.cfg.swapResidenceMs;
    const idle: Job[] = [];
    let could = this.coreMap.freeWords;
    for (const j of this.jobs.values()) {
      if (j.phase !== 'waiting for input' && j.phase !== 'sleeping') continue;
      if (now - j.residentSince < min) continue;
      if (j.phase === 'sleeping' && j.wakeAt - now < min) continue;
      idle.push(j);
      could += j.need;
    }
    if (could < head.need) return false;
    idle.sort((a, b) => a.idleSince - b.idleSince || a.id - b.id);
    for (const j of idle) {
      if (this.coreMap.freeWords >= head.need) break;
      this.swapOut(j);
    }
    return this.coreMap.freeWords >= head.need;
  }

  /** Swaps an idle job out: its snapshot (the front end keeps it in the store) and its core freed;
   *  it keeps its registers here, its place among the sleepers, and takes typed lines as before. */
  private swapOut(job: Job): void {
    const ctx = job.ctx!;
    const now = this.now();
    job.swapWait = job.phase === 'sleeping' ? 'sleep' : 'input';
    this.snapshot(job, true); // posts its output first; charges its core up to now
    job.swapRegs = {
      r: ctx.r.slice(), f: ctx.f.slice(), pc: ctx.pc, limit: ctx.limit, stackLow: ctx.stackLow, stackHigh: ctx.stackHigh, codeEnd: ctx.codeEnd,
    };
    this.coreMap.free(job.id);
    job.ctx = null;
    job.meters.coreWords = 0; // no core held, none charged
    job.dirty = true;
    this.metersDirty = true;
    this.move(job, job.swapWait === 'sleep' ? 'swapped, sleeping' : 'swapped, waiting for input');
    this.swaps.out++;
    if (job.purse.renewAt !== Infinity) this.regrant(job.purse, now); // its core is no longer set aside
  }

  /** A swapped job at the head of the core queue gets a partition and asks for its words back. */
  private swapIn(job: Job): boolean {
    const base = this.coreMap.allocate(job.id, job.need, this.core, (owner, b) => {
      this.jobs.get(owner)!.ctx!.base = b;
    });
    if (base === null) return false;
    const ctx = new Context();
    ctx.base = base;
    job.ctx = ctx;
    this.move(job, 'swapping in');
    this.emit({ t: 'swapin', job: job.id });
    return true;
  }

  /** The front end's answer to 'swapin': the job's words go back into its partition and it goes on
   *  exactly where it stopped, with the line it was given or after its alarm. */
  private swappedIn(id: number, data: Uint8Array | null, error: string | undefined): void {
    const job = this.jobs.get(id);
    if (!job || job.phase !== 'swapping in') return; // it ended meanwhile (its partition is free)
    const regs = job.swapRegs!;
    const d = data ? decodeJob(data) : error ?? 'THE STORE HAS NO COPY OF IT';
    const why = typeof d === 'string' ? d : !d.words || d.facts.id !== id || d.words.length !== regs.limit ? 'ITS COPY DOES NOT MATCH IT' : null;
    if (why !== null || typeof d === 'string') {
      log.error({ job: id, why }, 'swap-in failed: the job is stopped');
      this.end(job, 'error', -1, `SYSTEM ERROR: THE JOB COULD NOT BE SWAPPED IN (${why})`);
      return;
    }
    const ctx = job.ctx!;
    this.place(ctx, ctx.base, d.words!, regs, regs.r, regs.f);
    job.swapRegs = null;
    const now = this.now();
    job.meters.coreWords = job.need;
    job.coreSince = job.residentSince = now;
    job.dirty = true;
    this.swaps.in++;
    if (job.swapWait === 'input') {
      finishGets(this, job, job.hasInput() ? job.takeLine() : null);
      this.move(job, 'ready', this.fast); // its user typed the line it waited for
    } else this.move(job, 'ready', this.slow);
    this.regrant(job.purse, now);
  }

  // ---- the scheduler ----

  hasReady(): boolean {
    return this.readyCount > 0;
  }

  /**
   * Runs ready jobs, a quantum at a time (interactive ones first, then round robin), until about
   * `maxCycles` cycles have been charged, no job is ready, or output a user waits for is pending
   * (`urgent`: flush() it). `limit` stops the step even inside a quantum (the paced clock's
   * allowance): the job keeps its place and the rest of its quantum. Returns the cycles charged.
   */
  step(maxCycles: number, limit = Infinity): number {
    const start = this.busyCycles;
    this.urgent = false; // urgent means: became urgent during this step
    while (this.busyCycles - start < maxCycles && this.readyCount > 0 && !this.urgent) {
      const cap = limit - (this.busyCycles - start);
      if (cap <= 0) break;
      const job = this.fast.first() ?? this.slow.first()!;
      try {
        this.runQuantum(job, cap);
        if (!job.ended && job.meters.cycles - job.snapCycles >= this.snapshotCycles) this.snapshot(job);
      } catch (e) {
        // A fault in the machine or the monitor while serving this job: stop that job, keep the rest.
        log.error({ err: e, job: job.id }, 'job stopped by an internal error');
        this.end(job, 'error', -1, 'SYSTEM ERROR: THE JOB WAS STOPPED');
      }
    }
    return this.busyCycles - start;
  }

  /**
   * Paced, when the clock allows nothing (allowance() is 0): runs only the jobs their users are
   * waiting for (woken by a typed line, or just started), each at most a quantum, so a reply never
   * waits for the clock; the machine then runs ahead and the CPU-bound jobs wait that much longer.
   * Returns the cycles charged.
   */
  stepInteractive(): number {
    const start = this.busyCycles;
    this.urgent = false;
    if (!this.clock.mayBorrow(this.mono())) return 0;
    for (let job = this.fast.first(); job && !this.urgent; job = this.fast.first()) {
      try {
        this.runQuantum(job, Infinity);
      } catch (e) {
        log.error({ err: e, job: job.id }, 'job stopped by an internal error');
        this.end(job, 'error', -1, 'SYSTEM ERROR: THE JOB WAS STOPPED');
      }
    }
    return this.busyCycles - start;
  }

  /** Paced: cycles the machine may run now (0: sleep for delayMs()); Infinity unthrottled. */
  allowance(): number {
    return this.clock.allowance(this.mono());
  }

  /** Paced, with jobs ready and no allowance: ms until the wall clock catches up. */
  delayMs(): number {
    return this.clock.msUntilDue(this.mono());
  }

  private runQuantum(job: Job, cap: number): void {
    const ctx = job.ctx!;
    const start = this.busyCycles;
    if (job.phase === 'ready') this.move(job, 'running');
    for (;;) {
      const purse = job.purse;
      const left = Math.min(job.cpuLimit - job.meters.cycles, this.cpuLeft(purse));
      if (job.ended) return; // (the purse was empty)
      if (left <= 0) return this.endCpuLimit(job);
      const stop = this.cpu.run(ctx, Math.max(1, Math.min(job.quantumLeft, left, cap - (this.busyCycles - start))));
      this.charge(job, this.cpu.cycles);
      switch (stop) {
        case Stop.BUDGET:
          if (job.meters.cycles >= job.cpuLimit || purse.used >= purse.ceiling) return this.endCpuLimit(job);
          if (job.quantumLeft <= 0) return this.rotate(job);
          if (this.busyCycles - start >= cap) return; // paced: the rest of its quantum comes later
          continue;
        case Stop.SVC:
          if (!serve(this, job)) return;
          if (job.meters.cycles >= job.cpuLimit || purse.used >= purse.ceiling) return this.endCpuLimit(job);
          if (job.quantumLeft <= 0) return this.rotate(job);
          if (this.busyCycles - start >= cap) return;
          continue;
        case Stop.HALT:
          return this.end(job, 'normal', 0, '');
        default:
          return this.end(job, 'error', -1, this.trapMessage(job));
      }
    }
  }

  private trapMessage(job: Job): string {
    const ctx = job.ctx!;
    const kind = ctx.trapKind as Trap;
    const pc = ctx.trapPc;
    const addr = ctx.trapAddr;
    const own = job.image?.describeTrap?.(kind, pc, addr);
    if (own) return own + inLine(job, pc);
    const name = TRAP_NAMES[kind] ?? `TRAP ${kind}`;
    let text: string;
    if (kind === Trap.ADDRESS) text = `ADDRESS TRAP AT PC ${pc}: ADDRESS ${addr} OUTSIDE PARTITION`;
    else if (kind === Trap.ALIGNMENT) text = `ALIGNMENT TRAP AT PC ${pc}: ADDRESS ${addr} IS ODD`;
    else text = `${name} AT PC ${pc}`;
    return text + inLine(job, pc);
  }

  /** Cycles the purse lets the CPU use now: what it holds beyond the core paid for ahead. When
   *  that is spent, the core is paid for afresh (at most half of what is left goes to core), so
   *  the CPU stops only when the purse is all but empty. */
  private cpuLeft(p: Purse): number {
    if (p.ceiling === Infinity) return Infinity;
    let left = p.ceiling - p.used - p.reserved;
    if (left <= 0 && p.used < p.ceiling && p.reserved > 0) {
      this.regrant(p, this.now());
      left = p.ceiling - p.used - p.reserved;
    }
    return left;
  }

  private endCpuLimit(job: Job): void {
    if (job.meters.cycles < job.cpuLimit) {
      // the purse, not the job's own limit: with more to come the job waits for it, not stops
      if (job.purse.more) return this.waitForBudget(job);
      return this.end(job, 'cpu limit', -1, job.purse.message || 'BUDGET EXHAUSTED');
    }
    const secs = (job.cpuLimit / this.cfg.ratedClock).toFixed(2);
    this.end(job, 'cpu limit', -1, job.cpuLimitMessage ?? `CPU LIMIT EXCEEDED (${secs} SECONDS)`);
  }

  // ---- the state machine (state.ts): every change of a job's phase goes through move() ----

  /**
   * Moves a job to phase `to`: checks the transition against the table (an illegal one throws,
   * naming both phases), takes the job out of the collections of its old phase and puts it into
   * those of the new one (`q`: the run queue, when it becomes ready), and tells the front end when
   * the state it sees changes (`announce` false: the caller announces later, or never).
   */
  private move(job: Job, to: Phase, q?: RunQueue, announce = true): void {
    const from = job.phase;
    checkTransition(job.id, from, to);
    if (from === 'ready' && to === 'running') {
      job.phase = to; // it keeps its place on the run queue
      if (announce) this.announce(job);
      return;
    }
    // leave
    if (RUNNABLE.has(from)) {
      if (to === 'stopped') job.runq = null; // (its entry is dropped when it reaches the head)
      else {
        // only the job at the head (the one running) blocks
        if (job.runq?.first() !== job) throw new BrokenInvariant('ready-once', `job ${job.id} leaves its run queue from behind the head`);
        job.runq.shift();
      }
      this.readyCount--;
      if (this.readyCount === 0) this.clock.startIdle(this.mono());
    } else if (QUEUED_FOR_CORE.has(from)) {
      const i = this.coreQueue.indexOf(job);
      if (i >= 0) this.coreQueue.splice(i, 1);
    }
    if (ASLEEP.has(from) && !ASLEEP.has(to)) this.sleepers.delete(job);
    // enter
    job.phase = to;
    if (to === 'ready') {
      if (this.readyCount === 0) this.clock.endIdle(this.mono());
      job.quantumLeft = this.cfg.quantum;
      (q ?? this.slow).push(job);
      this.readyCount++;
    } else if (QUEUED_FOR_CORE.has(to)) this.coreQueue.push(job);
    if (ASLEEP.has(to)) this.sleepers.add(job);
    if (to === 'waiting for input' || to === 'sleeping') job.idleSince = this.now();
    if (announce && to !== 'stopped') this.announce(job); // (an end is told by its 'end' message)
  }

  /** Tells the front end the job's state, if it has changed since it was last told. */
  private announce(job: Job): void {
    const shown = job.state;
    if (job.shown === shown) return;
    job.shown = shown;
    this.emit({ t: 'state', job: job.id, state: shown });
  }

  /** The running job's quantum is over: to the tail of the round robin. */
  private rotate(job: Job): void {
    job.quantumLeft = this.cfg.quantum;
    if (job.runq === this.slow && this.readyCount === 1) return; // alone: it keeps the CPU
    job.runq!.shift();
    this.slow.push(job);
  }

  yieldCpu(job: Job): void {
    job.quantumLeft = 0;
    this.rotate(job);
  }

  block(job: Job, wait: 'input' | 'output' | 'sleep'): void {
    // A job that typed something and now waits for its user: post that output now, not at the end
    // of the worker's slice, so the user sees the prompt or the echo at once.
    if (wait === 'input' && job.pending.length > 0) this.urgent = true;
    this.move(job, wait === 'input' ? 'waiting for input' : wait === 'output' ? 'waiting for output' : 'sleeping');
    // A job about to wait a long time (its user, or its alarm) is snapshotted if it has worked
    // since its last snapshot and that was long ago, so a crash loses little of an interactive job.
    if (wait !== 'output' && job.meters.cycles > job.snapCycles && this.now() - job.snapAt >= this.cfg.snapshotSeconds * 1000) {
      this.snapshot(job);
    }
  }

  /** A job waiting in core for input, output or its alarm can go on. */
  private wake(job: Job, q: RunQueue): void {
    this.move(job, 'ready', q);
  }

  /** A line typed (or the end of input) for a job: a job waiting for it goes on at once, ahead of
   *  the CPU-bound ones (its user is waiting for the answer). */
  private inputCame(job: Job): void {
    if (!(job.hasInput() || job.eof)) return;
    if (job.phase === 'waiting for input') {
      finishGets(this, job, job.hasInput() ? job.takeLine() : null);
      this.wake(job, this.fast);
    } else if (job.phase === 'swapped, waiting for input') {
      // it needs its core back first: in the core queue, in order
      this.move(job, 'swapped, waiting for core');
      this.admitWaiting();
    }
  }

  /** Where the job's program counter is, or null before it had one. */
  private pcOf(job: Job): number | null {
    return job.ctx ? job.ctx.pc : job.swapRegs ? job.swapRegs.pc : null;
  }

  /** Wakes sleepers whose time has come and samples the load average. Call it often. */
  tick(): void {
    const now = this.now();
    for (const job of this.sleepers) {
      if (job.wakeAt > now) continue;
      if (job.phase === 'sleeping') this.wake(job, this.slow);
      else this.move(job, 'swapped, waiting for core'); // swapped: it needs its core back first
    }
    // someone waits for core: a job may have become idle long enough to be swapped for it
    if (this.coreQueue.length > 0) this.admitWaiting();
    if (this.bounded > 0) {
      // Budgets cover core-time too: a job that sleeps or waits for input on a budget pays for its
      // core, ahead, and stops when the purse cannot pay for more (grant()).
      const held = new Map<Purse, number>();
      for (const job of this.jobs.values()) {
        const p = job.purse;
        if (p.ceiling === Infinity) continue;
        const words = this.charging(job);
        if (words > 0) {
          this.accrueCore(job, now);
          if (job.coreSince < now) job.coreSince = now; // held past what was paid: not charged
        }
        held.set(p, (held.get(p) ?? 0) + words);
      }
      for (const [p, words] of held) if (now >= p.renewAt || p.used + p.reserved >= p.ceiling) this.grant(p, words, now);
    }
    this.sample();
  }

  /** Load average, utilisation and share marks, when their periods have passed. */
  private sample(): void {
    const t = this.mono();
    this.load.sample(t, this.readyCount);
    if (this.readyCount === 0) this.clock.settleIdle(t);
    if (t >= this.util.nextAt) {
      // utilisation over the period: 1 - idle / rated cycles of wall time
      const wall = ((t - this.utilMark.at) * this.cfg.ratedClock) / 1000;
      const u = wall > 0 ? Math.min(1, Math.max(0, 1 - (this.clock.idle - this.utilMark.idle) / wall)) : 0;
      this.util.sample(t, u);
      this.utilMark = { at: t, idle: this.clock.idle };
    }
    if (t - this.shareMark.at >= SHARE_MARK_MS) {
      this.prevShareMark = this.shareMark;
      this.shareMark = { at: t, machine: this.clock.machine };
      for (const job of this.jobs.values()) {
        job.prevMarkCycles = job.markCycles;
        job.markCycles = job.meters.cycles;
      }
    }
  }

  /** A job's share of the machine over the last one to two seconds (0..1). */
  private share(job: Job): number {
    const machine = this.clock.machine - this.prevShareMark.machine;
    return machine > 0 ? Math.min(1, (job.meters.cycles - job.prevMarkCycles) / machine) : 0;
  }

  /** Wall-clock ms when the monitor must look again though nothing is ready (a sleeper wakes, a
   *  budget's core must be paid for again), or null. */
  nextWake(): number | null {
    let t: number | null = null;
    for (const job of this.sleepers) if (t === null || job.wakeAt < t) t = job.wakeAt;
    if (this.bounded > 0) for (const p of this.purses.values()) if (p.renewAt !== Infinity && (t === null || p.renewAt < t)) t = p.renewAt;
    if (this.cfg.swap && this.coreQueue.length > 0) {
      // a job waits for core: look again when an idle job may have been resident long enough
      const again = this.now() + Math.min(250, this.cfg.swapResidenceMs);
      if (t === null || again < t) t = again;
    }
    return t;
  }

  // ---- accounting ----

  charge(job: Job, cycles: number): void {
    job.meters.cycles += cycles;
    const p = job.purse;
    p.used += cycles;
    if (p.used >= p.lowAt) {
      // the front end renews a lease on the budget before it is gone, not after (protocol.ts)
      p.lowAt = Infinity;
      this.urgent = true;
      this.emit({ t: 'purse', owner: job.owner, empty: false });
    }
    job.meters.coreWordCycles += job.meters.coreWords * cycles;
    job.quantumLeft -= cycles;
    job.dirty = true;
    this.clock.busy += cycles;
    this.metersDirty = true;
  }

  /** Idle cycles: machine time with nothing ready (paced: what the jobs did not use of the rated
   *  clock; unthrottled: idle wall time at the rated clock). */
  get idleCycles(): number {
    if (this.readyCount === 0) this.clock.settleIdle(this.mono());
    return this.clock.idle;
  }

  /** Every cycle: charged to jobs plus idle. */
  get totalCycles(): number {
    return this.busyCycles + this.idleCycles;
  }

  /** Meters changed since the last checkpoint (a job holding core always has: its core-time grows). */
  get metersPending(): boolean {
    return this.metersDirty || this.coreMap.usedWords > 0;
  }

  private purse(owner: string): Purse {
    let p = this.purses.get(owner);
    if (!p) this.purses.set(owner, (p = newPurse()));
    return p;
  }

  /** Words of core the job is charged for now (0 unless it holds core with its words in it). */
  private charging(job: Job): number {
    return job.ctx ? job.meters.coreWords : 0;
  }

  /**
   * Meters the core-time a job has held up to `now` (wall time: a sleeping job pays for its core).
   * On a budget, only up to what the purse has paid for (grant()).
   */
  private accrueCore(job: Job, now: number): void {
    const p = job.purse;
    const until = p.ceiling === Infinity ? now : Math.min(now, p.paidUntil);
    if (job.meters.coreWords === 0 || !job.ctx || until <= job.coreSince) return;
    const wordMs = job.meters.coreWords * (until - job.coreSince);
    const units = wordMs * p.corePerWordMs;
    job.meters.coreWordMs += wordMs;
    p.used += units;
    if (p.ceiling !== Infinity) p.reserved = Math.max(0, p.reserved - units);
    job.coreSince = until;
    job.dirty = true;
  }

  /**
   * A budget is a promise in the mainframe's own time, whatever the host's load: the CPU is
   * checked before every piece of a quantum, and core, charged by wall time held, is paid AHEAD:
   * the purse sets aside the core its jobs hold for the next CORE_AHEAD_MS (or as much of it as it
   * can pay for), the CPU may use only what is left, and core is charged only up to what was paid
   * (`paidUntil`). The monitor looks again halfway (`renewAt`, a wake-up of the worker) and pays
   * the next stretch; when the purse cannot pay for another millisecond of the core held, every
   * job of the owner stops. A host so busy that the mainframe thread is not run for longer than
   * the stretch paid for does not charge the core held meanwhile (as the clock does not charge
   * lost cycles): so CPU and core together never pass the ceiling, however late the thread runs.
   * (Exceptions, each small and bounded: a supervisor call's own charge is made after it has run,
   * at most base + 65,536 cycles, and so is a GETS finished by a typed line.)
   */
  private grant(p: Purse, words: number, now: number): void {
    p.reserved = 0;
    p.paidUntil = now;
    p.renewAt = Infinity;
    const rate = words * p.corePerWordMs; // units a millisecond
    const avail = p.ceiling - p.used;
    if (rate <= 0) {
      if (avail <= 0) this.emptyPurse(p);
      return;
    }
    // at most half of what is left is set aside for core, so the CPU always gets the other half
    const ms = Math.floor(Math.min(CORE_AHEAD_MS, avail / 2 / rate));
    if (ms < 1) return this.emptyPurse(p);
    p.paidUntil = now + ms;
    p.reserved = rate * ms;
    p.renewAt = ms < CORE_AHEAD_MS ? p.paidUntil : now + (CORE_AHEAD_MS >> 1);
  }

  /** grant() for a purse whose jobs' core changed (one got core or gave it up). */
  private regrant(p: Purse, now: number): void {
    if (p.ceiling === Infinity) return;
    let words = 0;
    for (const job of this.jobs.values()) {
      if (job.purse !== p) continue;
      const w = this.charging(job);
      if (w === 0) continue;
      this.accrueCore(job, now);
      if (job.coreSince < now) job.coreSince = now;
      words += w;
    }
    this.grant(p, words, now);
  }

  /** The purse is empty: every job of its owner stops, unless more is on its way (then they wait:
   *  a running job when it next reaches the CPU, a sleeping one holds its core unpaid meanwhile). */
  private emptyPurse(p: Purse): void {
    p.renewAt = Infinity;
    if (p.more) return this.sayEmpty(p);
    const mine = [...this.jobs.values()].filter((j) => j.purse === p);
    for (const job of mine) this.end(job, 'cpu limit', -1, p.message || 'BUDGET EXHAUSTED');
  }

  /**
   * The running job has used all its owner's purse and the front end said more may come: it leaves
   * the CPU, holding its core, until the next 'budget' (budgetCame). Why wait rather than stop:
   * flat out, a job can use up its host's share of the budget before the renewal is back from the
   * database, and a stop there would end it with the budget far from spent. While it waits its core
   * is not charged (paid ahead only up to when the purse ran dry): the wait is the system's, not
   * the user's, as the cycles a busy host cannot deliver are not charged either.
   */
  private waitForBudget(job: Job): void {
    this.move(job, 'waiting for budget');
    this.sayEmpty(job.purse);
  }

  /** Tells the front end, once per 'budget', that the owner's jobs wait for more of the budget. */
  private sayEmpty(p: Purse): void {
    if (p.emptySaid) return;
    p.emptySaid = true;
    p.lowAt = Infinity;
    this.urgent = true; // (the worker posts it at once: a renewal is what they wait for)
    this.emit({ t: 'purse', owner: this.ownerOf(p), empty: true });
  }

  /** A new 'budget' for the purse: jobs waiting for it go on if it has room, stop if it is final. */
  private budgetCame(p: Purse): void {
    const waiting = [...this.jobs.values()].filter((j) => j.purse === p && j.phase === 'waiting for budget');
    if (waiting.length === 0) return;
    if (this.cpuLeft(p) > 0) {
      for (const job of waiting) if (!job.ended) this.move(job, 'ready', this.slow);
    } else if (!p.more) {
      for (const job of waiting) this.end(job, 'cpu limit', -1, p.message || 'BUDGET EXHAUSTED');
    } else this.sayEmpty(p); // raised, but not enough for a cycle: ask again
  }

  private ownerOf(p: Purse): string {
    for (const [owner, q] of this.purses) if (q === p) return owner;
    return '';
  }

  /** A 'meters' message with the jobs whose meters changed since the last one, or null if none did. */
  checkpoint(): Extract<FromMainframe, { t: 'meters' }> | null {
    if (!this.metersPending) return null;
    this.metersDirty = false;
    const jobs: { job: number; meters: Meters }[] = [];
    const now = this.now();
    for (const job of this.jobs.values()) {
      if (job.ctx) this.accrueCore(job, now);
      if (!job.dirty) continue;
      job.dirty = false;
      jobs.push({ job: job.id, meters: { ...job.meters } });
    }
    const idleCycles = this.idleCycles;
    return { t: 'meters', at: this.now(), jobs, idleCycles, totalCycles: this.busyCycles + idleCycles };
  }

  systat(req: number): Extract<FromMainframe, { t: 'systat' }> {
    this.sample();
    const idleCycles = this.idleCycles;
    return {
      t: 'systat', req, jobs: this.table(), idleCycles, totalCycles: this.busyCycles + idleCycles,
      load: this.load.averages(), core: { total: this.coreMap.total, used: this.coreMap.usedWords },
      ratedClock: this.cfg.ratedClock, paced: this.cfg.paced, utilisation: this.util.averages(),
      lostCycles: this.clock.lost, at: this.mono(),
    };
  }

  table(): JobInfo[] {
    const now = this.now();
    for (const j of this.jobs.values()) if (j.ctx) this.accrueCore(j, now);
    return [...this.jobs.values()].map((j) => ({
      job: j.id, owner: j.owner, line: j.line, name: j.name, state: j.state, meters: { ...j.meters }, share: this.share(j),
      ...(j.swapped ? { swapped: true } : {}),
    }));
  }

  /** A live job (for tests and tools), or undefined. */
  job(id: number): Job | undefined {
    return this.jobs.get(id);
  }

  // ---- snapshots (snapshot.ts) ----

  private get snapshotCycles(): number {
    return this.cfg.snapshotSeconds * this.cfg.ratedClock;
  }

  /** Posts the job's output, then its whole state as a 'snapshot' message. Call it only between
   *  instructions (outside CPU.run), as every caller does. */
  snapshot(job: Job, swap = false): void {
    this.flushJob(job);
    const now = this.now();
    this.accrueCore(job, now); // its core-time up to now is in the snapshot's meters
    // A swapped job's words are in the store: its snapshot carries its state and registers, and
    // the front end completes it from the swap image (snapshot.ts completeSnapshot).
    const partial = job.swapped;
    const ctx = partial ? job.swapRegs : job.ctx;
    const facts: JobFacts = {
      id: job.id, owner: job.owner, name: job.name, lang: job.lang, source: job.source, imageHash: job.imageHash,
      ...(job.basic ? { basic: job.basic } : {}),
      cpuLimit: job.cpuLimit, outputLimit: job.outputLimit, cpuLimitMessage: job.cpuLimitMessage ?? null,
      wait: job.wait, sleepLeft: job.wait === 'sleep' ? Math.max(0, job.wakeAt - now) : 0,
      getsAddr: job.getsAddr, getsCap: job.getsCap, eof: job.eof, input: job.input.slice(job.inputHead),
      pending: job.pending.join(''), column: job.column, rng: job.rng, meters: { ...job.meters },
      ctx: ctx ? { pc: ctx.pc, limit: ctx.limit, stackLow: ctx.stackLow, stackHigh: ctx.stackHigh, codeEnd: ctx.codeEnd } : null,
      takenAt: now,
      ...(partial ? { partial: true } : {}),
    };
    const empty = new Int32Array(17);
    const data = !ctx
      ? encodeJob(facts, empty, new Float64Array(16), null)
      : partial
        ? encodeJob(facts, ctx.r, ctx.f, null)
        : encodeJob(facts, ctx.r, ctx.f, this.core.subarray(job.ctx!.base, job.ctx!.base + ctx.limit));
    job.snapCycles = job.meters.cycles;
    job.snapAt = now;
    this.emit({
      t: 'snapshot', job: job.id, at: now, cycles: job.meters.cycles, state: job.state, data,
      ...(swap ? { swap: true as const } : {}), ...(partial ? { partial: true as const } : {}),
    });
  }

  /** Snapshots every job (or only job `only`); with `halt` puts them away (no 'end': they go on
   *  after a restart, or on another host). */
  private checkpointAll(req: number, halt: boolean, only?: number): void {
    this.flush();
    const m = this.checkpoint();
    if (m) this.emit(m);
    const one = only === undefined ? undefined : this.jobs.get(only);
    const jobs = only === undefined ? [...this.jobs.values()] : one ? [one] : [];
    for (const job of jobs) this.snapshot(job);
    if (halt) {
      // put away, not ended: no 'end' (they go on after the restart)
      const now = this.now();
      for (const job of jobs) {
        const held = job.meters.coreWords > 0;
        this.leave(job);
        this.outputJobs.delete(job);
        // one job put away while others run: its core is free for them, and no longer paid ahead
        if (one && held && job.purse.renewAt !== Infinity) this.regrant(job.purse, now);
      }
      if (one) this.admitWaiting();
    }
    this.emit({ t: 'checkpointed', req, jobs: jobs.length });
  }

  /** Takes a job back from its snapshot: it goes on exactly where it stopped. */
  private restore(id: number, data: Uint8Array): void {
    const refuse = (error: string): void => {
      log.warn({ job: id, error }, 'snapshot refused');
      this.emit({ t: 'restored', job: id, error });
    };
    if (this.jobs.has(id)) return refuse('THE JOB NUMBER IS ALREADY IN USE');
    const d = decodeJob(data);
    if (typeof d === 'string') return refuse(d);
    const x = d.facts;
    if (x.id !== id) return refuse('THE SNAPSHOT IS OF ANOTHER JOB');
    if (x.partial) return refuse('THE SNAPSHOT LACKS THE JOB\'S CORE (IT WAS SWAPPED OUT)');
    const job = new Job(id, x.owner, null, x.name, x.lang, Math.min(x.cpuLimit, this.cfg.cpuLimit), x.outputLimit, x.meters.startedAt);
    Object.assign(job.meters, x.meters);
    // It holds no core until load_() gives it a partition: the snapshot's words of core are what it
    // held on the machine that took it. Kept, they made a restored job that waited for core (a full
    // machine) break core-held, and a snapshot taken while it waited charged them from time 0.
    job.meters.coreWords = 0;
    job.source = x.source;
    job.purse = this.purse(x.owner);
    job.basic = x.basic;
    job.imageHash = x.imageHash;
    if (x.cpuLimitMessage !== null) job.cpuLimitMessage = x.cpuLimitMessage;
    job.getsAddr = x.getsAddr;
    job.getsCap = x.getsCap;
    job.eof = x.eof;
    job.input.push(...x.input);
    if (x.pending) job.pending.push(x.pending);
    job.column = x.column;
    job.rng = x.rng;
    job.snapCycles = x.meters.cycles;
    job.snapAt = this.now();
    // Compiled again only for its line map and trap messages (the partition holds the code): a
    // compiler that now gives other code could name wrong lines, so its image is then not used.
    let image = null;
    try {
      const key = CompileCache.key(x.lang, x.source, x.basic);
      let r = this.compiled.get(key);
      if (!r) {
        r = this.compilers[x.lang]?.(x.source, x.basic);
        if (r) this.compiled.set(key, r);
      }
      if (r?.image && hashWords(r.image.words) === x.imageHash) image = r.image;
    } catch (e) {
      log.warn({ err: e, job: id }, 'restore: the program did not compile again');
    }
    if (x.ctx) {
      const need = x.ctx.limit;
      if (need > this.cfg.largestPartition) {
        return refuse(`ITS PARTITION OF ${need} WORDS IS LARGER THAN THIS MACHINE'S LARGEST (${this.cfg.largestPartition} WORDS)`);
      }
      job.need = need;
      job.image = image ?? { words: new Int32Array(0), entry: x.ctx.pc, bssWords: 0, stackWords: 0, codeEnd: x.ctx.codeEnd };
      job.restore = d;
      job.sleepLeft = x.sleepLeft;
      job.restoreWait = x.wait;
    } else {
      if (!image) return refuse('THE PROGRAM NO LONGER COMPILES TO THE SAME CODE');
      job.image = image;
      job.need = Math.max(this.cfg.defaultPartition, evenUp(partitionWords(image)));
      if (job.need > this.cfg.largestPartition) return refuse(`IT NEEDS ${job.need} WORDS; THE LARGEST PARTITION IS ${this.cfg.largestPartition} WORDS`);
    }
    job.cyclesBefore = x.meters.cycles; // charged before; this machine's clock did not run them
    this.jobs.set(id, job);
    this.emit({ t: 'restored', job: id, error: null });
    this.queueForCore(job);
  }

  /** A job's saved words and registers put back into its partition at `base` (a swap-in or a
   *  restore from a snapshot). */
  private place(ctx: NonNullable<Job['ctx']>, base: number, words: Int32Array, at: { limit: number; stackLow: number; stackHigh: number; codeEnd: number; pc: number }, r: Int32Array, f: Float64Array): void {
    this.core.set(words, base);
    ctx.base = base;
    ctx.limit = at.limit;
    ctx.stackLow = at.stackLow;
    ctx.stackHigh = at.stackHigh;
    ctx.setCode(at.codeEnd);
    ctx.r.set(r);
    ctx.f.set(f);
    ctx.pc = at.pc;
  }

  /** load_() for a restored job: its saved words and registers, and the wait it was in. */
  private reload(job: Job, d: DecodedJob, base: number): true {
    const x = d.facts, c = x.ctx!, ctx = job.ctx!;
    this.place(ctx, base, d.words!, c, d.r, d.f);
    job.restore = null;
    const wait = job.restoreWait;
    if (wait === 'input' && !job.hasInput() && !job.eof) {
      this.move(job, 'waiting for input');
    } else if (wait === 'input') {
      finishGets(this, job, job.hasInput() ? job.takeLine() : null);
      this.move(job, 'ready', this.fast);
    } else if (wait === 'sleep') {
      job.wakeAt = this.now() + job.sleepLeft;
      this.move(job, 'sleeping');
    } else this.move(job, 'ready', this.slow); // ready, or waiting for output (the front end holds what was in flight)
    return true;
  }

  // ---- the terminal ----

  type(job: Job, text: string): boolean {
    const room = job.outputLimit - job.meters.outputChars;
    const over = text.length > room;
    if (over) text = text.slice(0, Math.max(0, room));
    if (text.length > 0) {
      if (job.pendingSys) this.flushJob(job);
      job.pending.push(text);
      this.outputJobs.add(job);
      job.unacked += text.length;
      job.meters.outputChars += text.length;
      job.dirty = true;
      this.metersDirty = true;
      job.column = advanceColumn(job.column, text);
    }
    if (over) {
      this.end(job, 'output limit', -1, `OUTPUT LIMIT EXCEEDED (${job.outputLimit} CHARACTERS)`);
      return false;
    }
    return true;
  }

  typeSystem(job: Job, text: string): boolean {
    if (!job.pendingSys) this.flushJob(job);
    const s = (job.column > 0 ? '\n' : '') + text + '\n';
    // warnings count against the output limit too, or a loop of them floods the terminal unbounded
    if (s.length > job.outputLimit - job.meters.outputChars) {
      this.end(job, 'output limit', -1, `OUTPUT LIMIT EXCEEDED (${job.outputLimit} CHARACTERS)`);
      return false;
    }
    job.meters.outputChars += s.length;
    job.unacked += s.length;
    job.column = 0;
    job.pending.push(s);
    job.pendingSys = true;
    this.outputJobs.add(job);
    return true;
  }

  wrote(job: Job, addr: number, len: number): void {
    if (len > 0) job.ctx!.invalidate(addr, addr + len);
  }

  /** Posts every job's pending output as 'out' messages. */
  flush(): void {
    this.urgent = false;
    for (const job of this.outputJobs) this.flushJob(job);
    this.outputJobs.clear();
  }

  private flushJob(job: Job): void {
    if (job.pending.length === 0) return;
    const text = job.pending.length === 1 ? job.pending[0] : job.pending.join('');
    job.pending = [];
    if (job.pendingSys) {
      job.pendingSys = false;
      this.emit({ t: 'out', job: job.id, text, sys: true });
    } else this.emit({ t: 'out', job: job.id, text });
  }

  // ---- ending ----

  /** Ends a job; `keepOutput` false discards its pending output (interrupt, kill). */
  end(job: Job, reason: EndReason, status: number, message: string, keepOutput = true): void {
    if (job.ended) return;
    this.urgent = true; // the end message (and any output) should reach the user promptly
    if (keepOutput) this.flushJob(job);
    else {
      for (const s of job.pending) job.unacked -= s.length;
      job.pending = [];
      job.pendingSys = false;
    }
    this.outputJobs.delete(job);
    const now = this.now();
    if (job.ctx) this.accrueCore(job, now);
    this.leave(job);
    this.emit({ t: 'end', job: job.id, reason, status, message, meters: { ...job.meters } });
    if (job.meters.coreWords > 0 && job.purse.renewAt !== Infinity) this.regrant(job.purse, now); // its core is no longer set aside
    this.admitWaiting();
  }

  /** The job leaves the table (ended, or put away): stopped, in no collection, its core freed. */
  private leave(job: Job): void {
    this.move(job, 'stopped');
    this.jobs.delete(job.id);
    this.endedCycles += job.meters.cycles - job.cyclesBefore;
    if (job.ctx) {
      this.coreMap.free(job.id);
      job.ctx = null;
    }
  }

  // ---- invariants ----

  /**
   * Checks the job table against the collections, the core map and the clock; throws a
   * BrokenInvariant naming the first one broken. Tests run it after every step; with
   * TIMESHARE_CHECKS=1 the worker runs it after every slice. It costs a pass over the jobs.
   */
  checkInvariants(): void {
    const fail = (name: string, detail: string): never => {
      throw new BrokenInvariant(name, detail);
    };
    // ready-once: a ready or running job is on exactly one run queue, exactly once; nothing else is
    const onQueue = new Map<Job, number>();
    for (const q of [this.fast, this.slow]) for (const j of q.live()) onQueue.set(j, (onQueue.get(j) ?? 0) + 1);
    for (const [j, n] of onQueue) {
      if (n !== 1) fail('ready-once', `job ${j.id} is on the run queues ${n} times`);
      if (!RUNNABLE.has(j.phase)) fail('ready-once', `job ${j.id} is on a run queue but ${j.phase}`);
      if (this.jobs.get(j.id) !== j) fail('ready-once', `job ${j.id} is on a run queue but not in the table`);
    }
    let runnable = 0;
    for (const j of this.jobs.values()) {
      if (j.phase === 'stopped' || j.phase === 'compiling') fail('table-live', `job ${j.id} is in the table but ${j.phase}`);
      if (RUNNABLE.has(j.phase)) {
        runnable++;
        if (!onQueue.has(j)) fail('ready-once', `job ${j.id} is ${j.phase} but on no run queue`);
      }
    }
    if (runnable !== this.readyCount) fail('ready-count', `${runnable} jobs are ready, the count says ${this.readyCount}`);
    // core-queue: exactly the jobs waiting for core, once each, in the table
    const queued = new Set(this.coreQueue);
    if (queued.size !== this.coreQueue.length) fail('core-queue', 'a job is in the core queue twice');
    for (const j of this.jobs.values()) if (QUEUED_FOR_CORE.has(j.phase) !== queued.has(j)) fail('core-queue', `job ${j.id} is ${j.phase} and ${queued.has(j) ? '' : 'not '}in the core queue`);
    for (const j of this.coreQueue) if (this.jobs.get(j.id) !== j) fail('core-queue', `job ${j.id} is in the core queue but not in the table`);
    // sleepers: exactly the sleeping jobs, in core or swapped
    for (const j of this.sleepers) if (!ASLEEP.has(j.phase) || this.jobs.get(j.id) !== j) fail('sleepers', `job ${j.id} is among the sleepers but ${j.phase}`);
    for (const j of this.jobs.values()) if (ASLEEP.has(j.phase) && !this.sleepers.has(j)) fail('sleepers', `job ${j.id} is ${j.phase} but not among the sleepers`);
    // partitions-disjoint: sorted, inside core, never overlapping; the used count is their sum
    let at = 0, used = 0;
    const parts = new Map<number, { base: number; size: number }>();
    for (const p of this.coreMap.partitions()) {
      if (p.base < at) fail('partitions-disjoint', `the partition of job ${p.owner} at ${p.base} overlaps the one below it (ends at ${at})`);
      if (p.size <= 0 || p.base + p.size > this.coreMap.total) fail('partitions-disjoint', `the partition of job ${p.owner} lies outside core`);
      at = p.base + p.size;
      used += p.size;
      if (parts.has(p.owner)) fail('partitions-disjoint', `job ${p.owner} holds two partitions`);
      parts.set(p.owner, p);
    }
    if (used !== this.coreMap.usedWords) fail('partitions-disjoint', `partitions add up to ${used} words, the map says ${this.coreMap.usedWords}`);
    // core-held: a job holds a partition (and a context at its base) exactly in the phases that
    // hold core; a swapped or waiting job holds none and is charged none
    for (const j of this.jobs.values()) {
      const p = parts.get(j.id);
      parts.delete(j.id);
      if (HOLDS_CORE.has(j.phase)) {
        if (!p || !j.ctx) fail('core-held', `job ${j.id} is ${j.phase} without a partition`);
        if (p!.size !== j.need || j.ctx!.base !== p!.base) fail('core-held', `job ${j.id}'s context does not match its partition`);
      } else {
        if (p || j.ctx) fail('core-held', `job ${j.id} is ${j.phase} and holds core`);
        if (j.meters.coreWords !== 0) fail('core-held', `job ${j.id} is ${j.phase} and is charged for ${j.meters.coreWords} words of core`);
      }
      // swapped: its registers are kept here (its words are in the store), and only then
      if (j.swapped !== (j.swapRegs !== null)) fail('swapped-registers', `job ${j.id} is ${j.phase} ${j.swapRegs ? 'with' : 'without'} saved registers`);
      if (j.phase === 'swapping in' && j.meters.coreWords !== 0) fail('core-held', `job ${j.id} is charged for core its words are not in yet`);
    }
    for (const owner of parts.keys()) fail('core-held', `a partition belongs to job ${owner}, which is not live`);
    // cycles-conserved: what the jobs were charged here is what the machine's clock calls busy
    let charged = this.endedCycles;
    for (const j of this.jobs.values()) charged += j.meters.cycles - j.cyclesBefore;
    if (charged !== this.busyCycles) fail('cycles-conserved', `jobs were charged ${charged} cycles, the machine ran ${this.busyCycles}`);
  }
}

/** The carriage after typing `text` from `col`: CR and LF return it, BS backs it up. */
export function advanceColumn(col: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) col = 0;
    else if (c === 8) col = col > 0 ? col - 1 : 0;
    else if (c >= 32 && c !== 127) col++;
  }
  return col;
}
