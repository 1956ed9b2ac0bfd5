// The accountant: the front end's one object for money. It follows sessions and jobs, turns the
// mainframe's checkpoints into ledger entries (queued, flushed in batches), keeps each user's
// month-to-date charge in memory for budget checks, and produces the TIME line, the BYE summary
// and statements. It never blocks the line: metering is a few map lookups per job per checkpoint.
import type { Ledger, LedgerEntry } from '../store/ledger.ts';
import type { Meters } from '../monitor/protocol.ts';
import { Meter, type Payer } from './meter.ts';
import type { RateBook } from './rates.ts';
import { LedgerWriter, type WriterLog } from './writer.ts';
import { type BudgetState, atBudget, budgetMessage } from './budget.ts';
import { type SessionSummary, byeSummary, timeLine } from './notices.ts';
import { type Statement, buildStatement, formatStatement } from './bill.ts';
import { tops10Date } from './notices.ts';
import { monthRange } from './zone.ts';
import { RunningStatements } from './running.ts';
import type { LedgerSpool } from './spool.ts';
import { isStoreUnavailable, type LeaseStore } from '../store/store.ts';

export interface AccountantOptions {
  ledger: Ledger;
  rates: RateBook;
  /** distinguishes this server run: session numbers restart at each boot */
  bootId: string;
  /** this host's system name, written on each ledger entry (null: unnamed) */
  host?: string | null;
  /** a job's ledger subject; default `${bootId}.J${job}`. The server's job numbers are unique for
   *  the life of the system, so it uses `J${job}`: a job restored after a restart is the same subject. */
  jobUid?: (job: number) => string;
  /** a user's budget in micro-dollars (null: unlimited) */
  budgetOf: (user: string) => Promise<number | null>;
  /** words of saved programs per user, for the daily storage charge */
  savedWords?: () => Promise<Map<string, number>>;
  /** ms between connect-time checkpoints (default 10 s) */
  connectEveryMs?: number;
  log?: WriterLog & { warn?(obj: object, msg: string): void };
  now?: () => number;
  /** keeps charges that cannot be written in a local file (spool.ts) */
  spool?: LedgerSpool | null;
  /** several hosts on one store: each holds a lease on part of a user's budget (pg-purses.ts) */
  leases?: LeaseStore | null;
}

/** The least lease worth asking for: this many CPU seconds' worth (when that much is left). */
export const LEASE_MIN_CPU_S = 4;
/** A host not heard from for this long (ms) has its leases counted as given back. */
export const LEASE_STALE_MS = 60_000;
/**
 * RUN reads the budget from the store unless it was read this recently (ms): an operator's change
 * with `npm run admin` (or on another host) is seen by every RUN starting a second later, and a
 * user rerunning a program in a loop costs the lines' thread one store call a second, not one a
 * run (flat out, the hostile benchmark's 300 calls a second were 5% of that thread's busy time).
 * The BUDGET command and the console set it here at once.
 */
export const BUDGET_FRESH_MS = 1000;

interface LeaseRec {
  /** what this host may charge the user this month, in all */
  granted: number;
  /** what it had charged when granted */
  used: number;
  /** this process's charges to the user this month when it asked (`Spent.local`) */
  localAt: number;
  /** the last grant (it asks again when less than half of it is left) */
  last: number;
  /** the database had nothing more to give at the last ask: the ceiling is final until it has */
  dry: boolean;
}

interface SessionRec {
  uid: string;
  user: string;
  line: number | null;
  loginAt: number;
  lastJob: number | null;
  cycles: number;
  coreWordMs: number;
  amount: number;
  lastConnectAt: number;
}

interface JobRec {
  payer: Payer & { job: string };
  line: number | null;
  /** the last meters charged */
  meters: Meters | null;
}

interface Spent {
  month: string;
  /** null until the ledger's figure is loaded */
  base: number | null;
  /** charges made by this process for this user and month (flushed or not) */
  local: number;
  /** the part of `local` already committed to the ledger */
  committed: number;
}

