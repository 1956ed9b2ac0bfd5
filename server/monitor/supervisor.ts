// The supervisor calls (server/machine/services.ts is the contract): argument checks, the work, and
// the documented fixed cycle charge. The monitor supplies the terminal, blocking and ending.
import { SERVICE_BY_NUMBER, Svc, serviceCycles } from '../machine/services.ts';
import { FMT_EXPLICIT_POINT, FMT_MICROSOFT, printNumber, strNumber, parseNumber } from '../basic/numbers.ts';
import type { EndReason } from './protocol.ts';
import type { MonitorConfig } from './config.ts';
import type { Job } from './job.ts';
import { nextRandom, seedFromClock, seedFromNumber } from './rng.ts';

/** Longest string a service moves in one call. */
export const MAX_SERVICE_WORDS = 65536;
const MAX_SLEEP_MS = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** What the supervisor needs from the monitor. */
export interface SvcHost {
  readonly core: Int32Array;
  readonly cfg: MonitorConfig;
  now(): number;
  charge(job: Job, cycles: number): void;
  /** Types the job's output; false when that ended the job (output limit). */
  type(job: Job, text: string): boolean;
  /** Types a system message (a warning) on a line of its own; false when that ended the job (output limit). */
  typeSystem(job: Job, text: string): boolean;
  end(job: Job, reason: EndReason, status: number, message: string): void;
  /** Takes the running job off the ready queue until something wakes it. */
  block(job: Job, wait: 'input' | 'output' | 'sleep'): void;
  /** Sends the running job to the tail of the ready queue. */
  yieldCpu(job: Job): void;
  /** Called after the monitor wrote words into a job's core (code there must be decoded anew). */
  wrote(job: Job, addr: number, len: number): void;
}

/** " IN LINE n" when the program knows its lines, else "" . */
export function inLine(job: Job, pc: number): string {
  const n = job.image?.lineAt?.(pc);
  return n === undefined ? '' : ` IN LINE ${n}`;
}

/** Where a fault happened: " AT PC 12", plus " IN LINE n" when known. */
export function atPc(job: Job, pc: number): string {
  return ` AT PC ${pc}${inLine(job, pc)}`;
}

// The helpers below take their context as arguments rather than closing over it: serve() runs for
// every supervisor call, and closures made per call (each also named by the TypeScript loader's
// __name) cost about a third of a call's host time in a loop of supervisor calls.

function fail(host: SvcHost, job: Job, pc: number, name: string, what: string): false {
  host.end(job, 'error', -1, `${name}: ${what}${atPc(job, pc)}`);
  return false;
}

/** A range [addr, addr+len) of the job's partition, or a message saying what is wrong with it. */
function badRange(ctx: { limit: number }, addr: number, len: number, lenName = 'LENGTH'): string | null {
  if (len < 0 || len > MAX_SERVICE_WORDS) return `${lenName} ${len} OUT OF RANGE`;
  if (addr < 0 || addr >= ctx.limit) return `ADDRESS ${addr} OUTSIDE PARTITION`;
  if (addr + len > ctx.limit) return `ADDRESS ${ctx.limit} OUTSIDE PARTITION`;
  return null;
}

/** After typing: the job waits when too much of its output is still in flight. */
function afterOutput(host: SvcHost, job: Job): boolean {
  if (job.unacked >= host.cfg.outputWindow) {
    host.block(job, 'output');
    return false;
  }
  return true;
}

/**
 * Performs the service the running job asked for (ctx.svcNumber; ctx.pc is already past the SVC).
 * Returns true when the job may go on running in its quantum.
 */
