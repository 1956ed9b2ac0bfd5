// Messages between the front end (main thread) and the mainframe (worker thread).
// The front end never runs guest code; the mainframe never touches a socket or the disk.
// Both directions are batched: each postMessage carries an array of messages, so 1,000 busy lines
// cost one message per tick, not one per character.
import type { BasicOptions } from '../basic/options.ts';

export type Lang = 'basic' | 'asm';

export type JobState =
  | 'compiling'
  | 'waiting for core'
  | 'ready'
  | 'running'
  | 'waiting for input'
  | 'waiting for output'
  | 'sleeping'
  | 'stopped';

/** How a job ended. */
export type EndReason =
  | 'normal' // HALT or EXIT 0
  | 'exit' // EXIT with a non-zero status
  | 'rejected' // compile or assembly errors; nothing ran
  | 'error' // a trap or a run-time error
  | 'interrupted' // Ctrl-C
  | 'killed' // KILL, hangup, shutdown
  | 'cpu limit'
  | 'output limit'
  | 'core'; // the program needs more core than the largest partition

/** A job's meters: exact and deterministic (except wall-clock fields). */
export interface Meters {
  /** cycles executed by the CPU for this job, including supervisor-call and compile charges */
  cycles: number;
  /** supervisor calls made */
  svcs: number;
  /** partition size in words while the job holds core (0 before it gets core) */
  coreWords: number;
  /** sum over slices of partition words x cycles charged (informational; core is billed by wall
   *  time, coreWordMs) */
  coreWordCycles: number;
  /** core-time held in wall time: partition words x milliseconds held (divide by 1,000,000 for
   *  kilo-word-seconds, KCS, as TOPS-10 billed residence). A sleeping job pays for its core. */
  coreWordMs: number;
  /** characters the job typed */
  outputChars: number;
  /** wall-clock ms when the job was started */
  startedAt: number;
}

export interface JobInfo {
  job: number;
  owner: string;
  line: number | null;
  name: string;
  state: JobState;
  meters: Meters;
  /** its share of the machine's cycles over the last one to two seconds, 0..1 */
  share?: number;
  /** swapped out: its words are in the store, it holds and pays for no core */
  swapped?: boolean;
}

/** Front end -> mainframe. */
export type ToMainframe =
  | {
      t: 'run';
      job: number; // chosen by the front end, unique for the server's life
      owner: string;
      line: number | null; // null: a background job
      name: string;
      lang: Lang;
      source: string;
      /** BASIC: the dialect (the program's own, saved with it) and the margin (the terminal's) */
      basic?: BasicOptions;
      /** cycle limit for this job; it can only lower the mainframe's configured limit */
      cpuLimit?: number;
      /** what the job is told when it reaches a lowered cpuLimit (e.g. "BUDGET EXHAUSTED") */
      cpuLimitMessage?: string;
      /** characters of output allowed (overrides the default) */
      outputLimit?: number;
      /** the most core (words) all of this owner's jobs may hold or wait for, this one included */
      coreLimit?: number;
    }
  | { t: 'input'; job: number; line: string } // a line typed for the job (queued if it is not waiting)
  | { t: 'eof'; job: number } // no more input will come (background jobs)
  | { t: 'drained'; job: number; chars: number } // the front end has written this many more characters of the job's output (a delta)
  | { t: 'interrupt'; job: number }
  | { t: 'kill'; job: number; reason?: string }
  /** The owner's budget as a purse: the owner's jobs together run until the owner's units reach
   *  `ceiling`, then each stops with `message`. Units are cycles, plus `corePerWordMs` units for
   *  every word of core held for a millisecond (core's price in CPU cycles), counted by the
   *  mainframe since it started over all the owner's jobs. null: no ceiling. Sent before a job of
   *  the owner starts and at every checkpoint. `more`: the ceiling may be raised (several hosts: a
   *  renewal of the host's lease on the budget is on its way, or the database has more to give),
   *  so jobs that reach it wait, not run, until the next 'budget' raises it or comes without
   *  `more` (then they stop). `renewAt`: when the owner's units reach it, say so ('purse', low). */
  | { t: 'budget'; owner: string; ceiling: number | null; message: string; corePerWordMs?: number; more?: boolean; renewAt?: number }
  | { t: 'systat'; req: number }
  /** Snapshot every job now (a 'snapshot' each, then 'checkpointed'); with `halt` the jobs are
   *  then put away: they leave the table without an 'end' (SIGTERM: they go on after a restart). */
  | { t: 'checkpoint'; req: number; halt?: boolean; /** only this job (a host letting one job go to another) */ job?: number }
  /** Restores a job from a snapshot (snapshot.ts) under its own number; answered by 'restored'. */
  | { t: 'restore'; job: number; data: Uint8Array }
  /** The answer to the mainframe's 'swapin': the job's swap image (its last full snapshot), or
   *  null and why not (the job then ends with a system error). */
  | { t: 'swapin'; job: number; data: Uint8Array | null; error?: string }
  | { t: 'shutdown' };

