import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { MIGRATIONS } from '../../server/store/migrations.ts';
import { hashPassword, verifyPassword } from '../../server/frontend/password.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'timeshare-store-'));
  dirs.push(d);
  return d;
};

describe('SqliteStore', () => {
  it('opens in WAL mode with foreign keys and records its migrations once', async () => {
    const dir = tmp();
    let s = SqliteStore.open(dir);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    await s.close();
    s = SqliteStore.open(dir);
    const rows = s.db.prepare('SELECT id FROM migrations ORDER BY id').all() as { id: number }[];
    expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    await s.close();
  });

  it('keeps accounts and programs across reopening; SAVE refuses a duplicate, REPLACE overwrites', async () => {
    const dir = tmp();
    let s = SqliteStore.open(dir);
    expect(await s.accounts.create({ name: 'A', password: 'h', budget: 5_000_000 })).toBe(true);
    expect(await s.accounts.create({ name: 'A', password: 'h2' })).toBe(false);
    expect(await s.programs.save('A', { name: 'P', lang: 'basic', text: '10 END\n' }, false)).toBe('saved');
    expect(await s.programs.save('A', { name: 'P', lang: 'basic', text: '20 END\n' }, false)).toBe('duplicate');
    expect(await s.programs.save('A', { name: 'P', lang: 'basic', text: '30 END\n' }, true)).toBe('replaced');
    expect(await s.accounts.recordLogin('A', 1000)).toBeNull();
    expect(await s.accounts.recordLogin('A', 2000)).toBe(1000);
    await s.close();
    s = SqliteStore.open(dir);
    expect((await s.programs.get('A', 'P'))?.text).toBe('30 END\n');
    expect(await s.accounts.get('A')).toMatchObject({ name: 'A', budget: 5_000_000, operator: false, lastLogin: 2000 });
    expect(await s.programs.rename('A', 'P', 'Q.S', 'asm')).toBe('renamed');
    expect(await s.programs.list('A')).toMatchObject([{ name: 'Q.S', lang: 'asm', size: 7 }]);
    await s.close();
  });

  it('refuses programs of an owner that does not exist (foreign key)', async () => {
    const s = SqliteStore.open(':memory:');
    await expect(s.programs.save('NOBODY', { name: 'P', lang: 'basic', text: '' }, false)).rejects.toThrow(/FOREIGN KEY/);
    await s.close();
  });
});

describe('passwords', () => {
  it('scrypt hashes carry their parameters and a random salt; verification is exact', async () => {
    const a = await hashPassword('pw', 16);
    const b = await hashPassword('pw', 16);
    expect(a).toMatch(/^scrypt\$16\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pw', a)).toBe(true);
    expect(await verifyPassword('pw ', a)).toBe(false);
    expect(await verifyPassword('pw', 'garbage')).toBe(false);
  });
});