export function serve(host: SvcHost, job: Job): boolean {
  const ctx = job.ctx!;
  const r = ctx.r;
  const n = ctx.svcNumber;
  const pc = ctx.pc - 2;
  job.meters.svcs++;
  const info = SERVICE_BY_NUMBER.get(n);
  if (!info) {
    host.end(job, 'error', -1, `UNKNOWN SUPERVISOR CALL ${n}${atPc(job, pc)}`);
    return false;
  }
  const name = info.name;

  switch (n) {
    case Svc.EXIT: {
      host.charge(job, serviceCycles(n, 0));
      const status = r[1];
      if (status === 0) host.end(job, 'normal', 0, '');
      else host.end(job, 'exit', status, `EXIT STATUS ${status}`);
      return false;
    }
    case Svc.PUTC: {
      const c = r[1];
      if (c < 0 || c > 0xffff) return fail(host, job, pc, name, `CHARACTER ${c} OUT OF RANGE`);
      host.charge(job, serviceCycles(n, 0));
      return host.type(job, String.fromCharCode(c)) && afterOutput(host, job);
    }
    case Svc.PUTS: {
      const bad = badRange(ctx, r[1], r[2]);
      if (bad) return fail(host, job, pc, name, bad);
      host.charge(job, serviceCycles(n, r[2]));
      return host.type(job, readString(host.core, ctx.base + r[1], r[2])) && afterOutput(host, job);
    }
    case Svc.GETS: {
      const bad = badRange(ctx, r[1], r[2], 'CAPACITY');
      if (bad) return fail(host, job, pc, name, bad);
      job.getsAddr = r[1];
      job.getsCap = r[2];
      if (job.hasInput()) return finishGets(host, job, job.takeLine());
      if (job.eof) return finishGets(host, job, null);
      host.block(job, 'input');
      return false;
    }
    case Svc.TIME: {
      host.charge(job, serviceCycles(n, 0));
      const now = host.now();
      const days = Math.floor(now / MS_PER_DAY);
      r[1] = days;
      r[2] = Math.floor(now - days * MS_PER_DAY);
      return true;
    }
    case Svc.CPUTIME: {
      host.charge(job, serviceCycles(n, 0)); // the reading includes this call
      r[1] = job.meters.cycles | 0;
      ctx.f[1] = job.meters.cycles / host.cfg.ratedClock;
      return true;
    }
    case Svc.RANDOM: {
      host.charge(job, serviceCycles(n, 0));
      const [value, state] = nextRandom(job.rng);
      ctx.f[1] = value;
      job.rng = state;
      return true;
    }
    case Svc.RANDOMIZE: {
      host.charge(job, serviceCycles(n, 0));
      job.rng = seedFromClock(host.now(), job.id);
      return true;
    }
    case Svc.SEED: {
      host.charge(job, serviceCycles(n, 0));
      job.rng = seedFromNumber(ctx.f[1]);
      return true;
    }
    case Svc.SLEEP: {
      const ms = r[1];
      if (ms < 0 || ms > MAX_SLEEP_MS) return fail(host, job, pc, name, `${ms} MILLISECONDS OUT OF RANGE (0 TO ${MAX_SLEEP_MS})`);
      host.charge(job, serviceCycles(n, 0));
      if (ms === 0) {
        host.yieldCpu(job);
        return false;
      }
      job.wakeAt = host.now() + ms;
      host.block(job, 'sleep');
      return false;
    }
    case Svc.PUTINT: {
      host.charge(job, serviceCycles(n, 0));
      return host.type(job, String(r[1])) && afterOutput(host, job);
    }
    case Svc.COLUMN: {
      host.charge(job, serviceCycles(n, 0));
      r[1] = job.column;
      return true;
    }
    case Svc.ERROR:
    case Svc.WARN: {
      const bad = badRange(ctx, r[1], r[2]);
      if (bad) return fail(host, job, pc, name, bad);
      host.charge(job, serviceCycles(n, r[2]));
      const line = job.image?.lineAt?.(pc);
      const text = readString(host.core, ctx.base + r[1], r[2]) + (line === undefined ? ` AT ${pc}` : ` IN LINE ${line}`);
      if (n === Svc.ERROR) {
        host.end(job, 'error', -1, text);
        return false;
      }
      return host.typeSystem(job, text) && afterOutput(host, job);
    }
    case Svc.PUTNUM: {
      host.charge(job, serviceCycles(n, 0));
      return host.type(job, printNumber(ctx.f[1])) && afterOutput(host, job);
    }
    case Svc.FMTNUM: {
      const bad = badRange(ctx, r[1], r[2], 'CAPACITY');
      if (bad) return fail(host, job, pc, name, bad);
      // A number longer than the buffer is cut to it; r1 says how much was stored.
      const s = strNumber(ctx.f[1], (r[3] & FMT_MICROSOFT) !== 0, (r[3] & FMT_EXPLICIT_POINT) !== 0).slice(0, r[2]);
      writeString(host.core, ctx.base + r[1], s);
      host.wrote(job, r[1], s.length);
      host.charge(job, serviceCycles(n, s.length));
      r[1] = s.length;
      return true;
    }
    case Svc.PARSENUM: {
      const bad = badRange(ctx, r[1], r[2]);
      if (bad) return fail(host, job, pc, name, bad);
      host.charge(job, serviceCycles(n, r[2]));
      const got = parseNumber(readString(host.core, ctx.base + r[1], r[2]));
      r[1] = got ? got.length : 0;
      ctx.f[1] = got ? got.value : 0;
      return true;
    }
    default:
      return fail(host, job, pc, name, 'NOT IMPLEMENTED'); // a number listed in services.ts that this monitor lacks
  }
}

/**
 * Completes a GETS with `line` (null: end of input): stores it, sets r1, charges the call.
 * Returns true (the job may continue).
 */
export function finishGets(host: SvcHost, job: Job, line: string | null): true {
  const ctx = job.ctx!;
  if (line === null) {
    ctx.r[1] = -1;
    host.charge(job, serviceCycles(Svc.GETS, 0));
    return true;
  }
  const s = line.length > job.getsCap ? line.slice(0, job.getsCap) : line;
  writeString(host.core, ctx.base + job.getsAddr, s);
  host.wrote(job, job.getsAddr, s.length);
  ctx.r[1] = s.length;
  host.charge(job, serviceCycles(Svc.GETS, s.length));
  job.column = 0; // the typist's return put the carriage back at the margin
  return true;
}

export function readString(core: Int32Array, at: number, len: number): string {
  let s = '';
  // fromCharCode in chunks: spreading 64K arguments at once can overflow the stack
  for (let i = 0; i < len; i += 4096) {
    const part = core.subarray(at + i, at + Math.min(len, i + 4096));
    s += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return s;
}

export function writeString(core: Int32Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) core[at + i] = s.charCodeAt(i);
}
