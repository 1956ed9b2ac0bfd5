// The mainframe thread: the monitor and the CPU. It takes batches of messages from the front end,
// runs ready jobs in slices of about cfg.sliceMs so that messages are never kept waiting long, and
// sends its own messages back in batches. With nothing ready it sleeps in its event loop (2 cores:
// never spin), woken by a message, a sleeping job's alarm or a checkpoint. Paced (the default), it
// also sleeps whenever it has run the cycles the rated clock allows so far: it runs about
// cfg.paceMs of rated time, then sleeps until the wall clock catches up.
import { parentPort, workerData } from 'node:worker_threads';
import type { FromMainframe, ToMainframe } from './protocol.ts';
import type { MonitorConfig } from './config.ts';
import { Monitor } from './monitor.ts';
import { loadCompilers } from './compilers.ts';
import { log } from './log.ts';

if (!parentPort) throw new Error('worker.ts is the mainframe thread; start it with Mainframe.start()');
const port = parentPort;
const config = (workerData as { config?: Partial<MonitorConfig> } | null)?.config ?? {};

const outbox: FromMainframe[] = [];
const monitor = new Monitor({ config, compilers: await loadCompilers(), emit: (m) => outbox.push(m) });
const cfg = monitor.cfg;

let loopQueued = false;
let alarm: NodeJS.Timeout | null = null;
let nextCheckpoint = Date.now() + cfg.checkpointMs;
/** cycles run since the last checkpoint: one is due after cfg.checkpointCycles of them too */
let sinceCheckpoint = 0;
let down = false;
// TIMESHARE_CHECKS=1 (the test suite sets it): the job table's invariants (state.ts) are checked
// after every slice; a broken one is written to stderr by name, whatever the log level, where the
// test harness looks for it (test/e2e/spawn.ts).
const checks = process.env.TIMESHARE_CHECKS === '1';
const broken = new Set<string>();

function check(): void {
  try {
    monitor.checkInvariants();
  } catch (e) {
    const name = (e as { invariant?: string }).invariant ?? 'unknown';
    if (broken.has(name)) return;
    broken.add(name);
    process.stderr.write(`timeshare: ${(e as Error).message}\n`);
    log.error({ err: e }, 'mainframe: invariant broken');
  }
}

function send(): void {
  if (outbox.length === 0) return;
  port.postMessage(outbox.splice(0, outbox.length));
}

function kick(): void {
  if (loopQueued || down) return;
  loopQueued = true;
  setImmediate(loop);
}

/**
 * Flat out, checkpoints by cycles come at most this often. At 50 unthrottled jobs the machine
 * runs a CPU second of work every few wall milliseconds, and a checkpoint of every job that
 * often turned into thousands of ledger entries a second for the lines' thread (echo p99 at 50
 * unthrottled jobs went from 6-7 ms to 11-18 ms in an A/B); the purse, which the mainframe keeps
 * itself, needs none of them to stop a job at its budget.
 */
const MIN_CYCLE_CHECKPOINT_MS = 100;
let lastCheckpointAt = 0;

/** A checkpoint by cycles is due (not only by the wall clock). */
function cyclesDue(now: number): boolean {
  return sinceCheckpoint >= cfg.checkpointCycles && now - lastCheckpointAt >= MIN_CYCLE_CHECKPOINT_MS;
}

function checkpoint(now: number): void {
  if (now < nextCheckpoint && !cyclesDue(now)) return;
  nextCheckpoint = now + cfg.checkpointMs;
  lastCheckpointAt = now;
  sinceCheckpoint = 0;
  const m = monitor.checkpoint();
  if (m) outbox.push(m);
}

function loop(): void {
  loopQueued = false;
  if (alarm) {
    clearTimeout(alarm);
    alarm = null;
  }
  monitor.tick();
  const t0 = performance.now();
  while (monitor.hasReady() && performance.now() - t0 < cfg.sliceMs) {
    const allowed = monitor.allowance();
    if (allowed <= 0) {
      // paced: ahead of the wall clock; only jobs their users are waiting for run, then sleep
      sinceCheckpoint += monitor.stepInteractive();
      break;
    }
    sinceCheckpoint += monitor.step(cfg.quantum, allowed);
    // budgets are kept in cycles: flat out, a checkpoint comes every checkpointCycles, not a second
    if (cyclesDue(Date.now())) break;
    if (monitor.urgent) break; // a user waits for this output: post it now
  }
  monitor.flush();
  if (checks) check();
  const now = Date.now();
  checkpoint(now);
  send();
  if (monitor.hasReady()) {
    const delay = monitor.delayMs();
    if (delay <= 0) return kick();
    // Paced: sleep (never spin) until the rated clock has caught up; a message wakes us sooner.
    alarm = setTimeout(kick, Math.max(1, Math.ceil(delay)));
    return;
  }
  // Idle: sleep until a job's alarm or the next checkpoint of meters not yet reported.
  let wakeAt = monitor.nextWake();
  if (monitor.metersPending && (wakeAt === null || nextCheckpoint < wakeAt)) wakeAt = nextCheckpoint;
  if (wakeAt !== null) alarm = setTimeout(kick, Math.max(0, wakeAt - now));
}

port.on('message', (batch: ToMainframe[]) => {
  if (down) return;
  monitor.tick();
  for (const msg of batch) {
    try {
      monitor.handle(msg);
    } catch (e) {
      log.error({ err: e, msg: msg.t }, 'mainframe: message failed');
    }
    if (msg.t === 'shutdown') {
      monitor.flush();
      outbox.push({ t: 'down' });
      send();
      down = true;
      if (alarm) clearTimeout(alarm);
      port.close();
      return;
    }
  }
  monitor.flush();
  if (checks) check();
  send();
  kick();
});

port.postMessage([{ t: 'ready' }]);
