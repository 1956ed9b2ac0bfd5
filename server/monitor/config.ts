// The mainframe's configuration and its documented defaults. Every field can be overridden through
// Mainframe.start(opts) / new Monitor({ config }) / runStandalone; README.md beside this file
// explains the choices.

export interface MonitorConfig {
  /** Cycles per CPU second: turns a job's cycles into the CPU seconds it is billed for. */
  ratedClock: number;
  /** Cycles a job may run before the next ready job gets the CPU (round robin). */
  quantum: number;
  /** Words of core memory shared by all partitions. */
  coreWords: number;
  /** The smallest partition a job gets (a job whose image needs more gets what it needs). */
  defaultPartition: number;
  /** The largest partition: a program needing more is refused with reason 'core'. */
  largestPartition: number;
  /** Per-job CPU limit in cycles (a 'run' message may override it). */
  cpuLimit: number;
  /** Per-job output limit in characters (a 'run' message may override it). */
  outputLimit: number;
  /** Characters of a job's output that may be in flight (typed but not acknowledged by 'drained')
   *  before the job waits in state 'waiting for output'. */
  outputWindow: number;
  /** Wall-clock ms between 'meters' checkpoints while jobs run. */
  checkpointMs: number;
  /** ...and at most this many cycles of the machine's work between them (default: the rated
   *  clock, one CPU second): unthrottled, a second of wall time is many CPU seconds, and budgets
   *  are kept in cycles, not seconds. */
  checkpointCycles: number;
  /** Cycles charged for compiling: base plus per source line. */
  compileBase: number;
  compilePerLine: number;
  /** Wall-clock ms of guest work the worker does before it looks at its messages again. */
  sliceMs: number;
  /** Pace the machine to ratedClock cycles per wall second (the rest counted idle); false runs
   *  flat out (`--unthrottled`). The meters are the same cycles either way. */
  paced: boolean;
  /** Paced: ms of rated time the worker runs ahead per wake-up before it sleeps again. */
  paceMs: number;
  /** Paced: ms of rated time the machine may fall behind the wall clock (a late wake-up) and then
   *  make up; beyond it the host is too slow and the excess is counted as lost, not run later. */
  maxLagMs: number;
  /** A job is snapshotted after every this many CPU seconds (and, when it starts to wait for
   *  input or sleep, if this many wall seconds have passed since its last snapshot). */
  snapshotSeconds: number;
  /** Swap out jobs that wait for input or sleep when a job waits for core (their words go to the
   *  store through the front end: 'snapshot' with swap, 'swapin'). Off unless whoever drives the
   *  monitor keeps the images (the server does). */
  swap: boolean;
  /** A job that got core is not swapped out before it has held it this long (ms): no thrashing. */
  swapResidenceMs: number;
}

