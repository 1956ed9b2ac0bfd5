// `npm run bills` on a temporary data directory: table, CSV and JSON, and its error messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { SqliteLedger } from '../../server/store/ledger.ts';
import { Meter } from '../../server/accounting/meter.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, book, payer } from './helpers.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const meters = (cycles: number): Meters => ({ cycles, svcs: 0, coreWords: 4096, coreWordCycles: cycles * 4096, coreWordMs: Math.round((cycles * 4096) / 10_000), outputChars: 0, startedAt: 0 });

async function bills(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'server/bills.ts'), ...args], { cwd: ROOT });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('npm run bills', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bills-'));
    const store = SqliteStore.open(dir);
    await store.accounts.create({ name: 'ALICE', password: 'x', budget: 50_000_000 });
    await store.accounts.create({ name: 'BOB', password: 'x' });
    await store.accounts.create({ name: 'IDLE', password: 'x' });
    const ledger = new SqliteLedger(store.db);
    const m = new Meter(book());
    await ledger.append([
      ...m.job(payer('ALICE', 1), meters(60 * CLOCK), Date.UTC(2026, 9, 3, 12)),
      ...m.job(payer('ALICE', 2), meters(30 * CLOCK), Date.UTC(2026, 9, 4, 12)),
      ...m.job(payer('BOB', 3), meters(CLOCK), Date.UTC(2026, 9, 4, 13)),
      ...m.job(payer('BOB', 4), meters(CLOCK), Date.UTC(2026, 10, 1, 13)), // November
    ]);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints JSON with per-user totals and lines in micro-dollars', async () => {
    const r = await bills('--data', dir, '--month', '2026-10', '--format', 'json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.month).toBe('2026-10');
    expect(j.users.map((u: { user: string }) => u.user)).toEqual(['ALICE', 'BOB']);
    const alice = j.users[0];
    expect(alice.budget).toBe(50_000_000);
    const cpu = alice.lines.find((l: { kind: string }) => l.kind === 'cpu');
    expect(cpu).toMatchObject({ quantity: 90 * CLOCK, unit: 'cycles', rate: 2_000_000, per: 60 * CLOCK, amount: 3_000_000 });
    // 90 s x 4096 words = 368.64 KCS at $0.002
    expect(alice.lines.find((l: { kind: string }) => l.kind === 'core').amount).toBe(737_280);
    expect(alice.total).toBe(3_737_280);
    expect(j.total).toBe(alice.total + j.users[1].total);
    for (const u of j.users) expect(u.total).toBe(u.lines.reduce((s: number, l: { amount: number }) => s + l.amount, 0));
  });

  it('prints CSV with a TOTAL row per user', async () => {
    const r = await bills('--data', dir, '--month', '2026-10', '--format', 'csv');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['month', 'user', 'kind', 'quantity', 'unit', 'rate_micros', 'per', 'discount_pct', 'rate_effective', 'amount_micros', 'host']);
    expect(rows.filter((x) => x[2] === 'TOTAL').map((x) => [x[1], x[9]])).toEqual([['ALICE', '3737280'], ['BOB', '41525']]);
  });

  it('prints each statement and a summary as a 72-column table', async () => {
    const r = await bills('--data', dir, '--month', '2026-10');
    expect(r.code).toBe(0);
    for (const l of r.stdout.split('\n')) expect(l.length).toBeLessThanOrEqual(72);
    expect(r.stdout).toContain('STATEMENT FOR ALICE');
    expect(r.stdout).toContain('STATEMENT FOR BOB');
    expect(r.stdout).toMatch(/^ALICE +50\.000000 +3\.737280$/m);
    expect(r.stdout).toMatch(/^BOB +NONE +0\.041525$/m);
    expect(r.stdout).toMatch(/^2 USERS +3\.778805$/m);
  });

  it('shows one user, even with no charges', async () => {
    const r = await bills('--data', dir, '--month', '2026-11', '--user', 'bob', '--format', 'json');
    expect(JSON.parse(r.stdout).users.map((u: { user: string; total: number }) => [u.user, u.total])).toEqual([['BOB', 41_525]]);
    const idle = await bills('--data', dir, '--month', '2026-11', '--user', 'IDLE');
    expect(idle.stdout).toContain('NO CHARGES THIS MONTH.');
  });

  it('explains bad input in one line, with no stack trace', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--data', dir, '--month', '2026-13'], 2, /not a month: "2026-13"/],
      [['--data', dir, '--format', 'xml'], 2, /unknown format "xml"/],
      [['--data', dir, '--bogus'], 2, /Unknown option '--bogus'/],
      [['--data', dir, '--user', 'NOSUCH'], 1, /no account named NOSUCH/],
      [['--data', join(dir, 'nothing-here')], 1, /no database in .*nothing-here/],
      [['--data', dir, '--rates', join(dir, 'missing.json')], 1, /cannot read the rate file/],
    ];
    const results = await Promise.all(cases.map(([args]) => bills(...args)));
    for (const [i, [args, code, re]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
