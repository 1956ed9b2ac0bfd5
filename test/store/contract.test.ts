// One suite, both stores: everything above server/store/ relies on these behaviours, so SQLite (the
// embedded default) and PostgreSQL (several hosts on one database) must agree on every one of them.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Meter } from '../../server/accounting/meter.ts';
import type { LedgerEntry } from '../../server/store/ledger.ts';
import type { HostStatus, Notice, Store } from '../../server/store/store.ts';
import { PgStore } from '../../server/store/postgres.ts';
import type { Meters } from '../../server/monitor/protocol.ts';
import { CLOCK, PRIME, book, payer } from '../accounting/helpers.ts';
import { BACKENDS, open } from './backends.ts';

const meters = (cycles: number): Meters => ({ cycles, svcs: 0, coreWords: 2048, coreWordCycles: cycles * 2048, coreWordMs: Math.round((cycles * 2048) / 10_000), outputChars: 0, startedAt: 0 });
const DAY = 86_400_000;

function status(host: string, over: Partial<HostStatus> = {}): HostStatus {
  return {
    host, boot: `${host}.1`, url: 'ws://127.0.0.1:1', startedAt: 1, beatAt: 2, maxLines: 10,
    lines: [{ line: 1, user: 'ANN', connectedAt: 1, state: 'IDLE' }], jobs: [], load: [0.5, 0.25, 0.125], core: { used: 1, total: 2 }, ...over,
  };
}

/** Charges `user` through a real meter, as the accountant does, stamped with `host`. */
function charges(m: Meter, user: string, job: number, cycles: number, at: number, host: string | null = null): LedgerEntry[] {
  return m.job(payer(user, job), meters(cycles), at).map((e) => ({ ...e, host }));
}

