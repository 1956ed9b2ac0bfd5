// The SQLite store's own thread (see worker-store.ts): it opens the database and answers each
// call the lines' thread posts, one at a time and in order, on its own connection. Every commit,
// checkpoint and fsync happens here, so a disk that stalls stalls this thread, never an echo.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { SqliteStore } from './sqlite.ts';
import { WalKeeper } from './wal.ts';
import type { StoreCall, StoreReply } from './worker-store.ts';

const { dir, readonly } = workerData as { dir: string; readonly: boolean };
const port = parentPort!;
let store: SqliteStore;
try {
  store = SqliteStore.open(dir, undefined, { readonly });
  port.postMessage({ id: 0, value: { where: store.where } } satisfies StoreReply);
  if (!readonly && store.where !== ':memory:') {
    // A full disk must not leave the WAL unable to checkpoint forever (wal.ts). Logged to stderr,
    // as the mainframe's thread logs, quiet under tests unless LOG_LEVEL says otherwise.
    const log = pino({ name: 'store', level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') }, pino.destination({ fd: 2, sync: true }));
    const keeper = new WalKeeper(store.db, store.where, log);
    setInterval(() => keeper.tick(), 1000).unref();
  }
} catch (err) {
  port.postMessage({ id: 0, error: wireError(err) } satisfies StoreReply);
  process.exit(1);
}

/** An error as plain data: what callers test (`code`, `inDoubt`) and what they print. */
function wireError(err: unknown): NonNullable<StoreReply['error']> {
  const e = err as Partial<Error & { code: unknown; inDoubt: unknown }>;
  return {
    name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), stack: e?.stack,
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.inDoubt === 'boolean' ? { inDoubt: e.inDoubt } : {}),
  };
}

port.on('message', (call: StoreCall) => {
  // The SQLite methods run to completion before their first await, so calls are served in the
  // order they were posted even though each reply waits for its promise.
  let result: Promise<unknown>;
  try {
    const target = (call.part === null ? store : (store as unknown as Record<string, object>)[call.part]) as Record<string, (...a: unknown[]) => unknown>;
    const fn = target[call.method];
    if (typeof fn !== 'function') throw new Error(`the store has no ${call.part ?? 'store'}.${call.method}`);
    result = Promise.resolve(fn.apply(target, call.args));
  } catch (err) {
    result = Promise.reject(err);
  }
  result.then(
    (value) => port.postMessage({ id: call.id, value } satisfies StoreReply),
    (err) => port.postMessage({ id: call.id, error: wireError(err) } satisfies StoreReply),
  );
  if (call.part === null && call.method === 'close') void result.finally(() => port.close());
});