export class Accountant {
  readonly meter: Meter;
  readonly writer: LedgerWriter;
  readonly rates: RateBook;
  private readonly opts: AccountantOptions;
  private readonly now: () => number;
  private readonly sessions = new Map<number, SessionRec>();
  private readonly sessionsByUid = new Map<string, SessionRec>();
  private readonly jobs = new Map<number, JobRec>();
  private readonly spent = new Map<string, Spent>();
  private readonly budgets = new Map<string, number | null>();
  /** When each budget was last read from the store (see BUDGET_FRESH_MS). */
  private readonly budgetReadAt = new Map<string, number>();
  /** per user: cycles charged since this process started (the mainframe counts the same) */
  private readonly usedCycles = new Map<string, number>();
  private sessionSeq = 0;
  private storageHour = -1;
  /** per user/month: the lease this host holds on the user's budget (several hosts) */
  private readonly leases = new Map<string, LeaseRec>();
  private readonly asking = new Map<string, Promise<void>>();
  /** told when a lease arrives (the caller gives the mainframe the new ceiling) */
  onLease: ((user: string) => void) | null = null;

  constructor(opts: AccountantOptions) {
    this.opts = opts;
    this.rates = opts.rates;
    this.now = opts.now ?? Date.now;
    this.meter = new Meter(opts.rates);
    this.writer = new LedgerWriter(opts.ledger, opts.log, (batch) => {
      for (const e of batch) {
        const r = this.spent.get(`${e.user}/${e.day.slice(0, 7)}`);
        if (r) r.committed += e.amount;
      }
      this.running.committed(batch);
    }, undefined, opts.spool ?? null);
    this.running = new RunningStatements(opts.ledger, () => this.flush());
  }

  /** Users' months kept summed as charges are committed ("My bill" reads these). */
  readonly running: RunningStatements;

  get clock(): number {
    return this.rates.clock;
  }

  // ---- sessions ----

  /** A user logged in on `line` (the key for later calls). */
  login(line: number, user: string, at = this.now()): void {
    const s: SessionRec = {
      uid: `${this.opts.bootId}.S${++this.sessionSeq}`, user, line, loginAt: at, lastJob: null,
      cycles: 0, coreWordMs: 0, amount: 0, lastConnectAt: at,
    };
    this.sessions.set(line, s);
    this.sessionsByUid.set(s.uid, s);
    // Warms the budget figures; a store that cannot be read now is asked again at the next RUN,
    // which is refused until it answers (the hub fails closed).
    this.loadSpent(user).catch((err) => this.opts.log?.error({ err, user }, "could not read the month's charges at login; RUN is refused until they can be read"));
  }

  /** The user logged off: charges the rest of the connect time and returns the BYE summary. */
  logout(line: number, at = this.now()): string | null {
    const s = this.sessions.get(line);
    if (!s) return null;
    this.chargeConnect(s, at);
    this.sessions.delete(line);
    this.sessionsByUid.delete(s.uid);
    this.meter.forget(s.uid);
    const summary: SessionSummary = {
      job: s.lastJob, user: s.user, line: s.line, loggedOffAt: at,
      cpuSeconds: s.cycles / this.clock, kcs: s.coreWordMs / 1_000_000,
      connectMs: at - s.loginAt, amount: s.amount,
    };
    return byeSummary(summary, this.rates.zone);
  }

  // ---- jobs ----

  /** A job was started for `owner`; `line` is the owner's line (null: a background job). */
  jobStarted(job: number, owner: string, line: number | null, name: string): void {
    // (a job restored or claimed from another host names a line of its past: only its owner's
    // session there is its session)
    const onLine = line === null ? undefined : this.sessions.get(line);
    const s = onLine && onLine.user === owner ? onLine : undefined;
    if (s) s.lastJob = job;
    this.jobs.set(job, {
      payer: { user: owner, session: s?.uid ?? null, job: this.opts.jobUid?.(job) ?? `${this.opts.bootId}.J${job}`, jobNo: job, jobName: name },
      line: s ? line : null,
      meters: null,
    });
  }

