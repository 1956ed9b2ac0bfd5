// `npm run bench -- ledger [--seconds S] [--rounds N] [--jobs J] [--warmup S]`: the cost of metering
// and ledger writes with 1,000 CPU-bound jobs on the real mainframe thread, checkpointing every second.
//
// One mainframe runs the jobs for the whole bench (checkpoints every second, as in the server).
// After a warm-up long enough for every job to pass the JIT's warm-up, the front end alternates
// windows with metering on (every checkpoint goes into the accountant and the ledger is flushed to
// a real SQLite file every 200 ms, as the server does) and off (checkpoints are ignored), in
// pairs of opposite order (on/off, off/on, ...). Paired windows on one warmed-up machine cancel
// the JIT warm-up and run-to-run drift that made separate mainframes per mode differ by +-30%.
// Mainframe throughput is guest cycles per second between SYSTAT snapshots; the loss is
// 1 - median(on) / median(off). The front end's share is the time spent in metering and ledger
// writes over the window's wall time, measured around each call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mainframe } from '../../server/monitor/mainframe.ts';
import type { FromMainframe, JobInfo } from '../../server/monitor/protocol.ts';
import { DEFAULT_CONFIG } from '../../server/monitor/config.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { SqliteLedger } from '../../server/store/ledger.ts';
import { Accountant } from '../../server/accounting/accountant.ts';
import { loadRates } from '../../server/accounting/rates.ts';
import { median, option, sleep } from './_util.ts';

const LOOP = 'start: ADD r1, r1, 1\n        JMP start\n';
const FLUSH_MS = 200;

interface Result {
  mode: 'on' | 'off';
  cyclesPerSec: number;
  busyMs: number;
  windowMs: number;
  entries: number;
  checkpoints: number;
}


async function run(jobs: number, seconds: number, rounds: number, warmupMs: number, dir: string): Promise<{ on: Result[]; off: Result[] }> {
  const mf = await Mainframe.start({ cpuLimit: 2 ** 52, paced: false });
  const store = SqliteStore.open(dir);
  const ledger = new SqliteLedger(store.db);
  const acct = new Accountant({ ledger, rates: loadRates(undefined, DEFAULT_CONFIG.ratedClock), bootId: `bench${Date.now()}`, budgetOf: async () => null });
  let metering = true;
  let busy = 0;
  let checkpoints = 0;
  let waiting: ((jobs: JobInfo[]) => void) | null = null;
  mf.onMessage((m: FromMainframe) => {
    if (m.t === 'systat' && waiting) waiting(m.jobs);
    else if (m.t === 'meters' && metering) {
      const t0 = performance.now();
      acct.checkpoint(m.jobs, m.at);
      busy += performance.now() - t0;
      checkpoints++;
    } else if (m.t === 'end' && m.reason !== 'killed') console.error(`job ${m.job} ended early: ${m.reason} ${m.message}`);
  });
  const flusher = setInterval(() => {
    if (!metering) return;
    const t0 = performance.now();
    void acct.flush().then(() => {
      busy += performance.now() - t0;
    });
  }, FLUSH_MS);
  const systat = (): Promise<{ at: number; cycles: number }> =>
    new Promise((resolve) => {
      waiting = (js) => resolve({ at: performance.now(), cycles: js.reduce((s, j) => s + j.meters.cycles, 0) });
      mf.post({ t: 'systat', req: 0 });
    });
  for (let j = 1; j <= jobs; j++) {
    acct.jobStarted(j, `U${j % 50}`, null, 'LOOP');
    mf.post({ t: 'run', job: j, owner: `U${j % 50}`, line: null, name: 'LOOP', lang: 'asm', source: LOOP, cpuLimit: 2 ** 52 });
  }
  await sleep(warmupMs);
  const on: Result[] = [];
  const off: Result[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order: ('on' | 'off')[] = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        metering = mode === 'on';
        await sleep(250); // let the previous window's flushes finish
        busy = 0;
        checkpoints = 0;
        const entries0 = acct.writer.written + acct.writer.pending;
        const a = await systat();
        await sleep(seconds * 1000);
        const b = await systat();
        const windowMs = b.at - a.at;
        const res: Result = {
          mode, cyclesPerSec: (b.cycles - a.cycles) / (windowMs / 1000), busyMs: busy, windowMs,
          entries: acct.writer.written + acct.writer.pending - entries0, checkpoints,
        };
        (mode === 'on' ? on : off).push(res);
        console.log(`round ${r + 1} ${mode.padEnd(3)}: ${(res.cyclesPerSec / 1e6).toFixed(1).padStart(6)} M cycles/s` +
          (mode === 'on' ? `, ${res.checkpoints} checkpoints, ${res.entries} entries, front end busy ${res.busyMs.toFixed(1)} ms of ${res.windowMs.toFixed(0)} ms` : ''));
      }
    }
  } finally {
    clearInterval(flusher);
    await mf.close();
    await acct.flush();
    await store.close();
  }
  return { on, off };
}

export async function main(args: string[]): Promise<void> {
  const seconds = option(args, '--seconds', 3);
  const rounds = option(args, '--rounds', 6);
  const jobs = option(args, '--jobs', 1000);
  const warmup = option(args, '--warmup', 6);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ledger-'));
  console.log(`ledger: ${jobs} CPU-bound jobs on the real mainframe thread, checkpoints every ${DEFAULT_CONFIG.checkpointMs} ms,`);
  console.log(`ledger flushed every ${FLUSH_MS} ms to SQLite (WAL) in ${dir}; ${warmup} s warm-up, then ${rounds} rounds of paired ${seconds} s windows, metering on and off`);
  let on: Result[] = [];
  let off: Result[] = [];
  try {
    ({ on, off } = await run(jobs, seconds, rounds, warmup * 1000, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const offRate = median(off.map((r) => r.cyclesPerSec));
  const onRate = median(on.map((r) => r.cyclesPerSec));
  const loss = 1 - onRate / offRate;
  const share = median(on.map((r) => r.busyMs / r.windowMs));
  const load = median(on.map((r) => r.entries / (r.windowMs / 1000)));
  const capacity = median(on.map((r) => r.entries / (r.busyMs / 1000)));
  console.log(`mainframe throughput, median: off ${(offRate / 1e6).toFixed(1)} M cycles/s, on ${(onRate / 1e6).toFixed(1)} M cycles/s: loss ${(loss * 100).toFixed(2)}%`);
  console.log(`front end: metering + ledger writes take ${(share * 100).toFixed(2)}% of its thread (median); ${load.toFixed(0)} entries/s written`);
  console.log(`ledger capacity: ${capacity.toFixed(0)} entries per second of front-end time spent metering and writing`);
  console.log(JSON.stringify({
    bench: 'ledger', jobs, entries_per_s: Math.round(capacity), mainframe_throughput_loss: Number(loss.toFixed(4)),
    frontend_cpu_share: Number(share.toFixed(4)), load_entries_per_s: Math.round(load), rounds, seconds,
  }));
}
