// The two store backends, opened the same way for the shared store suite and the cluster tests:
// SQLite in a temporary folder, PostgreSQL in a fresh database on the run's real server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../server/store/open.ts';
import type { Store } from '../../server/store/store.ts';
import { freshDatabase } from '../helpers/pg-db.ts';

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty store location (a folder or a database URL). */
  fresh(): Promise<string>;
  /** Removes what fresh() made (folders; databases go with the server at the end of the run). */
  cleanup(): void;
}

export function sqliteBackend(): Backend {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
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
  return { name: 'postgres', fresh: () => freshDatabase('store'), cleanup() {} };
}

export const BACKENDS: (() => Backend)[] = [sqliteBackend, postgresBackend];

export async function open(spec: string): Promise<Store> {
  return openStore(spec);
}