  /**
   * A job came back from the store after a restart (jobStarted has been called for it). The rule
   * that nothing is charged twice: its meter is seeded with the highest readings the ledger holds
   * for it, so the work between its snapshot and the last charge before the restart is done again
   * free, and only what lies beyond is charged. Returns the CPU cycles already charged.
   */
  async jobRestored(job: number, from?: { cycles: number; coreWordMs: number; migrated: boolean }): Promise<number> {
    const j = this.jobs.get(job);
    if (!j) return 0;
    // A job claimed from another host that put it away: that host charges it up to its snapshot,
    // perhaps after this reading, so the meter here starts there at least (each cycle is charged
    // once, by the host that ran it).
    const floor = from?.migrated ? from : null;
    const cpu = Math.max(await this.opts.ledger.lastCumulative({ job: j.payer.job }, 'cpu'), floor?.cycles ?? 0);
    const core = Math.max(await this.opts.ledger.lastCumulative({ job: j.payer.job }, 'core'), floor?.coreWordMs ?? 0);
    this.meter.seed(j.payer.job, 'cpu', cpu);
    this.meter.seed(j.payer.job, 'core', core);
    // its meters go on from the snapshot's: only what runs here counts against the purse here
    j.meters = from ? { cycles: from.cycles, svcs: 0, coreWords: 0, coreWordCycles: 0, coreWordMs: from.coreWordMs, outputChars: 0, startedAt: 0 } : null;
    return cpu;
  }

  /**
   * The mainframe's checkpoint: charges each job for what it used since the last one. Returns the
   * jobs whose owners are now at their budget (the caller stops them; their end is charged too).
   */
  checkpoint(jobs: readonly { job: number; meters: Meters }[], at: number): number[] {
    const over: number[] = [];
    const seen = new Set<string>();
    for (const { job, meters } of jobs) {
      const j = this.jobs.get(job);
      if (!j) continue;
      this.charge(j, meters, at);
      const user = j.payer.user;
      if (!seen.has(user)) {
        seen.add(user);
        if (this.overBudget(user)) for (const [n, o] of this.jobs) if (o.payer.user === user) over.push(n);
      }
    }
    return over;
  }

  /** The job ended: charges its final meters and returns the TIME line for its terminal. */
  jobEnded(job: number, meters: Meters, at = this.now()): string {
    const j = this.jobs.get(job);
    if (j) {
      this.charge(j, meters, at);
      this.jobs.delete(job);
      this.meter.forget(j.payer.job);
      if (this.opts.leases && !this.usersWithJobs.has(j.payer.user) && [...this.leases.keys()].some((k) => k.startsWith(`${j.payer.user}/`))) {
        this.releaseLease(j.payer.user).catch((err) => this.opts.log?.warn?.({ err: (err as Error).message }, 'a lease on a budget was not given back (void once this host stops)'));
      }
    }
    return timeLine(meters.cycles, this.clock);
  }

  private charge(j: JobRec, m: Meters, at: number): void {
    const prev = j.meters;
    const entries = this.meter.job(j.payer, m, at);
    j.meters = { ...m };
    // the same units the mainframe's purse counts: cycles, and core-time at core's price in cycles
    // (core only while the user has a budget: the mainframe counts it only in a bounded purse)
    const core = typeof this.budgets.get(j.payer.user) === 'number' ? (m.coreWordMs - (prev?.coreWordMs ?? 0)) * this.corePerWordMs(at) : 0;
    const more = m.cycles - (prev?.cycles ?? 0) + core;
    if (more > 0) this.usedCycles.set(j.payer.user, (this.usedCycles.get(j.payer.user) ?? 0) + more);
    if (entries.length === 0) return;
    this.record(entries);
    const s = j.line === null ? undefined : this.sessions.get(j.line);
    if (s && s.uid === j.payer.session) {
      s.cycles += m.cycles - (prev?.cycles ?? 0);
      s.coreWordMs += m.coreWordMs - (prev?.coreWordMs ?? 0);
    }
  }

