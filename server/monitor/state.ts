// A job's state in the monitor: ONE field (`Job.phase`) and the transitions allowed between its
// values, in one table. The monitor changes a job's phase only through `Monitor.move`, which
// checks the table (an illegal transition throws, naming both phases), keeps the collections that
// depend on the phase (run queues, core queue, sleepers) in step, and tells the front end when the
// state it sees changes. `Monitor.checkInvariants()` checks the whole table against the
// collections and the core map and names the first invariant broken (tests run it after every
// step; TIMESHARE_CHECKS=1 runs it in the worker too).
import type { JobState } from './protocol.ts';

export type Phase =
  /** inside Monitor.run: compiled, not yet given core (never seen between two messages) */
  | 'compiling'
  /** no partition yet (new or restored): in the core queue, strictly FIFO */
  | 'waiting for core'
  /** on a run queue (interactive or round robin), not run since it got there */
  | 'ready'
  /** on a run queue and has had the CPU since it got there (a used-up quantum keeps it running) */
  | 'running'
  /** holds core; its GETS waits for a line */
  | 'waiting for input'
  /** holds core; a window of its output is not yet acknowledged */
  | 'waiting for output'
  /** holds core; in the sleepers until its alarm */
  | 'sleeping'
  /** holds core; its owner's purse is empty but more is on its way (a lease on the budget being
   *  renewed, several hosts): not run until the front end raises the ceiling or says it is final */
  | 'waiting for budget'
  /** swapped out (its words in the store, no core held, no core charged) while waiting for input */
  | 'swapped, waiting for input'
  /** swapped out while sleeping; still in the sleepers (its alarm still counts) */
  | 'swapped, sleeping'
  /** swapped out and runnable again: in the core queue to be swapped in */
  | 'swapped, waiting for core'
  /** holds a partition; its words are on their way back from the store */
  | 'swapping in'
  /** ended (or put away by a halting checkpoint): in no collection, holds nothing */
  | 'stopped';

/** Every transition the monitor may make; anything else is a bug and throws. */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  compiling: ['waiting for core', 'ready', 'stopped'],
  // loaded: ready; a restored job goes back into the wait it was in
  'waiting for core': ['ready', 'waiting for input', 'sleeping', 'stopped'],
  ready: ['running', 'stopped'],
  running: ['waiting for input', 'waiting for output', 'sleeping', 'waiting for budget', 'stopped'],
  'waiting for input': ['ready', 'swapped, waiting for input', 'stopped'],
  'waiting for output': ['ready', 'stopped'],
  'waiting for budget': ['ready', 'stopped'],
  sleeping: ['ready', 'swapped, sleeping', 'stopped'],
  'swapped, waiting for input': ['swapped, waiting for core', 'stopped'],
  'swapped, sleeping': ['swapped, waiting for core', 'stopped'],
  'swapped, waiting for core': ['swapping in', 'stopped'],
  'swapping in': ['ready', 'stopped'],
  stopped: [],
};

/** What the front end and SYSTAT see. A swapped job looks like the job it was: its owner sees
 *  nothing but a delay (a session sends a typed line when the job says it waits for input, in core
 *  or not); SYSTAT adds that it is swapped. */
export const SHOWN: Readonly<Record<Phase, JobState>> = {
  compiling: 'compiling',
  'waiting for core': 'waiting for core',
  ready: 'ready',
  running: 'running',
  'waiting for input': 'waiting for input',
  'waiting for output': 'waiting for output',
  sleeping: 'sleeping',
  // (ready to run as soon as the renewal answers, usually within milliseconds: its owner and
  // SYSTAT see a job that is running, not a new state that would come and go between two looks)
  'waiting for budget': 'ready',
  'swapped, waiting for input': 'waiting for input',
  'swapped, sleeping': 'sleeping',
  'swapped, waiting for core': 'waiting for core',
  'swapping in': 'waiting for core',
  stopped: 'stopped',
};

/** Phases in which a job holds a partition (and its `ctx`). */
export const HOLDS_CORE: ReadonlySet<Phase> = new Set<Phase>(['ready', 'running', 'waiting for input', 'waiting for output', 'waiting for budget', 'sleeping', 'swapping in']);
/** Phases on a run queue. */
export const RUNNABLE: ReadonlySet<Phase> = new Set<Phase>(['ready', 'running']);
/** Phases in the core queue. */
export const QUEUED_FOR_CORE: ReadonlySet<Phase> = new Set<Phase>(['waiting for core', 'swapped, waiting for core']);
/** Phases in the sleepers. */
export const ASLEEP: ReadonlySet<Phase> = new Set<Phase>(['sleeping', 'swapped, sleeping']);
/** Phases whose words are in the store, not in core. */
export const SWAPPED: ReadonlySet<Phase> = new Set<Phase>(['swapped, waiting for input', 'swapped, sleeping', 'swapped, waiting for core', 'swapping in']);

export class IllegalTransition extends Error {
  constructor(job: number, from: Phase, to: Phase) {
    super(`job ${job}: illegal transition ${from} -> ${to}`);
  }
}

/** Throws unless `from -> to` is in the table. */
export function checkTransition(job: number, from: Phase, to: Phase): void {
  if (!TRANSITIONS[from].includes(to)) throw new IllegalTransition(job, from, to);
}

/** A broken invariant, named (tests match on the name). */
export class BrokenInvariant extends Error {
  constructor(readonly invariant: string, detail: string) {
    super(`invariant ${invariant} broken: ${detail}`);
  }
}
