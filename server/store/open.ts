// Which store a program uses: `--store` (a postgres:// URL, or a folder for SQLite), else the
// TIMESHARE_STORE environment variable, else SQLite in `--data` (default ./data). The server,
// `npm run admin` and `npm run bills` all choose the same way.
import { isPostgresUrl, PgStore } from './postgres.ts';
import { WorkerStore } from './worker-store.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

export const STORE_ENV = 'TIMESHARE_STORE';

/** The store spec in force: --store, then $TIMESHARE_STORE, then the data folder. */
export function storeSpec(flag: string | undefined, dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const s = flag ?? env[STORE_ENV];
  return s !== undefined && s.trim() !== '' ? s.trim() : dataDir;
}

export async function openStore(spec: string, opts: { thread?: boolean; readonly?: boolean } = {}): Promise<Store> {
  if (isPostgresUrl(spec)) return PgStore.open(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new Error(`unknown kind of store "${spec.split(':')[0]}": use postgres://... or a folder for SQLite`);
  // The server keeps SQLite on a thread of its own (worker-store.ts); the tools open it here.
  if (opts.thread) return WorkerStore.open(spec, { readonly: opts.readonly });
  return SqliteStore.open(spec, undefined, { readonly: opts.readonly });
}