  // ---- periodic work ----

  /** Connect-time checkpoints (every connectEveryMs per session) and the hourly storage charge. */
  async tick(at = this.now()): Promise<void> {
    const every = this.opts.connectEveryMs ?? 10_000;
    // A session's first ten seconds are checkpointed every second, as jobs are: a kill -9 then
    // loses at most a second of anyone's connect time, and a short session is charged too.
    for (const s of this.sessions.values()) {
      const gap = at - s.loginAt < every ? Math.min(1000, every) : every;
      if (at - s.lastConnectAt >= gap) this.chargeConnect(s, at);
    }
    const hour = Math.floor(at / 3_600_000);
    if (hour !== this.storageHour && this.opts.savedWords) {
      // set only once the store has answered: a store away on the hour is asked again next tick
      const words = await this.opts.savedWords();
      if (this.storageHour === hour) return; // another tick got there while we waited
      this.storageHour = hour;
      const entries: LedgerEntry[] = [];
      for (const [user, w] of words) {
        const e = this.meter.storage(user, w, at);
        if (e) entries.push(e);
      }
      // Storage is charged at most once per user and day; a restart that day finds the key taken.
      this.record(entries);
    }
  }

  private chargeConnect(s: SessionRec, at: number): void {
    s.lastConnectAt = at;
    const e = this.meter.connect({ user: s.user, session: s.uid, job: null, jobNo: null, jobName: null }, at - s.loginAt, at);
    if (e) this.record([e]);
  }

  private record(entries: LedgerEntry[]): void {
    if (entries.length === 0) return;
    const host = this.opts.host ?? null;
    if (host !== null) for (const e of entries) e.host = host;
    this.writer.add(entries);
    for (const e of entries) {
      this.spentRec(e.user, e.day.slice(0, 7)).local += e.amount;
      if (e.session !== null) {
        const s = this.sessionsByUid.get(e.session);
        if (s) s.amount += e.amount;
      }
    }
  }

  /** Writes everything queued to the ledger (one transaction). `force`: even while the store is
   *  down and the writer is backing off (a statement, the shutdown). */
  async flush(force = true): Promise<number> {
    return this.writer.flush(force);
  }

  // ---- budgets ----

  private spentRec(user: string, month: string): Spent {
    const k = `${user}/${month}`;
    let r = this.spent.get(k);
    if (!r) this.spent.set(k, (r = { month, base: null, local: 0, committed: 0 }));
    return r;
  }

  private async loadSpent(user: string, refreshBudget = false): Promise<Spent> {
    const month = this.rates.zone.day(this.now()).slice(0, 7);
    const r = this.spentRec(user, month);
    if (r.base === null) {
      // The ledger's total includes our committed charges; subtract them, read at the same moment.
      const committed = r.committed;
      const { first, last } = monthRange(month);
      const total = await this.opts.ledger.total(user, first, last);
      r.base = total - committed;
    }
    const readAt = this.budgetReadAt.get(user);
    const stale = readAt === undefined || Math.abs(this.now() - readAt) >= BUDGET_FRESH_MS;
    if ((refreshBudget && stale) || !this.budgets.has(user)) {
      try {
        const at = this.now(); // (as old as the read's start: a change during it is seen next time)
        this.budgets.set(user, await this.opts.budgetOf(user));
        this.budgetReadAt.set(user, at);
      } catch (err) {
        // Fail closed only when nothing is known: a budget read before the store went away still
        // holds (the month's charges are in memory too), so jobs go on within it.
        if (!this.budgets.has(user)) throw err;
        this.opts.log?.error({ err, user }, 'could not read the budget afresh; using the one read before');
      }
    }
    return r;
  }

