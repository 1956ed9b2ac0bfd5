// The ledger against the real monitor (driven synchronously on a fake clock): every cycle the CPU
// charged to a job reaches the ledger exactly once, and a job's charge does not depend on its
// neighbours or on how its checkpoints fell.
import { describe, expect, it } from 'vitest';
import { Monitor } from '../../server/monitor/monitor.ts';
import type { FromMainframe } from '../../server/monitor/protocol.ts';
import { assemble } from '../../server/machine/assembler.ts';
import { Accountant } from '../../server/accounting/accountant.ts';
import { SqliteLedger } from '../../server/store/ledger.ts';
import { book } from './helpers.ts';

/** Counts r1 down from n: about 2n cycles, then HALT. */
const countdown = (n: number) => `start: LI r1, ${n}\nloop: SUB r1, r1, 1\n BNE r1, r0, loop\n HALT\n`;
const FOREVER = 'start: JMP start\n';

interface Run {
  ledger: SqliteLedger;
  acct: Accountant;
  monitor: Monitor;
  ends: Map<number, Extract<FromMainframe, { t: 'end' }>>;
  lastMeters: Extract<FromMainframe, { t: 'meters' }> | null;
}

/** Runs jobs to the end, a checkpoint every simulated second, 100 simulated ms per step. */
async function simulate(jobs: { job: number; owner: string; source: string; cpuLimit?: number }[], killAfterMs?: { job: number; at: number }): Promise<Run> {
  let clock = Date.UTC(2026, 9, 14, 9);
  const ledger = SqliteLedger.memory();
  const acct = new Accountant({ ledger, rates: book(), bootId: 'T', budgetOf: async () => null, now: () => clock });
  const ends = new Map<number, Extract<FromMainframe, { t: 'end' }>>();
  const run: Run = { ledger, acct, monitor: null!, ends, lastMeters: null };
  const monitor = new Monitor({
    compilers: { asm: assemble },
    now: () => clock,
    emit: (m) => {
      if (m.t === 'end') {
        ends.set(m.job, m);
        acct.jobEnded(m.job, m.meters, clock);
      }
    },
  });
  run.monitor = monitor;
  for (const j of jobs) {
    acct.jobStarted(j.job, j.owner, null, `P${j.job}`);
    monitor.handle({ t: 'run', job: j.job, owner: j.owner, line: null, name: `P${j.job}`, lang: 'asm', source: j.source, cpuLimit: j.cpuLimit });
  }
  let nextCheckpoint = clock + 1000;
  const start = clock;
  for (let i = 0; i < 100_000 && ends.size < jobs.length; i++) {
    monitor.tick();
    if (monitor.hasReady()) monitor.step(monitor.cfg.quantum * 7);
    monitor.flush();
    clock += 100;
    if (killAfterMs && clock - start >= killAfterMs.at) monitor.handle({ t: 'kill', job: killAfterMs.job });
    if (clock >= nextCheckpoint) {
      nextCheckpoint += 1000;
      const m = monitor.checkpoint();
      if (m) {
        run.lastMeters = m;
        acct.checkpoint(m.jobs, m.at);
      }
      await acct.flush();
    }
  }
  clock += 5000; // idle a while
  run.lastMeters = monitor.checkpoint() ?? { t: 'meters', at: clock, jobs: [], idleCycles: monitor.idleCycles, totalCycles: monitor.totalCycles };
  await acct.flush();
  return run;
}

function cpuByJob(ledger: SqliteLedger): Map<string, number> {
  const db = (ledger as unknown as { db: import('better-sqlite3').Database }).db;
  const rows = db.prepare(`SELECT job, SUM(quantity) AS q FROM ledger WHERE kind = 'cpu' GROUP BY job`).all() as { job: string; q: number }[];
  return new Map(rows.map((r) => [r.job, r.q]));
}

describe('conservation', () => {
  it('cycles charged to users plus idle equal the cycles the CPU ran, exactly', async () => {
    const jobs = [
      ...Array.from({ length: 20 }, (_, i) => ({ job: i + 1, owner: `U${i % 4}`, source: countdown(100_000 + i * 77_777) })),
      { job: 21, owner: 'U0', source: FOREVER, cpuLimit: 3_000_000 }, // ends at its CPU limit
      { job: 22, owner: 'U1', source: 'start: BOGUS r1\n' }, // rejected: only the compile is charged
      { job: 23, owner: 'U2', source: FOREVER }, // killed by the operator
    ];
    const r = await simulate(jobs, { job: 23, at: 1500 });
    expect(r.ends.size).toBe(jobs.length);
    expect(r.ends.get(21)!.reason).toBe('cpu limit');
    expect(r.ends.get(22)!.reason).toBe('rejected');
    expect(r.ends.get(23)!.reason).toBe('killed');
    const charged = cpuByJob(r.ledger);
    for (const [job, end] of r.ends) expect(charged.get(`T.J${job}`), `job ${job}`).toBe(end.meters.cycles);
    const total = [...charged.values()].reduce((a, b) => a + b, 0);
    expect(total + r.lastMeters!.idleCycles).toBe(r.lastMeters!.totalCycles);
    expect(r.acct.writer.duplicates).toBe(0);
  });

  it('a job is charged the same alone and beside 50 busy jobs', async () => {
    const alone = await simulate([{ job: 1, owner: 'SOLO', source: countdown(1_234_567) }]);
    const crowd = await simulate([
      ...Array.from({ length: 50 }, (_, i) => ({ job: i + 2, owner: 'BUSY', source: countdown(300_000 + i * 1_001) })),
      { job: 1, owner: 'SOLO', source: countdown(1_234_567) },
    ]);
    const a = await alone.ledger.entriesOf({ job: 'T.J1' });
    const c = await crowd.ledger.entriesOf({ job: 'T.J1' });
    expect(c.length).toBeGreaterThan(a.length); // checkpointed at other moments in the crowd
    const sum = (es: typeof a, kind: string, f: 'quantity' | 'amount') => es.filter((e) => e.kind === kind).reduce((s, e) => s + e[f], 0);
    // CPU is the same; core is residence in wall time, so a job that waits its turn among 50 holds
    // its core longer and pays for that (KCS as TOPS-10 billed it)
    for (const kind of ['cpu']) {
      expect(sum(c, kind, 'quantity'), kind).toBe(sum(a, kind, 'quantity'));
      expect(sum(c, kind, 'amount'), kind).toBe(sum(a, kind, 'amount'));
    }
  });
});
