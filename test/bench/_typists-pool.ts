// Typists spread over several client processes (_typists-proc.ts), and the floor they are measured
// against: a bare `ws` echo server in a child process of its own (_bare-echo.ts), driven by the
// same client processes at the same rate, so the only difference between the two figures is the
// server.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { percentile } from '../e2e/many.ts';
import { sleep } from './_util.ts';

const HERE = import.meta.dirname;
const TSX = ['--import', 'tsx'];

export interface EchoFigures {
  samples: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  /** keystrokes unanswered after a second */
  stuck: number;
}

type FromChild = { t: 'ready' } | { t: 'samples'; samples: number[]; stuck: number };

function once(child: ChildProcess, t: FromChild['t']): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: FromChild) => {
      if (m.t !== t) return;
      child.off('message', onMsg);
      resolve(m);
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`a typists process exited (${code}) before '${t}'`)));
  });
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export class TypistsPool {
  private constructor(private readonly procs: ChildProcess[]) {}

  /** `terminals` split evenly over `processes` client processes; resolves when all are connected. */
  static async start(url: string, terminals: number, processes: number, mode: 'login' | 'town' | 'raw', prefix = 'typist', periodMs = 100): Promise<TypistsPool> {
    const procs: ChildProcess[] = [];
    let first = 0;
    for (let p = 0; p < processes; p++) {
      const share = Math.floor(terminals / processes) + (p < terminals % processes ? 1 : 0);
      procs.push(fork(join(HERE, '_typists-proc.ts'), [url, String(share), `${prefix}${p}x`, mode, String(periodMs), String(first)], { execArgv: TSX, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      first += share;
    }
    await Promise.all(procs.map((c) => once(c, 'ready')));
    return new TypistsPool(procs);
  }

  /** Types for `warmupMs`, then measures for `seconds`; the echo percentiles over every process. */
  async measure(warmupMs: number, seconds: number, window: { start?(): void; end?(): void } = {}): Promise<EchoFigures> {
    for (const c of this.procs) c.send({ t: 'go' });
    await sleep(warmupMs);
    for (const c of this.procs) c.send({ t: 'measure', on: true });
    window.start?.();
    await sleep(seconds * 1000);
    window.end?.();
    for (const c of this.procs) c.send({ t: 'measure', on: false });
    const replies = await Promise.all(this.procs.map((c) => {
      const r = once(c, 'samples');
      c.send({ t: 'take' });
      return r;
    }));
    const all: number[] = [];
    let stuck = 0;
    for (const r of replies) if (r.t === 'samples') {
      for (const x of r.samples) all.push(x);
      stuck += r.stuck;
    }
    const s = Float64Array.from(all).sort();
    return { samples: s.length, p50_ms: r3(percentile(s, 50)), p99_ms: r3(percentile(s, 99)), p999_ms: r3(percentile(s, 99.9)), max_ms: r3(s[s.length - 1] ?? NaN), stuck };
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.send({ t: 'stop' });
    })));
  }
}

/** A bare ws echo server in its own process: the floor. */
export async function startBareEcho(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(join(HERE, '_bare-echo.ts'), [], { execArgv: TSX, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the bare echo server exited (${code})`)));
  });
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * One floor run: the bare server, the same client processes and rate. `hog`: beside a process that
 * spins under the idle policy (`chrt -i 0`), as a flat-out mainframe thread does: what such a
 * thread costs a bare server's echoes on this host.
 */
export async function measureFloor(terminals: number, processes: number, warmupMs: number, seconds: number, hog = false): Promise<EchoFigures> {
  const spinner = hog ? await startSpinner() : null;
  try {
    const bare = await startBareEcho();
    try {
      const pool = await TypistsPool.start(bare.url, terminals, processes, 'raw');
      try {
        return await pool.measure(warmupMs, seconds);
      } finally {
        await pool.stop();
      }
    } finally {
      await bare.stop();
    }
  } finally {
    spinner?.kill('SIGKILL');
  }
}

/** A process spinning at the idle policy; fails (never skips) where chrt cannot set it. */
async function startSpinner(): Promise<ChildProcess> {
  const child = spawn('chrt', ['-i', '0', process.execPath, '-e', 'process.stdout.write("spinning\\n"); for (;;);'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`--hog-floor needs chrt (util-linux): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`--hog-floor: chrt -i 0 exited with ${code}`)));
    child.stdout!.once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  return child;
}

export function show(label: string, f: EchoFigures): string {
  return `${label.padEnd(34)} p50 ${f.p50_ms.toFixed(2).padStart(6)}  p99 ${f.p99_ms.toFixed(2).padStart(6)}  p99.9 ${f.p999_ms.toFixed(2).padStart(6)}  max ${f.max_ms.toFixed(1).padStart(6)} ms  (${f.samples} echoes, ${f.stuck} stuck)`;
}