  /** Month-to-date charges (ledger + not yet flushed) and the budget. */
  async budgetState(user: string, refreshBudget = false): Promise<BudgetState> {
    const r = await this.loadSpent(user, refreshBudget);
    return { spent: (r.base ?? 0) + r.local, budget: this.budgets.get(user) ?? null };
  }

  /** null if `user` may run a job, else the message refusing it. The budget is read afresh (at
   *  most BUDGET_FRESH_MS old), as `npm run admin` may have changed it while the server runs. */
  async refuseRun(user: string): Promise<string | null> {
    const st = await this.budgetState(user, true);
    return atBudget(st) ? budgetMessage(st) : null;
  }

  /**
   * The budget as a ceiling on the user's units, counted as the mainframe counts them (every
   * cycle of every job of the user since the mainframe started, plus core-time at core's price
   * in cycles), or null without a budget. All the user's jobs together stop at it, however many
   * run, and a sleeping job's core-time counts too: what they already used plus what the money
   * left buys at today's undiscounted rates. So CPU and core are never charged past the budget;
   * what may pass it is connect time (charged every 10 s) and rounding.
   */
  async ceiling(user: string, at = this.now()): Promise<number | null> {
    await this.budgetState(user); // refuseRun has just read the budget afresh
    if (this.opts.leases && this.budgets.get(user) !== null && this.leaseLow(user, at)) await this.askLease(user, at);
    const c = this.ceilingNow(user, at);
    if (c === undefined) throw new Error(`the budget figures of ${user} could not be read`); // fail closed
    return c;
  }

  /**
   * The purse for the mainframe, from memory: the ceiling (ceilingNow), and with a lease whether
   * more may come (`more`: the database gave something at the last ask, so jobs reaching the
   * ceiling wait for the renewal instead of stopping) and the units at which to ask for more
   * (`renewAt`: when less than half of the last grant is left, as leaseLow says).
   */
  purseNow(user: string, at = this.now()): { ceiling: number; more: boolean; renewAt?: number } | null | undefined {
    const ceiling = this.ceilingNow(user, at);
    if (ceiling === undefined || ceiling === null) return ceiling;
    const month = this.rates.zone.day(at).slice(0, 7);
    const l = this.opts.leases ? this.leases.get(`${user}/${month}`) : undefined;
    if (!l || l.dry) return { ceiling, more: false };
    const cpu = this.rates.rate('cpu', at);
    const low = Math.floor((Math.max(l.last, this.minGrant(at)) / 2) * cpu.per / cpu.price);
    return { ceiling, more: true, renewAt: Math.max(0, ceiling - low) };
  }

  /** The same from memory (checkpoints are synchronous); undefined when not known yet. */
  ceilingNow(user: string, at = this.now()): number | null | undefined {
    const budget = this.budgets.get(user);
    if (budget === undefined) return undefined;
    if (budget === null) return null;
    const month = this.rates.zone.day(at).slice(0, 7);
    const r = this.spent.get(`${user}/${month}`);
    if (!r || r.base === null) return undefined;
    // several hosts: only what this host holds of the budget (its lease), never all that is left
    const leased = this.opts.leases ? this.leaseLeft(user, month) : null;
    if (leased === undefined) return undefined;
    const left = Math.max(0, leased ?? budget - (r.base + r.local));
    const cpu = this.rates.rate('cpu', at);
    if (cpu.price <= 0) return null; // free CPU: no ceiling to set
    return (this.usedCycles.get(user) ?? 0) + Math.floor((left * cpu.per) / cpu.price);
  }

  // ---- leases on budgets (several hosts on one store) ----

  /** What this host may still charge the user this month, or undefined without a lease. */
  private leaseLeft(user: string, month: string): number | undefined {
    const l = this.leases.get(`${user}/${month}`);
    if (!l) return undefined;
    const local = this.spent.get(`${user}/${month}`)?.local ?? 0;
    return l.granted - l.used - (local - l.localAt);
  }

