// A full disk must not leave the database's write-ahead log unable to checkpoint forever
// (server/store/wal.ts): on a
// real, small filesystem (tmpfs; the test needs root, as CI has, and fails rather than skips
// without it), a reader holding an old snapshot lets the WAL grow until the disk is full; the
// checkpointer says so plainly; once there is room the WAL is checkpointed AND truncated, so its
// space comes back and writes work again.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { WalKeeper, WAL_LIMIT_BYTES } from '../../server/store/wal.ts';

const canMount = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"']).status === 0;

async function until(what: string, pred: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the write-ahead log on a full disk', () => {
  it('grows until the disk is full, is said plainly, and is checkpointed and truncated once there is room', async () => {
    expect(canMount, 'this test mounts an 8 MiB tmpfs: it needs root and tmpfs (CI runs as root)').toBe(true);
    const mnt = join('/tmp', `timeshare-wal-${process.pid}`);
    mkdirSync(mnt, { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]).status).toBe(0);
    let store: SqliteStore | null = null;
    let reader: Database.Database | null = null;
    let timer: NodeJS.Timeout | null = null;
    try {
      const dir = join(mnt, 'data');
      store = SqliteStore.open(dir);
      const wal = join(dir, 'timeshare.db-wal');
      const logs: string[] = [];
      const log = { warn: (_o: object, msg: string) => void logs.push(msg), info: (_o: object, msg: string) => void logs.push(msg) };
      // the store's thread ticks it every second, trying at most every 5 s; here every 100 ms
      const keeper = new WalKeeper(store.db, store.where, log, 100);
      timer = setInterval(() => keeper.tick(), 20);
      await store.accounts.create({ name: 'WAL', password: 'x' });
      // room that will be given back later, more than the WAL can take meanwhile
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(5 << 20));
      // a reader holds an old snapshot: no checkpoint can take the WAL's frames
      reader = new Database(join(dir, 'timeshare.db'), { readonly: true });
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM accounts').get();
      const text = 'X'.repeat(60_000);
      let full = '';
      for (let i = 0; i < 500 && !full; i++) {
        try {
          await store.programs.save('WAL', { name: `P${i}`, lang: 'text', text }, true);
        } catch (e) {
          full = (e as Error).message;
        }
      }
      expect(full).toMatch(/full/i);
      const grown = statSync(wal).size;
      expect(grown).toBeGreaterThan(2 * WAL_LIMIT_BYTES);
      // the reader lets go: the checkpoint now needs room in the database file, and there is none
      reader.exec('COMMIT');
      reader.close();
      reader = null;
      await until('the disk-full line', () => logs.some((l) => l.startsWith('the disk is full: the database\'s write-ahead log')));
      expect(statSync(wal).size).toBe(grown); // stuck, and said so once
      expect(logs.filter((l) => l.startsWith('the disk is full')).length).toBe(1);
      // room again: the WAL is checkpointed and its file truncated, giving the space back
      rmSync(join(mnt, 'filler'));
      await until('the WAL to be truncated', () => statSync(wal).size <= WAL_LIMIT_BYTES);
      expect(logs.some((l) => l.startsWith('the write-ahead log is checkpointed again'))).toBe(true);
      const r = await store.programs.save('WAL', { name: 'AFTER', lang: 'text', text: 'ROOM AGAIN' }, true);
      expect(r).toBeTruthy();
      expect((await store.programs.get('WAL', 'AFTER'))?.text).toBe('ROOM AGAIN');
      expect((await store.programs.get('WAL', 'P0'))?.text).toBe(text); // nothing written before was lost
    } finally {
      if (timer) clearInterval(timer);
      reader?.close();
      await store?.close();
      spawnSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
