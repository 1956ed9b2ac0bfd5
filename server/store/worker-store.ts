// The server's SQLite store, on a thread of its own. better-sqlite3 is synchronous: on the lines'
// thread every commit (and SQLite's checkpoint with its fsync) is time no line is served. On a quiet
// disk a ledger chunk commits in about a millisecond, but a profile of the hostile benchmark on a
// host whose disk other processes kept busy showed one ledger commit of 465 ms, an account creation
// of 421 ms, and 4 MB job snapshots (swap-out) take 10-40 ms. So the server talks to its SQLite
// database through this proxy: the same `Store` interface (already asynchronous, for PostgreSQL),
// each call posted to the store thread (store-worker.ts), which owns the only connection and
// answers in order. Errors come back with their `code` (and `inDoubt`), which is what callers test.
//
// Tests and the command-line tools (admin, bills, job) open SqliteStore directly, in process.
import { Worker } from 'node:worker_threads';
import { LocalNotices } from './notices.ts';
import type { AccountStore, ClusterStore, ProgramStore, Store } from './store.ts';
import type { Ledger } from './ledger.ts';
import type { HotelStore } from './hotel.ts';

/** Set by the build (server/build.mjs) to the bundled store worker, relative to this source file. */
declare const __TIMESHARE_STORE_WORKER__: string | undefined;

function workerUrl(): URL {
  return typeof __TIMESHARE_STORE_WORKER__ === 'string'
    ? new URL(__TIMESHARE_STORE_WORKER__, import.meta.url)
    : new URL('./store-worker-boot.mjs', import.meta.url);
}

type Part = 'accounts' | 'programs' | 'ledger' | 'hotel' | 'cluster';

export interface StoreCall { id: number; part: Part | null; method: string; args: unknown[] }
export interface StoreReply {
  id: number;
  value?: unknown;
  error?: { name: string; message: string; stack?: string; code?: string; inDoubt?: boolean };
}

/** An error from the store thread, with the fields callers look at. */
export class StoreThreadError extends Error {
  code?: string;
  inDoubt?: boolean;
}

export class WorkerStore implements Store {
  readonly kind = 'sqlite';
  readonly accounts: AccountStore;
  readonly programs: ProgramStore;
  readonly ledger: Ledger;
  readonly hotel: HotelStore;
  readonly cluster: ClusterStore;
  private nextId = 1;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private gone: Error | null = null;

  /** Opens DIR/timeshare.db on a new store thread (`readonly`: a damaged database, as it is). */
  static async open(dir: string, opts: { readonly?: boolean } = {}): Promise<WorkerStore> {
    const worker = new Worker(workerUrl(), { workerData: { dir, readonly: opts.readonly ?? false } });
    const first = await new Promise<StoreReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the store thread stopped as it started (exit ${code})`)));
    });
    if (first.error) {
      await worker.terminate();
      throw toError(first.error);
    }
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    return new WorkerStore(worker, (first.value as { where: string }).where);
  }

  private constructor(private readonly worker: Worker, readonly where: string) {
    worker.on('message', (r: StoreReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.error) p.reject(toError(r.error));
      else p.resolve(r.value);
    });
    const fail = (err: Error) => {
      this.gone ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`the store thread has stopped (exit ${code})`)));
    this.accounts = this.part('accounts');
    this.programs = this.part('programs');
    this.ledger = this.part('ledger');
    this.hotel = this.part('hotel');
    // One host on a SQLite store: notices go to this process's own listeners, as SqliteStore's do.
    const notices = new LocalNotices();
    const cluster = this.part<ClusterStore>('cluster');
    this.cluster = {
      beat: (st) => cluster.beat(st),
      hosts: () => cluster.hosts(),
      forget: (host) => cluster.forget(host),
      notify: async (n) => notices.emit(n),
      listen: (fn) => notices.on(fn),
    };
  }

  private call(part: Part | null, method: string, args: unknown[]): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, part, method, args } satisfies StoreCall);
    });
  }

  /** An object whose every method is a call to the same method of the store thread's part. */
  private part<T>(part: Part): T {
    return new Proxy({} as Record<string, unknown>, {
      get: (_t, method) => (typeof method === 'string' && method !== 'then' ? (...args: unknown[]) => this.call(part, method, args) : undefined),
    }) as T;
  }

  check(): Promise<string[]> {
    return this.call(null, 'check', []) as Promise<string[]>;
  }

  nextJobNumber(count?: number): Promise<number> {
    return this.call(null, 'nextJobNumber', count === undefined ? [] : [count]) as Promise<number>;
  }

  async close(): Promise<void> {
    if (this.gone) return;
    try {
      await this.call(null, 'close', []);
    } finally {
      await this.worker.terminate();
    }
  }
}

function toError(e: NonNullable<StoreReply['error']>): StoreThreadError {
  const err = new StoreThreadError(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  if (e.code !== undefined) err.code = e.code;
  if (e.inDoubt !== undefined) err.inDoubt = e.inDoubt;
  return err;
}
