// Stored passwords are scrypt hashes with a salt of their own, and checking one goes through a
// constant-time comparison (node:crypto's timingSafeEqual, watched here through a module mock).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const crypto = await import('node:crypto');
const { hashPassword, verifyPassword } = await import('../../server/frontend/password.ts');
const { startFrontEnd } = await import('../frontend/harness.ts');
const { login } = await import('../frontend/client.ts');

type H = Awaited<ReturnType<typeof startFrontEnd>>;
let h: H;
beforeAll(async () => {
  h = await startFrontEnd({ scryptN: 1024 });
});
afterAll(() => h.stop());

const SCRYPT = /^scrypt\$(\d+)\$8\$1\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/;

describe('password storage', () => {
  it('the database holds salted scrypt hashes, never the password', async () => {
    for (const name of ['ann', 'ben']) (await login(h.url, name, 'same-pass-1')).close();
    const db = new Database(join(h.dir, 'timeshare.db'), { readonly: true });
    const rows = db.prepare('SELECT name, password FROM accounts ORDER BY name').all() as { name: string; password: string }[];
    db.close();
    expect(rows.map((r) => r.name)).toEqual(['ANN', 'BEN']);
    for (const r of rows) {
      const m = SCRYPT.exec(r.password);
      expect(m, r.password).not.toBeNull();
      expect(Number(m![1])).toBe(1024);
      expect(r.password).not.toContain('same-pass-1');
      expect(r.password).not.toContain(Buffer.from('same-pass-1').toString('base64'));
    }
    // same password, different salts, different hashes
    expect(SCRYPT.exec(rows[0].password)![2]).not.toBe(SCRYPT.exec(rows[1].password)![2]);
    expect(SCRYPT.exec(rows[0].password)![3]).not.toBe(SCRYPT.exec(rows[1].password)![3]);
  });

  it('checks go through timingSafeEqual, right or wrong, and malformed hashes are refused', async () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    const stored = await hashPassword('correct horse', 16);
    spy.mockClear();
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsf', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    for (const bad of ['', 'plain', 'correct horse', 'scrypt$3$8$1$aa$bb', 'md5$1$2$3$4$5', stored.replace(/\$[^$]+$/, '$')]) {
      expect(await verifyPassword('correct horse', bad)).toBe(false);
    }
  });

  it('a login to an unknown name costs a scrypt check too (no timing hint that the name is free)', async () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    const noReg = await startFrontEnd({ register: false, failDelayMs: 0 });
    try {
      const t = await (await import('../frontend/client.ts')).Term.open(noReg.url);
      await t.expect('USER NAME--');
      spy.mockClear();
      t.line('nobody');
      await t.expect('PASSWORD--');
      t.line('whatever');
      await t.expect('INCORRECT USER NAME OR PASSWORD.');
      expect(spy).toHaveBeenCalledTimes(1);
      t.close();
    } finally {
      await noReg.stop();
    }
  });
});
