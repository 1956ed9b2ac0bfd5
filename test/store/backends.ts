// The two store backends, opened the same way for the shared store suite and the cluster tests:
// SQLite in a temporary folder, PostgreSQL in a fresh database on the run's real server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../server/store/open.ts';
import type { Store } from '../../server/store/store.ts';
import { freshDatabase } from '../helpers/pg-db.ts';

export interface Backend {
  /** what the suite calls it */
  readonly name: string;
  /** the store's `kind` */
  readonly kind: 'sqlite' | 'postgres';
  /** how it is opened (default: openStore, as the tools do) */
  open?(spec: string): Promise<Store>;
  /** A new, empty store location (a folder or a database URL). */
  fresh(): Promise<string>;
  /** Removes what fresh() made (folders; databases go with the server at the end of the run). */
  cleanup(): void;
}

export function sqliteBackend(): Backend {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    kind: 'sqlite',
    async fresh() {
      const d = mkdtempSync(join(tmpdir(), 'timeshare-store-'));
      dirs.push(d);
      return d;
    },
    cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function postgresBackend(): Backend {
  return { name: 'postgres', kind: 'postgres', fresh: () => freshDatabase('store'), cleanup() {} };
}

/** SQLite as the server opens it: on a thread of its own, every call a message (worker-store.ts). */
export function sqliteThreadBackend(): Backend {
  return { ...sqliteBackend(), name: 'sqlite (on its own thread, as the server runs it)', open: (spec) => openStore(spec, { thread: true }) };
}

export const BACKENDS: (() => Backend)[] = [sqliteBackend, sqliteThreadBackend, postgresBackend];

export async function open(spec: string): Promise<Store> {
  return openStore(spec);
}