export const DEFAULT_CONFIG: Readonly<MonitorConfig> = {
  // 10 MHz: a round number that makes 1 CPU second = 10,000,000 cycles, the speed class of the
  // fastest late-1960s machines (a CDC 6600 ran about 3-10 million instructions a second). The host
  // runs guest code 10-150x faster than that (interpreter or JIT tier), so rated CPU seconds pass
  // quickly in wall time; bills depend only on cycles, never on the host.
  ratedClock: 10_000_000,
  // 20,000 cycles = 2 ms of rated CPU, chosen with `npm run bench -- sched --sweep` (README.md):
  // switching costs stay in the noise (100 jobs get the same guest instructions per CPU second as
  // one; at 1,000 cycles about 4% is lost), and a line typed beside 100 CPU-bound jobs is echoed in
  // about 5 ms (at 100,000 cycles about 10 ms, at 1,000,000 about 140 ms).
  quantum: 20_000,
  // 4M words = 16 MiB of host memory.
  coreWords: 4 * 1024 * 1024,
  // 4K words: a typical BASIC program with its variables and stack fits; 1,000 such jobs fill core.
  defaultPartition: 4096,
  // A quarter of core, so one job can never take the whole machine.
  largestPartition: 1024 * 1024,
  // 60 CPU seconds at the rated clock.
  cpuLimit: 600_000_000,
  // 1,000,000 characters: about 28 hours of a 10-character-a-second teletype. It stops a runaway
  // PRINT loop, never a game: a long session of Super Star Trek types more than 70,000.
  outputLimit: 1_000_000,
  // 4,096 characters in flight per job: keeps the front end's per-line buffers small.
  outputWindow: 4096,
  checkpointMs: 1000,
  // (made equal to ratedClock by makeConfig unless set: paced, that is the same second)
  checkpointCycles: 10_000_000,
  // Compiles are charged what they cost the host, at the rated clock (a rated CPU second is a real
  // second): a 2,000-line BASIC compile takes about 40 ms here (npm run bench -- basic), 20 us a
  // line, so 200 cycles a line; the base is a millisecond. A 10,000-line program's compile, once
  // billed 0.01 s for 0.2 s of host time, is billed 0.2 s.
  compileBase: 10_000,
  compilePerLine: 200,
  sliceMs: 4,
  // Sold by the second, like SIMH's SET THROTTLE: a CPU second is a wall second of the machine.
  paced: true,
  // 2 ms a wake-up: about 500 wake-ups a second, each running 20,000 cycles (one quantum) at 10 MHz.
  // By design the machine is then at most 2 ms ahead of the wall clock (2% of a 100 ms window,
  // 0.2% of a second) when its thread is woken on time; a busy host's late wake-ups add to that
  // (npm run bench -- clock measures it).
  paceMs: 2,
  // A late timer or a stalled thread (a busy shared host) is made up, up to a quarter second, so a
  // 1 s window stays exact; a longer stall is not run in a burst (with 50 ms, 1 s windows came out
  // up to 13% short on this host at load average 19: npm run bench -- clock).
  maxLagMs: 250,
  // 30 CPU seconds: a kill -9 loses at most that much of a job's work; measured with
  // `npm run bench -- snapshot`, the throughput this costs is far below the 2% target.
  snapshotSeconds: 30,
  swap: false,
  // Two seconds: a typist answering a prompt, or a job sleeping between short naps, keeps its core
  // through a burst of demand; a job idle longer gives it up to whoever waits. (TOPS-10 and Multics
  // used similar minimum residences, in quanta, against thrashing.)
  swapResidenceMs: 2000,
};

/** The defaults with `over` applied; throws a plain message on nonsense values. */
export function makeConfig(over: Partial<MonitorConfig> = {}): MonitorConfig {
  const c: MonitorConfig = { ...DEFAULT_CONFIG };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_CONFIG)) throw new Error(`unknown mainframe setting: ${k}`);
    if (typeof DEFAULT_CONFIG[k as keyof MonitorConfig] === 'boolean') {
      if (typeof v !== 'boolean') throw new Error(`mainframe setting ${k} must be true or false, not ${String(v)}`);
      (c as unknown as Record<string, boolean>)[k] = v;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || !Number.isInteger(v)) {
      throw new Error(`mainframe setting ${k} must be a positive integer, not ${String(v)}`);
    }
    (c as unknown as Record<string, number>)[k] = v;
  }
  if (over.checkpointCycles === undefined) c.checkpointCycles = c.ratedClock;
  // Partitions are even-sized so that doubles stay aligned when partitions move.
  c.defaultPartition = evenUp(c.defaultPartition);
  c.largestPartition = Math.min(c.largestPartition & ~1, c.coreWords & ~1);
  if (c.defaultPartition > c.largestPartition) {
    throw new Error('mainframe setting defaultPartition exceeds largestPartition');
  }
  return c;
}

export function evenUp(n: number): number {
  return n + (n & 1);
}

/** Rated CPU seconds for a number of cycles. */
export function cpuSeconds(cycles: number, cfg: Pick<MonitorConfig, 'ratedClock'>): number {
  return cycles / cfg.ratedClock;
}
