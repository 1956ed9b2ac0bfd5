// The WAL's checkpoints, off the front end's thread. SQLite's automatic checkpoint runs inside the
// commit that crosses its threshold (1,000 pages), on the committing thread, and a checkpoint
// fsyncs the database file. better-sqlite3 is synchronous, so in the server that commit is the
// front end's: a profile of the echo benchmark with 50 unthrottled jobs (whose CPU checkpoints
// fill the ledger quickly) showed ledger commits of 300-366 ms, every line's echo waiting behind
// them, on a host whose disk was busy.
//
// So the server turns the automatic checkpoint off on its own connection and a worker thread,
// with a connection of its own, checkpoints every second (PASSIVE: it never blocks a writer, and
// a writer never waits for it). If the worker cannot run or dies, the automatic checkpoint is
// turned back on: the WAL never grows without bound.
//
// The worker's code is a string (eval) so that it needs no file of its own beside the built
// bundle, and it loads better-sqlite3 from the path this module resolves.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface CheckpointReport {
  /** frames in the WAL, and how many of them are in the database file now */
  log: number;
  checkpointed: number;
  /** the checkpoint could not finish because a reader held an old snapshot (retried next time) */
  busy: boolean;
}

export interface CheckpointerLog {
  warn(obj: object, msg: string): void;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let lastError = '';
const tick = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    lastError = '';
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed, busy: r.busy !== 0 });
  } catch (e) {
    // a full disk, a lock held too long: said once per distinct error, tried again next tick
    if (e.message !== lastError) parentPort.postMessage({ error: e.message });
    lastError = e.message;
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'now') tick();
  if (m === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export class Checkpointer {
  private worker: Worker | null;
  private stopped = false;
  private waiters: ((r: CheckpointReport) => void)[] = [];
  last: CheckpointReport | null = null;

  constructor(private readonly db: Database.Database, file: string, private readonly log: CheckpointerLog, everyMs = 1000) {
    db.pragma('wal_autocheckpoint = 0');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { sqlite, file, everyMs } });
    this.worker.unref(); // the checkpointer never keeps the process alive
    this.worker.on('message', (m: CheckpointReport | { error: string }) => {
      if ('error' in m) {
        this.log.warn({ err: m.error }, 'the background WAL checkpoint failed; it is tried again each second');
        return;
      }
      this.last = m;
      for (const w of this.waiters.splice(0)) w(m);
    });
    this.worker.on('error', (err) => this.fallBack(err));
    this.worker.on('exit', () => this.fallBack(null));
  }

  /** A checkpoint now (tests); resolves with its report. */
  now(): Promise<CheckpointReport> {
    return new Promise((resolve, reject) => {
      if (!this.worker) return reject(new Error('the checkpointer is not running'));
      this.waiters.push(resolve);
      this.worker.postMessage('now');
    });
  }

  get running(): boolean {
    return this.worker !== null;
  }

  private fallBack(err: Error | null): void {
    if (this.worker === null) return;
    this.worker = null;
    if (this.stopped) return;
    // The worker is gone: commits checkpoint again, on the front end's thread (slower tails, but
    // the WAL stays bounded).
    this.log.warn({ err }, 'the background WAL checkpointer stopped: automatic checkpoints are back on');
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  /** Stops the worker (before the database closes); one last checkpoint is left to the close. */
  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    const gone = new Promise((r) => w.once('exit', r));
    w.postMessage('stop');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 2000).unref())]);
    await w.terminate();
  }

  /** For tests: kills the worker as a crash would. */
  crashForTest(): Promise<number> {
    return this.worker ? this.worker.terminate() : Promise.resolve(0);
  }
}
