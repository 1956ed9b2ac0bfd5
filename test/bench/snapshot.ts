// `npm run bench -- snapshot [--rounds N] [--jobs N]`: what the hotel costs.
//  1. time and bytes to snapshot one job of 4K, 64K and 1M words (the mainframe's encode, then the
//     store's write) and to restore it (the store's read, then decode and load);
//  2. shutdown-to-listening with 1,000 jobs: SIGTERM (every job put away in one transaction) until
//     the process exits, then a new start until it listens with every job restored;
//  3. the mainframe throughput lost to periodic snapshots at the default interval (30 CPU seconds),
//     paired runs of one CPU-bound job with snapshots on and (practically) off.
// Human-readable lines, then one JSON object as the last line of stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Monitor } from '../../server/monitor/monitor.ts';
import { loadCompilers } from '../../server/monitor/compilers.ts';
import type { FromMainframe } from '../../server/monitor/protocol.ts';
import { DEFAULT_CONFIG } from '../../server/monitor/config.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { hashPassword } from '../../server/frontend/password.ts';
import { spawnServer } from '../e2e/spawn.ts';
import { login } from '../frontend/client.ts';
import { median, option } from './_util.ts';

const LOOP = (space: number) => `start:  LI r1, 0
loop:   ADD r1, r1, 1
        ST r1, buf
        JMP loop
buf:    .word 0
        .space ${space}
`;

type Snap = Extract<FromMainframe, { t: 'snapshot' }>;