  private minGrant(at: number): number {
    const cpu = this.rates.rate('cpu', at);
    return cpu.price > 0 ? Math.ceil((cpu.price * this.clock * LEASE_MIN_CPU_S) / cpu.per) : 0;
  }

  /** No lease yet, or less than half of the last grant (and of the least grant) left. */
  private leaseLow(user: string, at: number): boolean {
    const month = this.rates.zone.day(at).slice(0, 7);
    const left = this.leaseLeft(user, month);
    if (left === undefined) return true;
    const l = this.leases.get(`${user}/${month}`)!;
    return left < Math.max(l.last, this.minGrant(at)) / 2;
  }

  /** Asks the store for more of the user's budget for this host (one request at a time). */
  private askLease(user: string, at: number): Promise<void> {
    const month = this.rates.zone.day(at).slice(0, 7);
    const k = `${user}/${month}`;
    const busy = this.asking.get(k);
    if (busy) return busy;
    const r = this.spentRec(user, month);
    let localAt = r.local;
    const { first, last } = monthRange(month);
    // while no batch of ours commits: every charge of ours is then either in the ledger's figure
    // or in `pending`, never in both nor in neither
    const p = this.writer.exclusive(() => {
      localAt = r.local;
      return this.opts.leases!.lease({
        user, host: this.opts.host ?? 'local', month, first, last, pending: r.local - r.committed, minGrant: this.minGrant(at),
        now: Date.now(), staleMs: LEASE_STALE_MS,
      });
    }).then((g) => {
      this.budgets.set(user, g.budget);
      this.budgetReadAt.set(user, this.now());
      if (g.budget === null) this.leases.delete(k);
      else this.leases.set(k, { granted: g.granted, used: g.used, localAt, last: g.grant, dry: g.grant <= 0 });
      this.onLease?.(user);
    }).finally(() => {
      if (this.asking.get(k) === p) this.asking.delete(k);
    });
    this.asking.set(k, p);
    return p;
  }

  /** At a checkpoint: asks (in the background) for more of the budgets whose leases run low. */
  renewLeases(users: Iterable<string>, at = this.now()): void {
    // (the store away: jobs go on within the leases held; the writer's retries tell when it is back)
    if (!this.opts.leases || this.writer.storeDown) return;
    for (const user of users) {
      if (typeof this.budgets.get(user) !== 'number' || !this.leaseLow(user, at)) continue;
      this.askLease(user, at).catch((err) => {
        if (!isStoreUnavailable(err)) this.opts.log?.warn?.({ err: (err as Error).message, user }, 'no new lease on the budget; jobs go on within the one held');
      });
    }
  }

  /** The mainframe says the user's purse runs low or is empty (jobs wait for it): asks for more
   *  now, whatever the accounts here say (they lag the mainframe by up to a checkpoint). */
  askMore(user: string, at = this.now()): void {
    if (!this.opts.leases || this.writer.storeDown || typeof this.budgets.get(user) !== 'number') return;
    this.askLease(user, at).catch((err) => {
      if (!isStoreUnavailable(err)) this.opts.log?.warn?.({ err: (err as Error).message, user }, 'no new lease on the budget; jobs go on within the one held');
    });
  }

  /** The user's last job here ended: what this host holds of the budget goes back to the others. */
  private async releaseLease(user: string): Promise<void> {
    if (!this.opts.leases) return;
    await this.flush(false); // its last charges first: what is given back is what it did not use
    if (this.usersWithJobs.has(user)) return;
    for (const [k, l] of this.leases) {
      if (!k.startsWith(`${user}/`) || this.asking.has(k)) continue;
      const month = k.slice(user.length + 1);
      if (await this.opts.leases.release(user, month, this.opts.host ?? 'local', l.granted)) {
        if (this.leases.get(k) === l) this.leases.delete(k);
      }
    }
  }

  /** Gives back every lease of this host (an earlier run's at start; this run's at its end). */
  async releaseAllLeases(): Promise<void> {
    this.leases.clear();
    await this.opts.leases?.releaseAll(this.opts.host ?? 'local');
  }

