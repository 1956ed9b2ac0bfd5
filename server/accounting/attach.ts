// Wires the accountant into the front end: the hub's events feed it (logins, jobs, the mainframe's
// checkpoints), its hooks refuse RUN at the budget and type TIME after a RUN and the summary at
// BYE, and BILL and BUDGET join the command registry. Ledger batches are flushed every 200 ms, so
// a crash loses at most one checkpoint interval plus one flush interval of use.
import type { Logger } from 'pino';
import type { System } from '../frontend/system.ts';
import { teletypeLines } from '../frontend/format.ts';
import type { Ledger } from '../store/ledger.ts';
import { Accountant } from './accountant.ts';
import { accountingCommands } from './commands.ts';
import type { RateBook } from './rates.ts';
import { budgetMessage } from './budget.ts';
import { timeLine } from './notices.ts';
import type { LedgerSpool } from './spool.ts';

export const FLUSH_MS = 200;
/** What a job stopped at its owner's budget ends with (by the mainframe's limit or a checkpoint kill). */
const AT_BUDGET = 'BUDGET EXHAUSTED';
/** Connect time is charged per session every 10 s of its own; a short tick spreads those entries
 *  (sessions that logged in within the same tick are charged together). */
const TICK_MS = 250;

export interface Accounting {
  readonly accountant: Accountant;
  /** Charges connect time so far, flushes the ledger, stops the timers. */
  close(): Promise<void>;
}



