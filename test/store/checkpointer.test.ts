// WAL checkpoints run on a worker thread of their own (server/store/checkpointer.ts): commits on
// the server's thread never checkpoint (so never wait on the fsync of one), the worker keeps the
// WAL bounded, and if it dies the automatic checkpoint comes back.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../server/store/sqlite.ts';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-ckpt-'));
  dirs.push(dir);
  const s = SqliteStore.open(dir);
  stores.push(s);
  s.db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, v BLOB)');
  return s;
}

/** 1,500 commits of one 4 KiB row each: more than the 1,000 pages an automatic checkpoint waits for. */
function fill(s: SqliteStore): void {
  const ins = s.db.prepare('INSERT INTO filler (v) VALUES (?)');
  const blob = Buffer.alloc(4000, 7);
  for (let i = 0; i < 1500; i++) ins.run(blob);
}

const walBytes = (s: SqliteStore) => statSync(`${s.where}-wal`).size;
const warnings: string[] = [];
const log = { warn: (_o: object, msg: string) => void warnings.push(msg) };

describe('the background WAL checkpointer', () => {
  it('commits on the server thread never checkpoint; the worker does, and the WAL is reused', async () => {
    const s = open();
    const cp = s.checkpointInBackground(log, 60_000)!; // no tick of its own during the test
    fill(s);
    // no commit checkpointed: the WAL holds all 1,500+ pages (with automatic checkpoints it
    // would have been rewound at 1,000)
    expect(walBytes(s)).toBeGreaterThan(1500 * 4096);
    const r = await cp.now();
    expect(r.log).toBeGreaterThan(1500);
    expect(r.checkpointed).toBe(r.log); // every frame is in the database file now
    // the next commits start the WAL again from its beginning: it does not grow
    const before = walBytes(s);
    fill(s);
    expect(walBytes(s)).toBeLessThan(before * 1.1); // rewound and reused, not doubled
    expect((s.db.prepare('SELECT count(*) AS n FROM filler').get() as { n: number }).n).toBe(3000);
  });

  it('without it (a plain store) the commits checkpoint as SQLite does by default', () => {
    const s = open();
    fill(s);
    expect(walBytes(s)).toBeLessThan(1200 * 4096);
  });

  it('if the worker dies, automatic checkpoints come back on and it says so', async () => {
    const s = open();
    const cp = s.checkpointInBackground(log, 60_000)!;
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await cp.crashForTest();
    await new Promise((r) => setImmediate(r));
    expect(cp.running).toBe(false);
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(warnings).toContain('the background WAL checkpointer stopped: automatic checkpoints are back on');
  });
});
