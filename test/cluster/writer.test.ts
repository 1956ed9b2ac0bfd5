// The ledger writer while the store is away: the queue stays bounded (readings of the same meter
// fold together), nothing is lost, and nothing is charged twice, even when a write committed but
// its answer was lost with the connection.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerSpool, replaySpool, spoolPath } from '../../server/accounting/spool.ts';
import { Meter } from '../../server/accounting/meter.ts';
import { LedgerWriter } from '../../server/accounting/writer.ts';
import { SqliteLedger, type LedgerEntry } from '../../server/store/ledger.ts';
import { StoreUnavailableError } from '../../server/store/store.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book, payer } from '../accounting/helpers.ts';

const meters = (cycles: number): Meters => ({ cycles, svcs: 0, coreWords: 1024, coreWordCycles: cycles * 1024, coreWordMs: Math.round((cycles * 1024) / 10_000), outputChars: 0, startedAt: 0 });

/** A real ledger behind a switch: 'down' refuses every write; 'lost' commits, then fails to answer. */
function flaky() {
  const real = SqliteLedger.memory();
  const state = { mode: 'up' as 'up' | 'down' | 'lost' };
  const ledger = Object.assign(Object.create(real) as SqliteLedger, {
    async append(es: readonly LedgerEntry[]) {
      if (state.mode === 'down') throw new StoreUnavailableError(new Error('connect ECONNREFUSED'), false);
      const n = await real.append(es);
      if (state.mode === 'lost') throw new StoreUnavailableError(new Error('Connection terminated unexpectedly'));
      return n;
    },
  });
  return { real, ledger, state };
}

describe('the ledger writer while the store is away', () => {
  it('keeps at most about one waiting entry per meter past its limit, loses nothing, charges nothing twice', async () => {
    const { real, ledger, state } = flaky();
    const w = new LedgerWriter(ledger, undefined, undefined, 100);
    const m = new Meter(book());
    let charged = 0;
    state.mode = 'down';
    const JOBS = 20;
    for (let t = 1; t <= 200; t++) {
      for (let j = 1; j <= JOBS; j++) {
        const es = m.job(payer('ANN', j), meters(t * CLOCK + j), PRIME + t * 1000);
        for (const e of es) charged += e.amount;
        w.add(es);
      }
      if (t % 10 === 0) await w.flush(true); // fails: the store is down
    }
    expect(w.storeDown).toBe(true);
    // 200 checkpoints of 20 jobs made 8,000 entries; the queue holds its limit plus about one per meter
    expect(w.pending).toBeLessThanOrEqual(100 + 2 * JOBS + 2 * JOBS);
    expect(w.folded).toBeGreaterThan(7000);
    state.mode = 'lost'; // the first write commits but its answer is lost
    await w.flush(true);
    expect(w.pending).toBeGreaterThan(0);
    state.mode = 'up';
    await w.flush(true);
    expect(w.pending).toBe(0);
    expect(w.storeDown).toBe(false);
    expect(await real.total('ANN', '2026-10-01', '2026-10-31')).toBe(charged);
    for (let j = 1; j <= JOBS; j++) {
      const es = await real.entriesOf({ job: `B1.${j}` });
      for (const kind of ['cpu', 'core']) {
        const k = es.filter((e) => e.kind === kind);
        expect(k.reduce((s, e) => s + e.quantity, 0)).toBe(Math.max(...k.map((e) => e.cum!)));
      }
    }
  });

  it('writes each entry as it came while below the limit, and backs off between failed tries', async () => {
    const { real, ledger, state } = flaky();
    const w = new LedgerWriter(ledger);
    const m = new Meter(book());
    state.mode = 'down';
    w.add(m.job(payer('BEN', 1), meters(CLOCK), PRIME));
    w.add(m.job(payer('BEN', 1), meters(2 * CLOCK), PRIME + 1000));
    expect(await w.flush()).toBe(0);
    expect(w.failures).toBe(1);
    expect(await w.flush()).toBe(0); // within the back-off: not tried
    expect(w.failures).toBe(1);
    state.mode = 'up';
    expect(await w.flush(true)).toBe(4);
    expect((await real.entriesOf({ job: 'B1.1' })).length).toBe(4);
  });
});

describe('the ledger spool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-spool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const quiet = { info() {}, warn() {}, error() {} };

  it('keeps what waits in a file after each failed write, removes it once all is written, and a new process replays it once', async () => {
    const { real, ledger, state } = flaky();
    const file = spoolPath(dir, 'ALPHA');
    const w = new LedgerWriter(ledger, undefined, undefined, 100, new LedgerSpool(file, 'ALPHA'));
    const m = new Meter(book());
    let charged = 0;
    const add = (t: number) => {
      const es = m.job(payer('CARL', 1), meters(t * CLOCK), PRIME + t * 1000);
      for (const e of es) charged += e.amount;
      w.add(es);
    };
    add(1);
    await w.flush(true);
    expect(existsSync(file)).toBe(false); // nothing waits: no file
    state.mode = 'down';
    for (let t = 2; t <= 300; t++) {
      add(t);
      if (t % 25 === 0) await w.flush(true);
    }
    expect(existsSync(file)).toBe(true);
    const spooled = JSON.parse(readFileSync(file, 'utf8')) as { entries: LedgerEntry[] };
    // the last failed write saw everything up to t = 300 (folded past the limit: fewer entries)
    expect(spooled.entries.length).toBe(w.pending);
    expect(spooled.entries.length).toBeLessThan(2 * 299);
    // the process ends here: a new one (a new spool object on the same file) replays it
    const again = new LedgerSpool(file, 'ALPHA');
    state.mode = 'up';
    const r = await replaySpool(real, again, quiet);
    expect(r).toEqual({ entries: w.pending, written: w.pending });
    expect(existsSync(file)).toBe(false);
    expect(await real.total('CARL', '2026-10-01', '2026-10-31')).toBe(charged);
    // had the old process lived on and written its queue after all, nothing would be charged twice
    await w.flush(true);
    expect(await real.total('CARL', '2026-10-01', '2026-10-31')).toBe(charged);
    expect(await replaySpool(real, new LedgerSpool(file, 'ALPHA'), quiet)).toBeNull();
  });

  it('moves an unreadable spool aside for the operator instead of losing it or failing the start', async () => {
    const file = spoolPath(dir, 'BETA');
    const s = new LedgerSpool(file, 'BETA');
    s.save([{ key: 'x', user: 'ANN' } as unknown as LedgerEntry]);
    const errors: string[] = [];
    expect(await replaySpool(SqliteLedger.memory(), new LedgerSpool(file), { info() {}, warn() {}, error: (_o, msg) => errors.push(msg) })).toBeNull();
    expect(existsSync(`${file}.bad`)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(errors[0]).toMatch(/could not be read/);
  });
});
