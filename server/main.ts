// `npm start`: the Timeshare server. The front end (this thread) serves the terminal lines; the
// mainframe (a worker thread) runs the jobs; the store keeps accounts and programs in DATA.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { DirectoryLibrary } from './library/library.ts';
import { makeConfig } from './monitor/config.ts';
import { Mainframe } from './monitor/mainframe.ts';
import { askSlice } from './thread-slice.ts';
import { parseOptions, USAGE, type MainOptions, type MainframePriority } from './frontend/options.ts';
import { FrontEnd } from './frontend/server.ts';
import { openStore } from './store/open.ts';
import { loadRates } from './accounting/rates.ts';
import { attachAccounting } from './accounting/attach.ts';
import { LedgerSpool, replaySpool, spoolPath } from './accounting/spool.ts';
import { HotelSpool, hotelSpoolPath } from './frontend/hotel-spool.ts';
import { attachWeb } from './web/web.ts';
import { attachCluster, claimSystemName, type Cluster } from './cluster/attach.ts';
import { installLastResort } from './lastresort.ts';
import { logDestination } from './logdest.ts';

let opts: MainOptions | null;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (!opts) {
  console.log(USAGE);
  process.exit(0);
}

const log: Logger = opts.pretty
  ? pino({ level: opts.logLevel }, pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:standard', sync: true }))
  : pino({ level: opts.logLevel }, logDestination(1));

/** This process's threads (Linux: /proc/self/task); empty elsewhere. */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}

/**
 * The mainframe's thread yields the host's cores to everything else, as on DTSS, where the
 * Datanet-30 was a machine of its own: an echo must never wait for guest code. On Linux a thread
 * has its own nice value and scheduling policy.
 * - `idle` (the default): nice 19, then SCHED_IDLE (set with util-linux's `chrt`; Node has no
 *   call for it): a thread that wakes takes the core from it at once rather than after its time
 *   slice. Flat out, hostile bench, three alternating rounds: echo p99 7.1, 8.1, 11.4 ms against
 *   17.5, 24.7, 27.3 at nice 19. Paced, on a quiet host (floor p99 0.5 ms), echo bench with 50
 *   busy jobs, two A/Bs of three alternating rounds: p99.9 5.5, 3.1, 6.1 and 3.8, 2.6, 4.0 ms
 *   against 11.9, 14.4, 12.2 and 2.3, 17.1, 11.0 at nice 19 (p99 medians 1.34 / 1.14 against
 *   1.45 / 1.36). The price: beside other normal-priority work that fills every core, the
 *   mainframe gets a fifth of the little a nice-19 thread would, so paced jobs fall behind the
 *   rated clock (they are billed by cycles, so they cost the same; they take longer).
 * - `low`: nice 19 alone: a host that must keep the rated clock under other load. With 50 busy
 *   jobs and 1,000 typists on two cores, echo p99.9 measured 7-10 ms at nice 19 against 10-15 ms
 *   at nice 10.
 * - `normal`: the server's own priority.
 * The mainframe still gets every cycle nobody else wants.
 */
const MAINFRAME_NICE = 19;
/** One thread of this process to nice 19 (what: the thread, for the log if the kernel refuses). */
function lowerNice(tid: number, what: string): void {
  try {
    setPriority(tid, Math.min(19, getPriority(tid) + MAINFRAME_NICE));
  } catch (err) {
    log.debug({ err, tid }, `could not lower ${what}'s priority`);
  }
}

function yieldCores(tids: number[], how: MainframePriority): void {
  if (how === 'normal') return;
  for (const tid of tids) {
    lowerNice(tid, 'the mainframe thread');
    if (how !== 'idle') continue;
    execFile('chrt', ['--idle', '--pid', '0', String(tid)], (err) => {
      if (err) log.info({ tid, why: err.message.split('\n')[0] }, 'the mainframe thread stays at nice 19: chrt --idle failed');
    });
  }
}

/**
 * V8's platform workers do every isolate's background work: concurrent marking, the helpers of
 * each scavenge, optimising compiles. Flat out, most of it is the mainframe's (its JIT's code, the
 * garbage of 400 job starts a second): in the hostile bench flat out they took 15% of a core at the
 * server's own priority, beside the lines' thread's 42%, and took its core as any process would.
 * They yield as the mainframe does, at nice 19 (not the idle policy: the lines' own collections
 * use them too, and must not wait behind everything else). Hostile bench flat out, three
 * alternating rounds: echo p99 3.45, 3.94, 3.49 ms against 4.26, 4.05, 4.59.
 * Node starts them before any JavaScript runs, so they are the threads right after the main one
 * and the delayed-task scheduler: --v8-pool-size of them (4 unless told). Thread ids are handed
 * out in order, so they are found by their places; if the ids are not consecutive (another
 * process took one between them) they are left alone rather than guessed at.
 */
function v8Workers(): number[] {
  const sized = process.execArgv.map((a) => /^--v8-pool-size=(\d+)$/.exec(a)).find(Boolean);
  const n = sized ? Number(sized[1]) : 4;
  const tids = threadIds().sort((a, b) => a - b);
  if (n === 0 || tids[0] !== process.pid || tids.length < 2 + n) return [];
  const workers = tids.slice(2, 2 + n);
  return workers[n - 1]! - tids[1]! === n ? workers : [];
}

