// One program on a private machine, no worker and no server: `npm run job` and the BASIC tests use
// this. stdout is exactly what the program typed; stderr is what the system said.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { EndReason, FromMainframe, Lang } from './protocol.ts';
import type { BasicOptions } from '../basic/options.ts';
import type { MonitorConfig } from './config.ts';
import { Monitor } from './monitor.ts';
import { loadCompilers } from './compilers.ts';

export interface StandaloneOptions {
  /** the program's input, one line per INPUT/GETS; running out of it is end of input */
  input?: string;
  /** input that arrives over time (a terminal); used instead of `input` */
  inputLines?: AsyncIterable<string>;
  cpuLimit?: number;
  outputLimit?: number;
  /** the program's output as it is typed */
  onOutput?: (s: string) => void;
  /** the system's messages as they come */
  onSystem?: (s: string) => void;
  config?: Partial<MonitorConfig>;
  /** BASIC's dialect and margin */
  basic?: BasicOptions;
}

export interface StandaloneResult {
  stdout: string;
  stderr: string;
  /** 0 normal end, 1 run-time error (or any other abnormal end), 2 rejected by the compiler */
  exitCode: 0 | 1 | 2;
  cycles: number;
  cpuSeconds: number;
  status: EndReason;
}

const JOB = 1;
/** Host ms of guest work between looks at the event loop (so output streams and input arrives). */
const WORK_MS = 10;

export async function runStandalone(source: string, lang: Lang, opts: StandaloneOptions = {}): Promise<StandaloneResult> {
  const compilers = await loadCompilers();
  let stdout = '';
  let stderr = '';
  let acks = 0;
  let ended: Extract<FromMainframe, { t: 'end' }> | null = null;
  /** the program's last line lacks its end (PRINT "111";): a final message starts a line of its own */
  let midLine = false;
  const say = (s: string): void => {
    stderr += s;
    if (s.length > 0) midLine = false;
    opts.onSystem?.(s);
  };
  const emit = (msg: FromMainframe): void => {
    switch (msg.t) {
      case 'out':
        acks += msg.text.length;
        if (msg.sys) say(msg.text);
        else {
          stdout += msg.text;
          if (msg.text.length > 0) midLine = !msg.text.endsWith('\n');
          opts.onOutput?.(msg.text);
        }
        return;
      case 'compiled':
        for (const w of msg.warnings) say(`${w}\n`);
        return;
      case 'end':
        ended = msg;
        // on stderr, as the teletype does: stdout keeps exactly what the program typed
        if (msg.message) say(`${midLine ? '\n' : ''}${msg.message}\n`);
        return;
      default:
        return;
    }
  };
  // The job's own limits are the private machine's configuration (a run message may only lower them).
  // A private machine runs flat out unless asked to keep the rated clock (`npm run job -- --paced`).
  const config = { paced: false, ...opts.config, ...(opts.cpuLimit !== undefined ? { cpuLimit: opts.cpuLimit } : {}) };
  const m = new Monitor({ compilers, emit, config });

  // Input: lines delivered as they come; a waiting loop is woken by `poke`.
  let poke: (() => void) | null = null;
  const wakeLoop = (): void => {
    const p = poke;
    poke = null;
    p?.();
  };
  m.handle({ t: 'run', job: JOB, owner: 'standalone', line: null, name: 'job', lang, source,
    cpuLimit: opts.cpuLimit, outputLimit: opts.outputLimit, ...(opts.basic ? { basic: opts.basic } : {}) });
  if (opts.inputLines) {
    void (async () => {
      try {
        for await (const line of opts.inputLines!) {
          if (ended) break;
          m.handle({ t: 'input', job: JOB, line });
          wakeLoop();
        }
      } finally {
        m.handle({ t: 'eof', job: JOB });
        wakeLoop();
      }
    })();
  } else {
    for (const line of splitLines(opts.input ?? '')) m.handle({ t: 'input', job: JOB, line });
    m.handle({ t: 'eof', job: JOB });
  }

  const streaming = opts.onOutput !== undefined || opts.inputLines !== undefined;
  while (!ended) {
    m.tick();
    if (m.hasReady()) {
      const t0 = performance.now();
      while (m.hasReady() && !ended && performance.now() - t0 < WORK_MS) {
        const allowed = m.allowance();
        if (allowed <= 0) {
          m.stepInteractive(); // --paced: ahead of the wall clock
          break;
        }
        m.step(m.cfg.quantum, allowed);
        if (m.urgent) break; // the program waits for its user: show what it typed now
      }
      m.flush();
      if (acks > 0) {
        m.handle({ t: 'drained', job: JOB, chars: acks });
        acks = 0;
      }
      const delay = m.hasReady() && !ended ? m.delayMs() : 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(delay))));
      else if (streaming) await yieldToLoop();
      continue;
    }
    m.flush();
    if (ended) break;
    // Nothing ready: the job sleeps or waits for a line that has not come yet.
    const wake = m.nextWake();
    await new Promise<void>((resolve) => {
      poke = resolve;
      if (wake !== null) setTimeout(wakeLoop, Math.max(0, wake - Date.now()));
    });
  }
  const end = ended as Extract<FromMainframe, { t: 'end' }>;
  const cycles = end.meters.cycles;
  return {
    stdout, stderr,
    exitCode: end.reason === 'normal' ? 0 : end.reason === 'rejected' ? 2 : 1,
    cycles, cpuSeconds: cycles / m.cfg.ratedClock, status: end.reason,
  };
}

/** Lines of a text: CR LF or LF ends a line; a final line end does not start another line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
