// The last resort: what the server does with an error nobody caught. Node 20 ends the process on
// an unhandled rejection or an uncaught exception, which takes every line and every job down with
// it for one user's bad luck (a damaged ledger once did so at the first login, and at every
// restart after). The policy:
//  - an unhandled rejection is logged and the server keeps serving: a rejected promise unwinds
//    only its own chain, so the state it leaves is the state any caught error would leave;
//  - an uncaught exception is logged and the server keeps serving too, unless they come in a
//    burst (more than `maxPerMinute` in a minute: something is broken for good, and a restart
//    with a clean state serves users better than a loop of failures), or the error is one that
//    leaves the process unusable (out of memory, a worker that cannot be restarted).
// Each distinct message is logged at most once every `quietMs`, with a count of what was held
// back, so a failure repeated every few milliseconds cannot fill the disk with stacks.
import { RateLimitedLog, type ErrorLog } from './ratelog.ts';

export interface LastResortOptions {
  log: ErrorLog & { fatal(obj: object, msg: string): void; flush?: () => void };
  /** ends the process (tests pass a spy) */
  exit?: (code: number) => void;
  maxPerMinute?: number;
  now?: () => number;
}

const FATAL_CODES = new Set(['ERR_WORKER_OUT_OF_MEMORY', 'ERR_MEMORY_ALLOCATION_FAILED']);

export function installLastResort(proc: NodeJS.EventEmitter, o: LastResortOptions): { uncaught: number; rejections: number } {
  const now = o.now ?? Date.now;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const max = o.maxPerMinute ?? 20;
  const rl = new RateLimitedLog(o.log, 60_000, now);
  const recent: number[] = [];
  const counts = { uncaught: 0, rejections: 0 };
  proc.on('unhandledRejection', (reason: unknown) => {
    counts.rejections++;
    rl.error(reason, 'unhandled rejection: logged, and the server goes on serving');
  });
  proc.on('uncaughtException', (err: Error & { code?: string }) => {
    counts.uncaught++;
    const t = now();
    recent.push(t);
    while (recent.length && t - recent[0] > 60_000) recent.shift();
    if (FATAL_CODES.has(err?.code ?? '') || err instanceof RangeError && /allocation failed|Array buffer allocation/i.test(err.message)) {
      o.log.fatal({ err }, 'uncaught exception that leaves the process unusable: exiting');
      o.log.flush?.();
      exit(1);
      return;
    }
    if (recent.length > max) {
      o.log.fatal({ err, inLastMinute: recent.length }, `more than ${max} uncaught exceptions in a minute: exiting for a clean restart`);
      o.log.flush?.();
      exit(1);
      return;
    }
    rl.error(err, 'uncaught exception: logged, and the server goes on serving');
  });
  return counts;
}
