// One job in the monitor's table: its CPU context, partition, state, meters, terminal buffers.
import type { Context } from '../machine/context.ts';
import type { Image } from '../machine/image.ts';
import type { JobState, Lang, Meters } from './protocol.ts';
import { RNG_SEED } from './rng.ts';
import type { RunQueue } from './queue.ts';
import type { DecodedJob } from './snapshot.ts';
import type { BasicOptions } from '../basic/options.ts';
import { type Phase, SHOWN, SWAPPED } from './state.ts';

/** An owner's cycles since the mainframe started, and the ceiling its budget allows. */
export interface Purse {
  /** cycles, plus corePerWordMs for each word-ms of core held */
  used: number;
  ceiling: number;
  message: string;
  corePerWordMs: number;
  /** bounded: units set aside for the core its jobs hold up to `paidUntil` (core is paid ahead) */
  reserved: number;
  /** bounded: wall-clock ms up to which its jobs' core is paid for; core held past it (a host too
   *  busy to look) is not charged */
  paidUntil: number;
  /** bounded: when the monitor must look again (before paidUntil while the purse is full) */
  renewAt: number;
  /** the front end may raise the ceiling (a lease renewal is on its way, or the database has more
   *  to give): jobs that reach it wait ('waiting for budget') instead of stopping */
  more: boolean;
  /** when `used` reaches this, the front end is told the purse runs low (once per 'budget') */
  lowAt: number;
  /** the front end has been told the purse is empty and jobs wait (until the next 'budget') */
  emptySaid: boolean;
}

export function newPurse(): Purse {
  return { used: 0, ceiling: Infinity, message: '', corePerWordMs: 0, reserved: 0, paidUntil: 0, renewAt: Infinity, more: false, lowAt: Infinity, emptySaid: false };
}

/** What a snapshot says a job was waiting for (snapshot.ts); derived from its phase. */
export type Wait = 'input' | 'output' | 'sleep' | 'core' | null;

export class Job {
  /** THE state (state.ts): changed only by Monitor.move */
  phase: Phase = 'compiling';
  /** the state the front end was last told (Monitor.announce) */
  shown: JobState | null = null;
  image: Image | null = null;
  /** the CPU context: set exactly while the job holds a partition (state.ts HOLDS_CORE) */
  ctx: Context | null = null;
  /** partition words wanted (set after compiling) */
  need = 0;
  /** cycles left in the current quantum */
  quantumLeft = 0;
  /** the ready queue the job is on (null: not ready) */
  runq: RunQueue | null = null;
  /** its cycles at the monitor's last two share marks (SYSTAT's share: recent cycles / machine's) */
  markCycles = 0;
  prevMarkCycles = 0;

  // terminal side
  /** type-ahead: lines delivered but not yet read by GETS */
  readonly input: string[] = [];
  inputHead = 0;
  eof = false;
  /** output typed but not yet posted to the front end (discarded by an interrupt) */
  pending: string[] = [];
  /** the pending text is the system's (warnings), posted with sys: true; a storm of warnings then
   *  goes out as one message per flush instead of one message each */
  pendingSys = false;
  /** output sent to the front end (or pending) and not yet acknowledged by 'drained' */
  unacked = 0;
  column = 0;
  /** GETS arguments saved while the job waits for a line */
  getsAddr = 0;
  getsCap = 0;
  /** wall-clock ms when a sleeping job wakes */
  wakeAt = 0;

  rng = RNG_SEED;
  /** meters changed since the last checkpoint */
  dirty = true;
  readonly meters: Meters;

  /** said instead of "CPU LIMIT EXCEEDED" when the front end lowered the limit (its budget) */
  cpuLimitMessage: string | undefined = undefined;
  /** wall-clock ms up to which core-time has been metered (while the job holds core) */
  coreSince = 0;
  /** the owner's cycles and budget ceiling, shared by all the owner's jobs */
  purse: Purse = newPurse();

  // snapshots (snapshot.ts)
  /** the program's text, kept so that a snapshot can be compiled again for its line map */
  source = '';
  basic: BasicOptions | undefined = undefined;
  imageHash = 0;
  /** cycles and wall-clock ms at the last snapshot */
  snapCycles = 0;
  snapAt = 0;
  /** a restored job's state, until it gets a partition */
  restore: DecodedJob | null = null;
  restoreWait: Wait = null;
  sleepLeft = 0;

  // swapping (Monitor.swapOut / swapIn)
  /** wall-clock ms when it last got core: it is not swapped out again before a minimum residence */
  residentSince = 0;
  /** wall-clock ms when it began to wait for input or sleep: the longest idle is swapped first */
  idleSince = 0;
  /** swapped out: what it was waiting for, and its registers and context (its words are in the store) */
  swapWait: 'input' | 'sleep' = 'input';
  swapRegs: { r: Int32Array; f: Float64Array; pc: number; limit: number; stackLow: number; stackHigh: number; codeEnd: number } | null = null;
  /** cycles it came with (a restored job's earlier work): cycles charged here = meters.cycles - this */
  cyclesBefore = 0;

  constructor(
    readonly id: number,
    readonly owner: string,
    readonly line: number | null,
    readonly name: string,
    readonly lang: Lang,
    readonly cpuLimit: number,
    readonly outputLimit: number,
    now: number,
  ) {
    this.meters = { cycles: 0, svcs: 0, coreWords: 0, coreWordCycles: 0, coreWordMs: 0, outputChars: 0, startedAt: now };
  }

  /** what the front end sees (state.ts SHOWN) */
  get state(): JobState {
    return SHOWN[this.phase];
  }

  get ended(): boolean {
    return this.phase === 'stopped';
  }

  get swapped(): boolean {
    return SWAPPED.has(this.phase);
  }

  /** What it waits for, as a snapshot records it. */
  get wait(): Wait {
    switch (this.phase) {
      case 'waiting for input': return 'input';
      case 'waiting for output': return 'output';
      case 'sleeping': return 'sleep';
      case 'waiting for core': case 'compiling': return 'core';
      case 'swapped, waiting for input': case 'swapped, sleeping': case 'swapped, waiting for core': case 'swapping in': return this.swapWait;
      default: return null;
    }
  }

  hasInput(): boolean {
    return this.inputHead < this.input.length;
  }

  takeLine(): string {
    const s = this.input[this.inputHead++];
    if (this.inputHead > 64 && this.inputHead * 2 > this.input.length) {
      this.input.splice(0, this.inputHead);
      this.inputHead = 0;
    }
    return s;
  }
}
