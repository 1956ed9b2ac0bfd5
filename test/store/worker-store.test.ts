// The server's SQLite store on a thread of its own (server/store/worker-store.ts): the contract
// suite runs against it as a backend; here, what is particular to the thread: an error keeps the
// code callers test, what was written is in the file for the tools, and a closed store says so.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { WorkerStore } from '../../server/store/worker-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'timeshare-thread-'));
  dirs.push(d);
  return d;
};

describe('the SQLite store on its own thread', () => {
  it('writes what the tools then read, and a read-only one refuses writes with SQLite\'s code', async () => {
    const dir = fresh();
    const s = await WorkerStore.open(dir);
    expect(await s.accounts.create({ name: 'ANN', password: 'x' })).toBe(true);
    expect(await s.accounts.create({ name: 'ANN', password: 'y' })).toBe(false);
    await s.close();
    // the admin and bills tools open the file in process: they see what the thread wrote
    const tool = SqliteStore.open(dir);
    expect((await tool.accounts.get('ANN'))?.password).toBe('x');
    await tool.close();
    // a damaged database is served read-only (main.ts): a write fails with SQLite's code, which
    // is what the callers look at
    const ro = await WorkerStore.open(dir, { readonly: true });
    const err = await ro.accounts.create({ name: 'BOB', password: 'z' }).then(() => null, (e: Error & { code?: string }) => e);
    expect(err?.code).toBe('SQLITE_READONLY');
    expect(await ro.accounts.get('ANN')).not.toBeNull();
    await ro.close();
  });

  it('a store that cannot be opened fails at open, with the reason; a closed one refuses calls', async () => {
    await expect(WorkerStore.open(join(fresh(), 'missing'), { readonly: true })).rejects.toThrow(/unable to open|does not exist|SQLITE_CANTOPEN/i);
    const s = await WorkerStore.open(fresh());
    await s.close();
    await expect(s.accounts.get('ANN')).rejects.toThrow(/store thread has stopped/);
  });
});