  /** Core's price in CPU cycles: what a word of core held for a millisecond costs, in cycles of
   *  CPU at today's undiscounted rates (0.6 at the default rates). */
  corePerWordMs(at = this.now()): number {
    const cpu = this.rates.rate('cpu', at), core = this.rates.rate('core', at);
    return cpu.price > 0 ? (core.price * cpu.per) / (core.per * cpu.price) : 0;
  }

  /** Users with jobs running now. */
  get usersWithJobs(): Set<string> {
    const s = new Set<string>();
    for (const j of this.jobs.values()) s.add(j.payer.user);
    return s;
  }

  /** The operator changed a budget (micro-dollars, null = unlimited). */
  setBudget(user: string, budget: number | null): void {
    this.budgets.set(user, budget);
    this.budgetReadAt.set(user, this.now());
  }

  /**
   * Several hosts charging one ledger: reads afresh the month-to-date totals of the users with jobs
   * running here, so what their jobs on other hosts were charged counts against the budget too.
   * Called about once a checkpoint, it bounds what a user running on two hosts can overspend to
   * about a checkpoint's worth of each job (plus one flush). The ledger's figure includes our own
   * committed charges: a reading is used only if no batch of ours committed while it was taken.
   */
  async refreshSpent(at = this.now()): Promise<void> {
    const users = [...new Set([...this.jobs.values()].map((j) => j.payer.user))];
    if (users.length === 0) return;
    const month = this.rates.zone.day(at).slice(0, 7);
    const recs = users.map((u) => this.spentRec(u, month));
    const before = recs.map((r) => r.committed);
    const { first, last } = monthRange(month);
    const totals = await this.opts.ledger.totals(users, first, last);
    users.forEach((u, i) => {
      const r = recs[i]!;
      if (r.committed !== before[i]) return; // a batch landed meanwhile: next time
      r.base = (totals.get(u) ?? 0) - r.committed;
    });
  }

  /** From memory only (checkpoints are synchronous); unknown figures count as under budget. */
  private overBudget(user: string): boolean {
    const budget = this.budgets.get(user);
    if (budget === undefined || budget === null) return false;
    const r = this.spent.get(`${user}/${this.rates.zone.day(this.now()).slice(0, 7)}`);
    if (!r || r.base === null) return false;
    return r.base + r.local >= budget;
  }

  // ---- statements ----

  /** The user's statement for `month` (default: this month), after flushing pending charges. */
  async statement(user: string, month?: string): Promise<string> {
    return formatStatement(await this.statementData(user, month), tops10Date(this.now(), this.rates.zone));
  }

  /** What `statement` prints, as data. */
  async statementData(user: string, month?: string): Promise<Statement> {
    await this.settle(user);
    const m = month ?? this.rates.zone.day(this.now()).slice(0, 7);
    return buildStatement(this.opts.ledger, user, m, this.rates.zone.name, this.budgets.get(user) ?? (await this.opts.budgetOf(user)));
  }

  /** The same statement from the running sums (the web's "My bill": a heavy user's page load
   *  adds up sums instead of grouping the whole month's entries again). */
  async runningStatement(user: string, month?: string): Promise<Statement> {
    await this.settle(user);
    const m = month ?? this.rates.zone.day(this.now()).slice(0, 7);
    return this.running.statement(user, m, this.rates.zone.name, this.budgets.get(user) ?? (await this.opts.budgetOf(user)));
  }

  /** The user's connect time up to now charged, and everything charged so far committed. */
  private async settle(user: string): Promise<void> {
    const now = this.now();
    for (const s of this.sessions.values()) if (s.user === user) this.chargeConnect(s, now);
    await this.flush();
  }

  /** Charges everyone's connect time so far and flushes (shutdown). */
  async close(at = this.now()): Promise<void> {
    for (const s of this.sessions.values()) this.chargeConnect(s, at);
    await this.flush();
  }

  get activeJobs(): number {
    return this.jobs.size;
  }
}