async function sizes(rounds: number) {
  const compilers = await loadCompilers();
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-bench-snap-'));
  const store = SqliteStore.open(dir);
  const out: Record<string, { words: number; bytes: number; snapshotMs: number; writeMs: number; readMs: number; restoreMs: number }> = {};
  try {
    for (const [label, words] of [['4K', 4096], ['64K', 65536], ['1M', 1048576]] as const) {
      const snap: number[] = [], write: number[] = [], read: number[] = [], restore: number[] = [];
      let bytes = 0;
      for (let r = 0; r < rounds; r++) {
        const events: FromMainframe[] = [];
        const m = new Monitor({ config: { largestPartition: 1 << 20 }, compilers, emit: (e) => events.push(e) });
        m.handle({ t: 'run', job: 1, owner: 'B', line: null, name: 'L.S', lang: 'asm', source: LOOP(words - 1040) });
        m.step(200_000);
        let t = performance.now();
        m.handle({ t: 'checkpoint', req: 1 });
        snap.push(performance.now() - t);
        const s = events.find((e): e is Snap => e.t === 'snapshot')!;
        bytes = s.data.byteLength;
        const row = { job: 1, host: 'bench', owner: 'B', name: 'L.S', takenAt: s.at, cycles: s.cycles, meta: '{}', image: s.data };
        t = performance.now();
        await store.hotel.put([row]);
        write.push(performance.now() - t);
        t = performance.now();
        const back = (await store.hotel.list('bench'))[0]!;
        read.push(performance.now() - t);
        const m2 = new Monitor({ config: { largestPartition: 1 << 20 }, compilers, emit: () => {} });
        t = performance.now();
        m2.handle({ t: 'restore', job: 1, data: back.image! });
        restore.push(performance.now() - t);
        if (!m2.job(1)) throw new Error('restore failed');
      }
      out[label] = { words, bytes, snapshotMs: median(snap), writeMs: median(write), readMs: median(read), restoreMs: median(restore) };
      const o = out[label];
      console.log(`${label.padStart(3)} words: ${(o.bytes / 1024).toFixed(0).padStart(5)} KiB; snapshot ${o.snapshotMs.toFixed(2)} ms + store write ${o.writeMs.toFixed(2)} ms; store read ${o.readMs.toFixed(2)} ms + restore ${o.restoreMs.toFixed(2)} ms (medians of ${rounds})`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function restart(jobs: number) {
  const users = Math.ceil(jobs / 20);
  const dir = mkdtempSync(join(tmpdir(), 'timeshare-bench-restart-'));
  const store = SqliteStore.open(dir);
  const pw = await hashPassword('secret', 16);
  // half of them sleep, half compute (a slow loop that sleeps a little each round)
  const SLEEPER = 'start: LI r1, 3600000\nSVC SLEEP\nJMP start\n';
  const WORKER = 'start: LI r6, 0\nl: ADD r6, r6, 1\nLI r2, 100000\nBLT r6, r2, l\nLI r1, 50\nSVC SLEEP\nJMP start\n';
  for (let u = 0; u < users; u++) {
    await store.accounts.create({ name: `B${u}`, password: pw });
    await store.programs.save(`B${u}`, { name: 'S.S', lang: 'asm', text: SLEEPER }, true);
    await store.programs.save(`B${u}`, { name: 'W.S', lang: 'asm', text: WORKER }, true);
  }
  await store.close();
  const args = ['--max-jobs', '1000', '--log-level', 'warn'];
  const s1 = await spawnServer(args, dir, { built: true });
  let started = 0;
  await Promise.all(Array.from({ length: users }, async (_, u) => {
    const t = await login(s1.url, `B${u}`, 'secret', false);
    for (let k = 0; k < 20 && started < jobs; k++) {
      started++;
      const r = await t.command(`SUBMIT ${k % 2 ? 'W.S' : 'S.S'}`);
      if (!/SUBMITTED/.test(r)) throw new Error(r);
    }
    t.close();
  }));
  const t0 = performance.now();
  const code = await s1.stop();
  const down = performance.now() - t0;
  if (code !== 0) throw new Error(`server exited ${code}`);
  const t1 = performance.now();
  const s2 = await spawnServer(args, dir, { built: true });
  const up = performance.now() - t1;
  const checker = await login(s2.url, 'B0', 'secret', false);
  const jobsBack = Number(/(\d+) JOBS?:/.exec(await checker.command('SYSTAT'))?.[1] ?? 0);
  checker.close();
  await s2.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`${started} jobs: SIGTERM to exit ${down.toFixed(0)} ms (every job put away); start to listening ${up.toFixed(0)} ms (process start included) with ${jobsBack} jobs restored`);
  return { jobs: started, shutdownMs: Math.round(down), startToListeningMs: Math.round(up), shutdownToListeningMs: Math.round(down + up), restored: jobsBack };
}

async function overhead(rounds: number, perSnapshotMs: Record<string, number>) {
  const compilers = await loadCompilers();
  const CYCLES = 3_000_000_000; // 300 CPU seconds: 10 snapshots at the default interval
  const run = (snapshotSeconds: number, words: number): { ms: number; snaps: number } => {
    let snaps = 0;
    const m = new Monitor({
      config: { snapshotSeconds, cpuLimit: CYCLES * 2, largestPartition: 1 << 20, paced: false } as never,
      compilers, emit: (e) => { if (e.t === 'snapshot') snaps++; },
    });
    m.handle({ t: 'run', job: 1, owner: 'B', line: null, name: 'L.S', lang: 'asm', source: LOOP(words - 1040) });
    const t = performance.now();
    let done = 0;
    while (done < CYCLES) done += m.step(1_000_000);
    return { ms: performance.now() - t, snaps };
  };
  const result: Record<string, { ratio: number; snapshots: number; lostPercent: number; pacedPercent: number; unthrottledPercent: number }> = {};
  for (const [label, words] of [['4K', 4096], ['1M', 1048576]] as const) {
    const ratios: number[] = [];
    let snaps = 0;
    run(DEFAULT_CONFIG.snapshotSeconds, words); // warm up (JIT)
    const offMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // alternate which goes first, so a warming or a neighbour's burst does not favour one side
      const first = r % 2 ? run(DEFAULT_CONFIG.snapshotSeconds, words) : run(1_000_000, words);
      const second = r % 2 ? run(1_000_000, words) : run(DEFAULT_CONFIG.snapshotSeconds, words);
      const on = r % 2 ? first : second, off = r % 2 ? second : first;
      snaps = on.snaps;
      offMs.push(off.ms);
      ratios.push(on.ms / off.ms);
    }
    const ratio = median(ratios);
    // paced (the default), 30 CPU seconds take 30 wall seconds: the snapshot's share of that
    const pacedPercent = (perSnapshotMs[label] / (DEFAULT_CONFIG.snapshotSeconds * 1000)) * 100;
    // unthrottled, they take what the host needs for the cycles
    const hostMsPerInterval = median(offMs) / (CYCLES / (DEFAULT_CONFIG.snapshotSeconds * DEFAULT_CONFIG.ratedClock));
    const unthrottledPercent = (perSnapshotMs[label] / hostMsPerInterval) * 100;
    result[label] = { ratio, snapshots: snaps, lostPercent: (ratio - 1) * 100, pacedPercent, unthrottledPercent };
    console.log(`${label.padStart(3)} words, ${CYCLES / 1e9}e9 cycles, ${snaps} snapshots at ${DEFAULT_CONFIG.snapshotSeconds} CPU s: host time with/without ${ratio.toFixed(4)} (median of ${rounds} alternating pairs: in the noise)`);
    console.log(`    from the measured cost of one snapshot (${perSnapshotMs[label].toFixed(2)} ms): paced (default) ${pacedPercent.toFixed(3)}% of the machine; unthrottled (30 CPU s = ${hostMsPerInterval.toFixed(0)} host ms) ${unthrottledPercent.toFixed(2)}%`);
  }
  return result;
}

export async function main(args: string[]): Promise<void> {
  const rounds = option(args, '--rounds', 5);
  const jobs = option(args, '--jobs', 1000);
  console.log('snapshot bench (a shared 2-core host: other engineers\' work runs beside it; quote medians)');
  const perJob = await sizes(rounds);
  const lost = await overhead(rounds, { '4K': perJob['4K']!.snapshotMs, '1M': perJob['1M']!.snapshotMs });
  const rs = await restart(jobs);
  console.log(JSON.stringify({ bench: 'snapshot', perJob, restart: rs, periodic: lost }));
}