/** Tries to change a written ledger row behind the store's back; resolves to the error message. */
async function tamper(kind: string, spec: string, sql: string): Promise<string> {
  try {
    if (kind === 'sqlite') {
      const db = new Database(join(spec, 'timeshare.db'));
      try {
        db.prepare(sql).run();
      } finally {
        db.close();
      }
    } else {
      const c = new pg.Client({ connectionString: spec });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    }
    return 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

for (const make of BACKENDS) {
  const backend = make();
  describe(`the ${backend.name} store`, () => {
    const opened: Store[] = [];
    const openAt = async (spec: string) => {
      const s = await (backend.open ?? open)(spec);
      opened.push(s);
      return s;
    };
    afterAll(async () => {
      for (const s of opened) await s.close();
      backend.cleanup();
    });

    it('keeps accounts: create once, the previous login, budgets, passwords, a sorted list, across reopening', async () => {
      const spec = await backend.fresh();
      const s = await openAt(spec);
      expect(s.kind).toBe(backend.kind);
      expect(await s.accounts.create({ name: 'BEN', password: 'h1', operator: true })).toBe(true);
      expect(await s.accounts.create({ name: 'ANN', password: 'h0', budget: 5_000_000 })).toBe(true);
      expect(await s.accounts.create({ name: 'ANN', password: 'other' })).toBe(false);
      expect(await s.accounts.get('NOBODY')).toBeNull();
      expect(await s.accounts.recordLogin('ANN', 1000)).toBeNull();
      expect(await s.accounts.recordLogin('ANN', 2000)).toBe(1000);
      expect(await s.accounts.recordLogin('NOBODY', 2000)).toBeNull();
      expect(await s.accounts.setBudget('ANN', 7_500_000)).toBe(true);
      expect(await s.accounts.setBudget('NOBODY', 1)).toBe(false);
      expect(await s.accounts.setPassword('BEN', 'h2')).toBe(true);
      await s.close();
      const t = await openAt(spec);
      expect(await t.accounts.get('ANN')).toMatchObject({ name: 'ANN', password: 'h0', operator: false, budget: 7_500_000, lastLogin: 2000 });
      expect(await t.accounts.get('BEN')).toMatchObject({ operator: true, budget: null, password: 'h2', lastLogin: null });
      expect((await t.accounts.list()).map((a) => a.name)).toEqual(['ANN', 'BEN']);
      expect(typeof (await t.accounts.get('ANN'))!.createdAt).toBe('number');
    });

    it('numbers jobs uniquely for the life of the system, across reopening and from two handles at once', async () => {
      const spec = await backend.fresh();
      const a = await openAt(spec);
      const b = await openAt(spec);
      const got = await Promise.all([...Array(20)].map((_, i) => (i % 2 ? a : b).nextJobNumber()));
      expect(new Set(got).size).toBe(20);
      expect(Math.min(...got)).toBe(1);
      await a.close();
      await b.close();
      const c = await openAt(spec);
      expect(await c.nextJobNumber()).toBe(21);
      expect(await c.nextJobNumber(64)).toBe(22); // a block of 64: 22..85
      expect(await c.nextJobNumber()).toBe(86);
    });

    it('keeps job snapshots per host, writes a batch in one transaction, and kept workspaces', async () => {
      const s = await openAt(await backend.fresh());
      await s.accounts.create({ name: 'ANN', password: 'h' });
      const img = new Uint8Array([1, 2, 3, 250, 0, 7]);
      const row = (job: number, host = 'H1') => ({ job, host, owner: 'ANN', name: 'P', takenAt: 10 + job, cycles: 100 * job, meta: `{"j":${job}}`, image: job % 2 ? img : null });
      await s.hotel.put([row(1), row(2), row(3, 'H2')]);
      const h1 = await s.hotel.list('H1');
      expect(h1.map((r) => r.job)).toEqual([1, 2]);
      expect(h1[0]).toMatchObject({ job: 1, host: 'H1', owner: 'ANN', name: 'P', takenAt: 11, cycles: 100, meta: '{"j":1}' });
      expect([...h1[0].image!]).toEqual([...img]);
      expect(h1[1].image).toBeNull();
      expect(await s.hotel.setMeta(2, '{"x":1}')).toBe(true);
      expect(await s.hotel.setMeta(99, '{}')).toBe(false);
      expect((await s.hotel.get(2))!.meta).toBe('{"x":1}');
      // one batch: a replaced row and a removed one; a failing batch changes nothing
      await s.hotel.put([{ ...row(1), cycles: 999, image: new Uint8Array(70_000).fill(9) }], [2]);
      expect((await s.hotel.list('H1')).map((r) => [r.job, r.cycles, r.image?.length])).toEqual([[1, 999, 70_000]]);
      await expect(s.hotel.put([row(4), { ...row(5), owner: null as unknown as string }])).rejects.toThrow();
      expect((await s.hotel.list('H1')).map((r) => r.job)).toEqual([1]);
      await s.hotel.remove(1);
      expect(await s.hotel.list('H1')).toEqual([]);
      expect((await s.hotel.list('H2')).map((r) => r.job)).toEqual([3]);

      expect(await s.hotel.takeWorkspace('ANN')).toBeNull();
      await s.hotel.keepWorkspace({ owner: 'ANN', name: 'P', lang: 'basic', text: '10 PRINT 1\n', keptAt: 5 });
      await s.hotel.keepWorkspace({ owner: 'ANN', name: null, lang: 'basic', text: '20 END\n', keptAt: 6 });
      expect(await s.hotel.takeWorkspace('ANN')).toEqual({ owner: 'ANN', name: null, lang: 'basic', text: '20 END\n', keptAt: 6 });
      expect(await s.hotel.takeWorkspace('ANN')).toBeNull();
    });

    it('lets exactly one host claim a put-away job; its old host can neither take it back nor overwrite it', async () => {
      const spec = await backend.fresh();
      const s = await openAt(spec);
      const t = await openAt(spec); // a second host's handle on the same store
      await s.accounts.create({ name: 'ANN', password: 'h' });
      const img = new Uint8Array([9, 8, 7]);
      const row = (job: number, host = 'H1') => ({ job, host, owner: 'ANN', name: 'P', takenAt: 10 + job, cycles: 100 * job, meta: `{"j":${job}}`, image: img });
      await s.hotel.put([row(1), row(2), row(3, 'H2')]);
      expect(await t.hotel.claim(1, 'H2', 'ANN')).toBeNull(); // running on H1: not put away
      await s.hotel.put([{ ...row(2), cycles: 250 }], [], { park: 'H1' }); // H1 stops in good order
      expect(await t.hotel.claim(1, 'H2', 'BOB')).toBeNull(); // not BOB's
      const claims = await Promise.all([t.hotel.claim(1, 'H2', 'ANN'), s.hotel.claim(1, 'H3', 'ANN'), t.hotel.claim(1, 'H2', 'ANN')]);
      const won = claims.filter((c) => c !== null);
      expect(won.length).toBe(1);
      expect(won[0]).toMatchObject({ job: 1, owner: 'ANN', cycles: 100, parked: false });
      expect([...won[0]!.image!]).toEqual([...img]);
      const winner = won[0]!.host;
      // a late write of its old host changes nothing; the old host's start takes back only the rest
      await s.hotel.put([{ ...row(1), cycles: 777 }]);
      expect((await s.hotel.get(1))).toMatchObject({ host: winner, cycles: 100 });
      const back = await s.hotel.takeBack('H1');
      expect(back.map((r) => [r.job, r.cycles, r.parked])).toEqual([[2, 250, false]]);
      expect(await t.hotel.claim(2, 'H2', 'ANN')).toBeNull(); // H1 has it again
      // the owner's jobs on every host, without images
      const mine = await t.hotel.ofOwner('ANN');
      expect(mine.map((r) => [r.job, r.host, r.image])).toEqual([[1, winner, null], [2, 'H1', null], [3, 'H2', null]]);
      expect(await t.hotel.ofOwner('BOB')).toEqual([]);
    });

    it('writes a host\'s spooled rows back fenced: never over a row another host has taken', async () => {
      const s = await openAt(await backend.fresh());
      await s.accounts.create({ name: 'ANN', password: 'h' });
      const row = (job: number, host = 'H1', cycles = 100 * job) => ({ job, host, owner: 'ANN', name: 'P', takenAt: 10 + job, cycles, meta: `{"j":${job}}`, image: new Uint8Array([job]) });
      await s.hotel.put([row(1), row(2), row(3), row(4), row(5)]);
      await s.hotel.remove(3); // (as if its first write had failed)
      await s.hotel.put([{ ...row(2), host: 'H2' }]); // (H2's own write cannot move H1's row)
      expect((await s.hotel.get(2))!.host).toBe('H1');
      await s.hotel.put([row(2)], [], { park: 'H1' });
      expect(await s.hotel.claim(2, 'H2', 'ANN')).not.toBeNull(); // taken by another host
      // fenced removals and meta: another host's row is left alone
      await s.hotel.remove(2, 'H1');
      expect(await s.hotel.setMeta(2, '{"late":1}', 'H1')).toBe(false);
      expect((await s.hotel.get(2))).toMatchObject({ host: 'H2', meta: '{"j":2}' });
      const written = await s.hotel.putBack([row(1, 'H1', 111), row(2, 'H1', 222), row(3, 'H1', 333), row(4, 'H1', 444)], [5], 'H1');
      expect(written.sort()).toEqual([1, 3, 4]);
      expect((await s.hotel.get(1))).toMatchObject({ host: 'H1', cycles: 111 });
      expect((await s.hotel.get(2))).toMatchObject({ host: 'H2', cycles: 200 }); // taken over: untouched
      expect((await s.hotel.get(3))!.cycles).toBe(333); // (its row had never reached the store)
      expect((await s.hotel.get(4))!.cycles).toBe(444);
      expect(await s.hotel.get(5)).toBeNull();
      await s.hotel.putBack([], [2], 'H1');
      expect(await s.hotel.get(2)).not.toBeNull();
    });

    it('keeps programs per owner: SAVE refuses a duplicate, REPLACE overwrites, rename and delete say what happened', async () => {
      const s = await openAt(await backend.fresh());
      await s.accounts.create({ name: 'ANN', password: 'h' });
      await s.accounts.create({ name: 'BEN', password: 'h' });
      expect(await s.programs.save('ANN', { name: 'P', lang: 'basic', text: '10 END\n' }, false)).toBe('saved');
      expect(await s.programs.save('ANN', { name: 'P', lang: 'basic', text: '20 END\n' }, false)).toBe('duplicate');
      expect(await s.programs.save('ANN', { name: 'P', lang: 'basic', text: '30 PRINT "Ä"\n' }, true)).toBe('replaced');
      expect(await s.programs.save('ANN', { name: 'NEW', lang: 'asm', text: 'HALT\n' }, true)).toBe('saved');
      expect(await s.programs.save('ANN', { name: 'B', lang: 'text', text: '' }, false)).toBe('saved');
      expect(await s.programs.get('BEN', 'P')).toBeNull(); // scoped to the owner
      expect(await s.programs.get('ANN', 'P')).toMatchObject({ owner: 'ANN', name: 'P', lang: 'basic', text: '30 PRINT "Ä"\n', size: 13 });
      expect((await s.programs.list('ANN')).map((p) => [p.name, p.lang, p.size])).toEqual([['B', 'text', 0], ['NEW', 'asm', 5], ['P', 'basic', 13]]);
      expect(await s.programs.rename('ANN', 'P', 'NEW', 'basic')).toBe('duplicate');
      expect(await s.programs.rename('ANN', 'GONE', 'X', 'basic')).toBe('missing');
      expect(await s.programs.rename('ANN', 'P', 'Q.S', 'asm')).toBe('renamed');
      expect(await s.programs.get('ANN', 'Q.S')).toMatchObject({ lang: 'asm', text: '30 PRINT "Ä"\n' });
      expect(await s.programs.delete('ANN', 'Q.S')).toBe(true);
      expect(await s.programs.delete('ANN', 'Q.S')).toBe(false);
      expect(await s.programs.list('BEN')).toEqual([]);
      await expect(s.programs.save('NOBODY', { name: 'P', lang: 'basic', text: '' }, false)).rejects.toThrow();
    });

    it('keeps a BASIC program\'s dialect with it (none given: null, the default)', async () => {
      const s = await openAt(await backend.fresh());
      await s.accounts.create({ name: 'ANN', password: 'h' });
      expect(await s.programs.save('ANN', { name: 'STD', lang: 'basic', text: '10 END\n', dialect: 'ecma55' }, false)).toBe('saved');
      expect(await s.programs.save('ANN', { name: 'OLD', lang: 'basic', text: '10 END\n' }, false)).toBe('saved');
      expect((await s.programs.get('ANN', 'STD'))?.dialect).toBe('ecma55');
      expect((await s.programs.get('ANN', 'OLD'))?.dialect).toBeNull();
      expect(await s.programs.save('ANN', { name: 'STD', lang: 'basic', text: '20 END\n', dialect: 'extended' }, true)).toBe('replaced');
      expect((await s.programs.get('ANN', 'STD'))?.dialect).toBe('extended');
      expect(await s.programs.rename('ANN', 'STD', 'KEPT', 'basic')).toBe('renamed');
      expect((await s.programs.get('ANN', 'KEPT'))?.dialect).toBe('extended');
    });

    it('appends to the ledger once per key (also within one batch) and refuses to change what is written', async () => {
      const spec = await backend.fresh();
      const s = await openAt(spec);
      const m = new Meter(book());
      const es = charges(m, 'ANN', 1, CLOCK, PRIME, 'ALPHA');
      expect(es.length).toBe(2);
      expect(await s.ledger.append([])).toBe(0);
      expect(await s.ledger.append([...es, es[0]!])).toBe(2);
      expect(await s.ledger.append(es)).toBe(0);
      expect(await s.ledger.entriesOf({ job: 'B1.1' })).toEqual(es.map((e) => ({ ...e })));
      expect(await s.ledger.lastCumulative({ job: 'B1.1' }, 'cpu')).toBe(CLOCK);
      expect(await s.ledger.lastCumulative({ job: 'B1.9' }, 'cpu')).toBe(0);
      expect(await tamper(backend.kind, spec, 'UPDATE ledger SET amount = 0')).toMatch(/append-only/);
      expect(await tamper(backend.kind, spec, 'DELETE FROM ledger')).toMatch(/append-only/);
      expect(await s.ledger.total('ANN', '2026-10-01', '2026-10-31')).toBe(es[0]!.amount + es[1]!.amount);
    });

    it('replays a spool without charging twice: a key it holds, or a range of readings it has charged under another key, is skipped', async () => {
      const s = await openAt(await backend.fresh());
      const m = new Meter(book());
      const first = charges(m, 'ANN', 1, CLOCK, PRIME, 'ALPHA');
      const second = charges(m, 'ANN', 1, 2 * CLOCK, PRIME + 1000, 'ALPHA');
      const third = charges(m, 'ANN', 1, 3 * CLOCK, PRIME + 2000, 'ALPHA');
      // what the spool kept: the three readings. The ledger meanwhile holds the first, and the
      // second and third folded into one entry under the third's key, then changed again (a later
      // fold would change the key too): the range (CLOCK, 3 CLOCK] is charged, under a key the
      // spool never saw.
      await s.ledger.append(first);
      const folded = second.map((e, i) => ({ ...e, key: `${third[i]!.key}+`, quantity: e.quantity + third[i]!.quantity, amount: e.amount + third[i]!.amount, cum: third[i]!.cum }));
      await s.ledger.append(folded);
      const before = await s.ledger.total('ANN', '2026-10-01', '2026-10-31');
      expect(await s.ledger.replay([...first, ...second, ...third])).toBe(0);
      expect(await s.ledger.total('ANN', '2026-10-01', '2026-10-31')).toBe(before);
      // what is not in the ledger goes in, once: a job's next reading, a session's connect time, storage
      const fourth = charges(m, 'ANN', 1, 4 * CLOCK, PRIME + 3000, 'ALPHA');
      const connect = { ...m.connect({ user: 'ANN', session: 'B1.S1', job: null, jobNo: null, jobName: null }, 60_000, PRIME + 3000)!, host: 'ALPHA' };
      const storage = { ...m.storage('ANN', 5000, PRIME + 3000)!, host: 'ALPHA' };
      expect(await s.ledger.replay([...fourth, connect, storage])).toBe(4);
      expect(await s.ledger.replay([...fourth, connect, storage])).toBe(0);
      const es = await s.ledger.entriesOf({ job: 'B1.1' });
      for (const kind of ['cpu', 'core']) {
        const k = es.filter((e) => e.kind === kind);
        expect(k.reduce((t, e) => t + e.quantity, 0)).toBe(Math.max(...k.map((e) => e.cum!)));
      }
    });

    it('sums and groups a month by day, job, user and host', async () => {
      const s = await openAt(await backend.fresh());
      const m = new Meter(book());
      await s.ledger.append([
        ...charges(m, 'ANN', 1, CLOCK, PRIME, 'ALPHA'),
        ...charges(m, 'ANN', 1, 3 * CLOCK, PRIME + DAY, 'ALPHA'),
        ...charges(m, 'ANN', 2, 2 * CLOCK, PRIME + DAY, 'BETA'),
        ...charges(m, 'BEN', 3, CLOCK, PRIME, 'BETA'),
        ...charges(m, 'ANN', 4, CLOCK, Date.UTC(2026, 10, 1, 12), 'ALPHA'), // November
      ]);
      const days = await s.ledger.byDay('ANN', '2026-10-01', '2026-10-31');
      expect(days.filter((g) => g.kind === 'cpu').map((g) => [g.day, g.host, g.quantity])).toEqual([
        ['2026-10-14', 'ALPHA', CLOCK], ['2026-10-15', 'ALPHA', 2 * CLOCK], ['2026-10-15', 'BETA', 2 * CLOCK],
      ]);
      const jobs = await s.ledger.byJob('ANN', '2026-10-01', '2026-10-31');
      expect(jobs.filter((g) => g.kind === 'cpu').map((g) => [g.jobNo, g.jobName, g.host, g.quantity, g.day])).toEqual([
        [1, 'PROG1', 'ALPHA', 3 * CLOCK, '2026-10-14'], [2, 'PROG2', 'BETA', 2 * CLOCK, '2026-10-15'],
      ]);
      // both groupings at once (one snapshot: what a bill is built from) are the same as each alone
      expect(await s.ledger.groups('ANN', '2026-10-01', '2026-10-31')).toEqual({ days, jobs });
      const users = await s.ledger.byUser('2026-10-01', '2026-10-31');
      expect(users.filter((g) => g.kind === 'cpu').map((g) => [g.user, g.host, g.quantity])).toEqual([
        ['ANN', 'ALPHA', 3 * CLOCK], ['ANN', 'BETA', 2 * CLOCK], ['BEN', 'BETA', CLOCK],
      ]);
      for (const g of users) expect(Number.isSafeInteger(g.amount) && Number.isSafeInteger(g.entries)).toBe(true);
      expect(await s.ledger.total('ANN', '2026-11-01', '2026-11-30')).toBe(33_333 + 4_096);
      const totals = await s.ledger.totals(['ANN', 'BEN', 'NOBODY'], '2026-11-01', '2026-11-30');
      expect([...totals]).toEqual([['ANN', 33_333 + 4_096], ['BEN', 0], ['NOBODY', 0]]);
      // and while another host commits, the jobs read with the days never add up to more than they
      const appending = s.ledger.append(charges(m, 'ANN', 5, CLOCK, PRIME + DAY, 'BETA'));
      const g = await s.ledger.groups('ANN', '2026-10-01', '2026-10-31');
      await appending;
      const sum = (xs: { amount: number }[]) => xs.reduce((t, x) => t + x.amount, 0);
      expect(sum(g.jobs)).toBeLessThanOrEqual(sum(g.days));
    });

    it('keeps each host\'s heartbeat, replaces it, forgets it', async () => {
      const s = await openAt(await backend.fresh());
      await s.cluster.beat(status('BETA'));
      await s.cluster.beat(status('ALPHA'));
      await s.cluster.beat(status('ALPHA', { beatAt: 99, jobs: [{ job: 7, owner: 'ANN', name: 'P', line: null, state: 'RUNNING', cpuSeconds: 1.5, coreWords: 4096 }] }));
      const hosts = await s.cluster.hosts();
      expect(hosts.map((h) => [h.host, h.beatAt])).toEqual([['ALPHA', 99], ['BETA', 2]]);
      expect(hosts[0]).toEqual(status('ALPHA', { beatAt: 99, jobs: [{ job: 7, owner: 'ANN', name: 'P', line: null, state: 'RUNNING', cpuSeconds: 1.5, coreWords: 4096 }] }));
      await s.cluster.forget('BETA');
      expect((await s.cluster.hosts()).map((h) => h.host)).toEqual(['ALPHA']);
    });

    it('delivers a notice to every listener on the store, the sender too', async () => {
      const spec = await backend.fresh();
      const a = await openAt(spec);
      // PostgreSQL: another host on the same database hears it as well (LISTEN/NOTIFY)
      const b = backend.kind === 'postgres' ? await openAt(spec) : a;
      const heardA: Notice[] = [];
      const heardB: Notice[] = [];
      a.cluster.listen((n) => heardA.push(n));
      b.cluster.listen((n) => heardB.push(n));
      for (const s of [a, b]) if (s instanceof PgStore) await expect.poll(() => s.listeningNow).toBe(true);
      const n: Notice = { kind: 'broadcast', from: 'ALPHA', by: 'OPER', text: 'SYSTEM GOING DOWN AT 5' };
      await a.cluster.notify(n);
      await expect.poll(() => heardB.length).toBe(1);
      await expect.poll(() => heardA.length).toBe(1);
      expect(heardA[0]).toEqual(n);
      expect(heardB[0]).toEqual(n);
    });
  });
}