/** Mainframe -> front end. */
export type FromMainframe =
  /** Output for the job's terminal. `sys`: a system message (a WARN), not the program's own output
   *  (`npm run job` sends it to stderr); it does not count against the output limit. */
  | { t: 'out'; job: number; text: string; sys?: true }
  | { t: 'state'; job: number; state: JobState }
  | { t: 'compiled'; job: number; errors: string[]; warnings: string[]; words: number }
  /** The job is gone. status: the EXIT status for 'normal' (0) and 'exit', else -1. message: what the
   *  system says about the ending, '' for a normal end (for 'rejected': the errors, one per line). */
  | { t: 'end'; job: number; reason: EndReason; status: number; message: string; meters: Meters }
  /** Checkpoint, every checkpointMs while jobs run: cumulative meters of the jobs that changed. */
  | { t: 'meters'; at: number; jobs: { job: number; meters: Meters }[]; idleCycles: number; totalCycles: number }
  | {
      t: 'systat'; req: number; jobs: JobInfo[]; idleCycles: number; totalCycles: number; load: [number, number, number]; core: { total: number; used: number };
      /** cycles per CPU second, and whether the machine is paced to it */
      ratedClock?: number; paced?: boolean;
      /** share of machine time not idle, decayed over 1, 5 and 15 minutes (0..1) */
      utilisation?: [number, number, number];
      /** paced: cycles the host could not deliver in time */
      lostCycles?: number;
      /** the mainframe's monotonic clock (ms) when the reply was made */
      at?: number;
    }
  /** A job's whole state (snapshot.ts), taken between instructions: periodically (every
   *  snapshotSeconds of its CPU), when it starts to wait after a while, or on 'checkpoint'. */
  | {
      t: 'snapshot'; job: number; at: number; cycles: number; state: JobState; data: Uint8Array;
      /** the job is being swapped out: these bytes are its only copy until it is swapped in (keep
       *  them, in the store or in memory, and give them back on 'swapin') */
      swap?: true;
      /** the job is swapped out: the bytes lack its partition, which is in its swap image
       *  (snapshot.ts completeSnapshot) */
      partial?: true;
    }
  /** A swapped-out job can go on and has core again: send its swap image ('swapin'). */
  | { t: 'swapin'; job: number }
  /** The answer to 'restore': error null, or why the snapshot was refused (the job is not in the table). */
  | { t: 'restored'; job: number; error: string | null }
  | { t: 'checkpointed'; req: number; jobs: number }
  /** The owner's purse has reached the 'budget''s `renewAt` (low) or its ceiling with `more`
   *  (empty: the owner's jobs wait for a new 'budget'): time to ask for more of the budget. */
  | { t: 'purse'; owner: string; empty: boolean }
  | { t: 'down' };