async function main(o: MainOptions): Promise<void> {
  if (o.server.host !== '127.0.0.1' && o.server.host !== 'localhost' && o.server.host !== '::1') {
    log.warn({ host: o.server.host }, 'listening beyond this machine: ws:// carries passwords in clear text; put a TLS proxy in front');
  }
  const mfConfig = makeConfig(o.mainframe);
  const rates = loadRates(o.rates, mfConfig.ratedClock);
  installLastResort(process, { log });
  let store = await openStore(o.store, { thread: true });
  // Check the database before serving anyone: a damaged one is served read-only, with the reason
  // said plainly here and to every user at login, instead of failing at the first charge.
  const problems = (await store.check?.()) ?? [];
  let readOnly: string | null = null;
  if (problems.length) {
    readOnly = 'THE DATABASE IS DAMAGED AND AWAITS REPAIR';
    log.error({ problems, store: store.where }, 'the database failed its integrity check: serving read-only');
    console.error(`timeshare: ${store.where} is damaged (PRAGMA quick_check found ${problems.length} problem${problems.length === 1 ? '' : 's'}; first: ${problems[0]}).
timeshare: serving READ-ONLY: users can log in and read their programs; nothing is saved, no job runs.
timeshare: to repair, stop the server, keep a copy of the file, and rebuild it, e.g.
timeshare:   sqlite3 timeshare.db ".recover" | sqlite3 repaired.db   (then put repaired.db in its place)`);
    if (store.kind === 'sqlite') {
      await store.close();
      store = await openStore(o.store, { thread: true, readonly: true });
    }
  }
  // Hosts share a PostgreSQL store; a SQLite store has one host, which needs no heartbeat or notices.
  const shared = store.kind !== 'sqlite';
  if (shared) await claimSystemName(store, o.systemName, log);
  // Charges an earlier run could not write (the store was away when it ended) go in first, before
  // restored jobs read what was charged for them. If this fails the server does not start: the
  // spool must not be overwritten by this run's own waiting charges.
  const spool = new LedgerSpool(spoolPath(o.data, o.systemName), o.systemName);
  if (readOnly === null) await replaySpool(store.ledger, spool, log);
  // what an earlier run of this host held of users' budgets is void (before restored jobs ask again)
  if (shared) await store.leases?.releaseAll(o.systemName);
  const before = threadIds();
  const mainframe = await Mainframe.start(mfConfig);
  yieldCores(threadIds().filter((t) => !before.includes(t)), o.mainframePriority);
  if (o.mainframePriority !== 'normal') {
    const helpers = v8Workers();
    if (helpers.length === 0) log.info('V8\'s platform workers were not found by their places: they keep the server\'s priority');
    for (const tid of helpers) lowerNice(tid, 'a V8 platform worker');
  }
  let attached: ReturnType<typeof attachAccounting> | null = null;
  // The accountant attaches before the jobs kept in the store come back, so that it knows what
  // was charged for them (README.md: work redone after a restore is not charged twice).
  const fe = await FrontEnd.start({ ...o.server, ratedClock: mfConfig.ratedClock }, {
    store, mainframe, library: new DirectoryLibrary(), log, system: o.systemName,
    beforeRestore: (f) => {
      f.readOnly = readOnly;
      attached = attachAccounting(f, { ledger: store.ledger, rates, log, host: o.systemName, shared, spool });
      // final snapshots a stop during an outage could not write: written (fenced) before the jobs
      // come back, after the ledger's spool (what they were charged) above
      if (readOnly === null) f.hotel.spool = new HotelSpool(hotelSpoolPath(o.data, o.systemName), o.systemName);
    },
  });
  const accounting = attached as unknown as ReturnType<typeof attachAccounting>;
  const web = attachWeb(fe, { accountant: accounting.accountant, log, trustProxy: o.trustProxy });
  const cluster: Cluster | null = shared ? await attachCluster(fe, { store, host: o.systemName, log }) : null;
  // after the other threads have started, so that none of them copies the lines' thread's slice
  if (o.linesSliceUs > 0) {
    void askSlice(process.pid, o.linesSliceUs).then((r) => {
      if (r.why) log.info({ sliceUs: r.sliceUs, why: r.why }, "the lines' thread keeps the kernel's time slice");
      else log.info({ sliceUs: r.sliceUs }, `the lines' thread asks for ${r.sliceUs} µs time slices`);
    });
  }
  // always printed, whatever --log-level says: scripts and people read the address from it
  log.child({}, { level: 'info' }).info(
    { url: fe.url, store: store.where, storeKind: store.kind, system: o.systemName, maxLines: o.server.maxLines },
    `timeshare listening on ${fe.url} as ${o.systemName}`,
  );
  log.child({}, { level: 'info' }).info({ web: fe.url.replace(/^ws/, 'http') }, `web teletype and account pages on ${fe.url.replace(/^ws/, 'http')}/`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // a second signal: the operator does not want to wait for the orderly stop
      log.warn({ signal }, 'stopping at once');
      log.flush();
      process.exit(1);
    }
    stopping = true;
    // Each step runs even if one before it failed (the store may be away: the jobs then cannot be
    // put away, but the ledger's waiting charges must still reach the spool).
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        log.error({ err, step: what }, 'error while stopping');
      }
    };
    await step('web', () => web.close());
    await step('front end', () => fe.shutdown(signal));
    await step('mainframe', () => mainframe.close());
    await step('accounting', () => accounting.close());
    await step('cluster', () => cluster?.close());
    await step('store', () => store.close());
    log.info('stopped');
    log.flush?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main(opts).catch((err: Error & { code?: string }) => {
  log.fatal({ err }, 'could not start');
  log.flush();
  console.error(err.code === 'EADDRINUSE' ? `the port is in use (${err.message}); try --port` : `could not start: ${err.message}`);
  process.exit(1);
});
