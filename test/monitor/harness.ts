// Drives a Monitor synchronously with a fake clock and records what it says.
import { Monitor } from '../../server/monitor/monitor.ts';
import type { MonitorConfig } from '../../server/monitor/config.ts';
import type { FromMainframe, EndReason, JobState } from '../../server/monitor/protocol.ts';
import { assemble } from '../../server/machine/assembler.ts';

export type End = Extract<FromMainframe, { t: 'end' }>;

export class Harness {
  readonly events: FromMainframe[] = [];
  clock = 1_700_000_000_000;
  readonly m: Monitor;

  /** Unthrottled unless the config says `paced: true` (then drive it with `pace()`). */
  constructor(config: Partial<MonitorConfig> = {}) {
    this.m = new Monitor({ config: { paced: false, ...config }, compilers: { asm: assemble }, emit: (e) => this.events.push(e), now: () => this.clock });
  }

  /** Submits an assembly program as job `job`. */
  run(job: number, source: string, extra: { cpuLimit?: number; outputLimit?: number; line?: number | null } = {}): void {
    this.m.handle({ t: 'run', job, owner: 'test', line: extra.line === undefined ? job : extra.line, name: `job${job}`,
      lang: 'asm', source, cpuLimit: extra.cpuLimit, outputLimit: extra.outputLimit });
  }

  /** Runs until nothing is ready (or `maxCycles` have been charged), then posts output. */
  settle(maxCycles = 50_000_000): number {
    let done = 0;
    this.m.checkInvariants();
    while (this.m.hasReady() && done < maxCycles) {
      done += this.m.step(this.m.cfg.quantum);
      this.m.checkInvariants(); // the state machine's invariants hold after every step (state.ts)
    }
    this.m.flush();
    return done;
  }

  /**
   * Drives a paced monitor as the worker thread does, on the fake clock, for `ms` of wall time in
   * steps of `tickMs`: at each tick it runs what the rated clock allows, then "sleeps" (advances
   * the clock). Returns how many ticks found the machine ahead of the clock (it slept).
   */
  pace(ms: number, tickMs = 1, onTick?: () => void): number {
    let slept = 0;
    for (let t = 0; t < ms; t += tickMs) {
      this.m.tick();
      onTick?.();
      while (this.m.hasReady()) {
        const allowed = this.m.allowance();
        if (allowed <= 0) {
          this.m.stepInteractive();
          slept++;
          break;
        }
        this.m.step(this.m.cfg.quantum, allowed);
        this.m.checkInvariants();
      }
      this.m.flush();
      this.clock += tickMs;
    }
    this.m.tick();
    return slept;
  }

  output(job: number): string {
    return this.events.filter((e) => e.t === 'out' && e.job === job && !e.sys).map((e) => (e as { text: string }).text).join('');
  }

  system(job: number): string {
    return this.events.filter((e) => e.t === 'out' && e.job === job && e.sys).map((e) => (e as { text: string }).text).join('');
  }

  end(job: number): End | undefined {
    return this.events.find((e): e is End => e.t === 'end' && e.job === job);
  }

  ended(job: number, reason: EndReason): End {
    const e = this.end(job);
    if (!e) throw new Error(`job ${job} has not ended; state ${this.m.job(job)?.state}`);
    if (e.reason !== reason) throw new Error(`job ${job} ended '${e.reason}' (${e.message}), expected '${reason}'`);
    return e;
  }

  state(job: number): JobState | undefined {
    return this.m.job(job)?.state;
  }

  cycles(job: number): number {
    return this.m.job(job)?.meters.cycles ?? this.end(job)!.meters.cycles;
  }
}

/** A job that counts in r1 forever. */
export const LOOP = 'start: ADD r1, r1, 1\n        JMP start\n';

/** A job that reads lines and types each back until end of input. */
export const ECHO = `start:  LA r1, buf
        LI r2, 100
        SVC GETS
        BLT r1, r0, done
        MOV r2, r1
        LA r1, buf
        SVC PUTS
        LI r1, 10
        SVC PUTC
        JMP start
done:   HALT
buf:    .space 100
`;