export function attachAccounting(
  sys: System,
  deps: {
    ledger: Ledger; rates: RateBook; log: Logger; host?: string;
    /** other hosts charge the same ledger (PostgreSQL): budgets are re-read at each checkpoint */
    shared?: boolean;
    /** where charges that cannot be written wait, across a restart (spool.ts) */
    spool?: LedgerSpool | null;
  },
): Accounting {
  const log = deps.log.child({ room: 'accounting' });
  const acct = new Accountant({
    ledger: deps.ledger,
    rates: deps.rates,
    // Session numbers restart with the server; the boot id keeps their ledger keys apart, and the
    // host's name keeps two hosts that boot in the same millisecond apart. Job numbers come from
    // the store and are unique for the life of the system: a restored job is the same subject.
    bootId: deps.host ? `${deps.host}.${Date.now().toString(36)}` : Date.now().toString(36),
    host: deps.host ?? null,
    jobUid: (job) => `J${job}`,
    budgetOf: async (user) => (await sys.store.accounts.get(user))?.budget ?? null,
    savedWords: async () => {
      const words = new Map<string, number>();
      for (const a of await sys.store.accounts.list()) {
        const n = (await sys.store.programs.list(a.name)).reduce((s, p) => s + p.size, 0);
        if (n > 0) words.set(a.name, n);
      }
      return words;
    },
    log,
    spool: deps.spool ?? null,
    // several hosts: each holds a lease on part of each budget (a share, never all that is left)
    leases: deps.shared ? (sys.store.leases ?? null) : null,
  });
  const pushPurse = (user: string, at?: number) => {
    const p = acct.purseNow(user, at);
    if (p !== undefined) sys.jobs.setPurse(user, p === null ? null : { ...p, message: AT_BUDGET, corePerWordMs: acct.corePerWordMs(at) });
  };
  // the mainframe says a lease runs low, or has run out and the user's jobs wait for more
  sys.hub.on('purse', (e) => acct.askMore(e.owner));
  // a lease that arrives between checkpoints raises the ceiling at once
  acct.onLease = (user) => {
    if (acct.usersWithJobs.has(user)) pushPurse(user);
  };
  const budgetKilled = new Set<number>();

  sys.hub.on('login', (e) => {
    if (e.session.user) acct.login(e.session.line, e.session.user, e.at);
  });
  sys.hub.on('logout', (e) => {
    acct.logout(e.session.line, e.at);
  });
  sys.hub.on('jobStarted', (e) => acct.jobStarted(e.job.job, e.job.owner, e.job.line, e.job.name));
  // a job that went to another host: charged here up to its snapshot (where the other host's
  // meter starts), then forgotten here
  sys.hub.on('jobLeft', (e) => void acct.jobEnded(e.job.job, e.meters, e.at));
  sys.hub.on('jobEnded', (e) => {
    acct.jobEnded(e.job.job, e.meters, e.at);
    if (e.job.line === null) budgetKilled.delete(e.job.job); // no afterRun for background jobs
  });
  let refreshing = false;
  sys.hub.on('meters', (m) => {
    if (deps.shared && !refreshing) {
      refreshing = true;
      acct.refreshSpent(m.at)
        .catch(() => {}) // the store is away: budgets keep the last figures (the writer says so)
        .finally(() => (refreshing = false));
    }
    for (const job of acct.checkpoint(m.jobs, m.at)) {
      if (budgetKilled.has(job)) continue;
      budgetKilled.add(job);
      log.info({ job }, 'budget exhausted: stopping the job');
      sys.jobs.kill(job, AT_BUDGET);
    }
    // What is left of each budget, after this checkpoint's charges (core-time and connect time
    // included), becomes the new ceiling on the user's cycles.
    for (const user of acct.usersWithJobs) pushPurse(user, m.at);
    acct.renewLeases(acct.usersWithJobs, m.at);
  });

  sys.hub.hooks.jobRestored.push((job, from) => acct.jobRestored(job.job, from));
  sys.hub.hooks.beforeJob.push(async (job) => {
    // nothing can be charged to a ledger that cannot be written: no job runs
    if (sys.readOnly !== null) return teletypeLines(`NO JOB CAN RUN: THE SYSTEM IS READ-ONLY (${sys.readOnly}).\nSEE THE OPERATOR.`);
    const refusal = await acct.refuseRun(job.owner);
    return refusal === null ? null : teletypeLines(refusal);
  });
  sys.hub.hooks.jobLimit.push(async (owner) => {
    if ((await acct.ceiling(owner)) === null) return null; // (asks for a lease first when low)
    const p = acct.purseNow(owner);
    if (p === undefined) throw new Error(`the budget figures of ${owner} could not be read`); // fail closed
    return p === null ? null : { ...p, message: AT_BUDGET, corePerWordMs: acct.corePerWordMs() };
  });
  sys.hub.hooks.afterRun.push(async (_session, ended) => {
    if (ended.reason === 'rejected') return null; // nothing ran: the compiler's errors say it all
    const time = timeLine(ended.meters.cycles, acct.clock);
    const stoppedAtBudget = ended.reason === 'cpu limit' && ended.message === AT_BUDGET;
    if (!budgetKilled.delete(ended.job.job) && !stoppedAtBudget) return time;
    return teletypeLines(`${time}\n${budgetMessage(await acct.budgetState(ended.job.owner))}`);
  });
  sys.hub.hooks.beforeBye.push((session) => {
    const text = acct.logout(session.line);
    return text === null ? null : teletypeLines(text);
  });

  for (const c of accountingCommands(acct)) sys.commands.register(c);

  const flusher = setInterval(() => void acct.flush(false), FLUSH_MS);
  const ticker = setInterval(() => {
    acct.tick().catch((err) => log.error({ err }, 'accounting tick failed'));
  }, TICK_MS);
  flusher.unref();
  ticker.unref();
  void acct.tick().catch((err) => log.error({ err }, 'accounting tick failed'));

  return {
    accountant: acct,
    async close() {
      clearInterval(flusher);
      clearInterval(ticker);
      await acct.close();
      // the store may be away at the moment of shutdown: give it a few seconds before giving up
      for (let i = 0; i < 10 && acct.writer.pending > 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await acct.flush();
      }
      // what this host held of users' budgets goes back to the other hosts
      if (deps.shared) await acct.releaseAllLeases().catch((err) => log.warn({ err: (err as Error).message }, 'leases on budgets not given back (void once this host is not heard from)'));
      if (acct.writer.pending > 0) {
        acct.writer.saveSpool();
        if (acct.writer.spool?.exists) {
          log.warn({ entries: acct.writer.pending, file: acct.writer.spool.file }, 'the store is unavailable: ledger entries spooled to a local file; the next start writes them');
        } else log.error({ entries: acct.writer.pending }, 'the store is unavailable: ledger entries not written before exit');
      }
    },
  };
}
