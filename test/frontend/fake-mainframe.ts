// A stand-in for the mainframe in front-end tests (the end-to-end tests use the real one). It obeys
// the protocol: asynchronous replies, credit-based output, interrupt, kill, systat. Its "programs"
// are lines of a tiny script language, one instruction per numbered line:
//   PRINT text   types text and CR LF          INPUT        waits for a line, types "GOT line"
//   SPEW n       types n characters 'x' (respecting the output window)
//   LOOP         runs until interrupted or killed    FAIL msg   compile error
//   WAIT ms      sleeps
import type { FromMainframe, Meters, ToMainframe } from '../../server/monitor/protocol.ts';
import type { MainframeLike } from '../../server/frontend/jobs.ts';

interface FakeJob {
  job: number;
  owner: string;
  line: number | null;
  name: string;
  steps: string[];
  pc: number;
  inputs: string[];
  eof: boolean;
  credit: number;
  spewLeft: number;
  state: 'running' | 'waiting for input' | 'waiting for output' | 'stopped';
  cycles: number;
}

const meters = (j: FakeJob): Meters => ({ cycles: j.cycles, svcs: 0, coreWords: 4096, coreWordCycles: 0, coreWordMs: 0, outputChars: 0, startedAt: 0 });

export class FakeMainframe implements MainframeLike {
  readonly posted: ToMainframe[] = [];
  /** both directions in the order they happened (a reply when it is sent, before it arrives) */
  readonly history: ({ to: ToMainframe } | { from: FromMainframe })[] = [];
  private handler: (m: FromMainframe) => void = () => {};
  private jobs = new Map<number, FakeJob>();
  constructor(readonly window = 4096) {}

  onMessage(h: (m: FromMainframe) => void): void {
    this.handler = h;
  }
  private emit(m: FromMainframe): void {
    this.history.push({ from: m });
    setImmediate(() => this.handler(m));
  }
  /** Simulates the mainframe thread dying: its jobs vanish and 'down' is reported. */
  crash(): void {
    this.jobs.clear();
    this.emit({ t: 'down' });
  }

  /** The cycles a live job has run (each step of its script counts 100); undefined once it ended. */
  cycles(job: number): number | undefined {
    return this.jobs.get(job)?.cycles;
  }

  async close(): Promise<void> {
    for (const j of this.jobs.values()) j.state = 'stopped';
    this.jobs.clear();
  }

  post(m: ToMainframe): void {
    this.posted.push(m);
    this.history.push({ to: m });
    switch (m.t) {
      case 'run': {
        const steps = m.source.split('\n').filter(Boolean).map((l) => l.replace(/^\d+\s*/, ''));
        const fail = steps.find((s) => s.startsWith('FAIL'));
        if (fail) {
          this.emit({ t: 'compiled', job: m.job, errors: [`LINE 10: ${fail.slice(5)}`], warnings: [], words: 0 });
          this.emit({ t: 'end', job: m.job, reason: 'rejected', status: 2, message: '', meters: meters({ cycles: 0 } as FakeJob) });
          return;
        }
        const j: FakeJob = { job: m.job, owner: m.owner, line: m.line, name: m.name, steps, pc: 0, inputs: [], eof: false, credit: this.window, spewLeft: -1, state: 'running', cycles: 0 };
        this.jobs.set(m.job, j);
        this.emit({ t: 'compiled', job: m.job, errors: [], warnings: [], words: 10 });
        setImmediate(() => this.step(j));
        return;
      }
      case 'input': {
        const j = this.jobs.get(m.job);
        if (j) {
          j.inputs.push(m.line);
          if (j.state === 'waiting for input') setImmediate(() => this.step(j));
        }
        return;
      }
      case 'eof': {
        const j = this.jobs.get(m.job);
        if (j) j.eof = true;
        return;
      }
      case 'drained': {
        const j = this.jobs.get(m.job);
        if (j) {
          j.credit += m.chars;
          if (j.state === 'waiting for output') setImmediate(() => this.step(j));
        }
        return;
      }
      case 'interrupt':
      case 'kill':
        this.finish(m.job, m.t === 'interrupt' ? 'interrupted' : 'killed', m.t === 'kill' ? 'KILLED' : '');
        return;
      case 'systat':
        this.emit({
          t: 'systat', req: m.req, idleCycles: 0, totalCycles: 0, load: [0.5, 0.25, 0.125], core: { total: 1 << 20, used: this.jobs.size * 4096 },
          jobs: [...this.jobs.values()].map((j) => ({ job: j.job, owner: j.owner, line: j.line, name: j.name, state: j.state, meters: meters(j) })),
        });
        return;
      case 'checkpoint': {
        // no machine state to snapshot: the jobs' rows keep their sources (they restart from them)
        const n = this.jobs.size;
        if (m.halt) {
          for (const j of this.jobs.values()) j.state = 'stopped';
          this.jobs.clear();
        }
        this.emit({ t: 'checkpointed', req: m.req, jobs: n });
        return;
      }
      case 'restore':
        this.emit({ t: 'restored', job: m.job, error: 'THE FAKE MAINFRAME CANNOT RESTORE SNAPSHOTS' });
        return;
      case 'shutdown':
        return;
    }
  }

  private finish(job: number, reason: 'normal' | 'interrupted' | 'killed' | 'error', message: string): void {
    const j = this.jobs.get(job);
    if (!j) return;
    j.state = 'stopped';
    this.jobs.delete(job);
    this.emit({ t: 'end', job, reason, status: 0, message, meters: meters(j) });
  }

  private out(j: FakeJob, text: string): void {
    j.credit -= text.length;
    this.emit({ t: 'out', job: j.job, text });
  }

  private step(j: FakeJob): void {
    while (j.state !== 'stopped') {
      j.cycles += 100;
      if (j.spewLeft > 0) {
        if (j.credit <= 0) {
          j.state = 'waiting for output';
          return;
        }
        const n = Math.min(j.spewLeft, j.credit, 1000);
        j.spewLeft -= n;
        this.out(j, 'x'.repeat(n));
        continue;
      }
      if (j.spewLeft === 0) j.spewLeft = -1;
      if (j.pc >= j.steps.length) return this.finish(j.job, 'normal', '');
      const s = j.steps[j.pc];
      j.state = 'running';
      if (s.startsWith('PRINT')) {
        this.out(j, s.slice(6) + '\r\n');
      } else if (s === 'INPUT') {
        if (!j.inputs.length) {
          if (j.eof) return this.finish(j.job, 'error', 'END OF INPUT');
          j.state = 'waiting for input';
          this.emit({ t: 'state', job: j.job, state: 'waiting for input' });
          return;
        }
        this.out(j, `GOT ${j.inputs.shift()}\r\n`);
      } else if (s.startsWith('SPEW')) {
        j.spewLeft = Number(s.slice(5));
      } else if (s.startsWith('WAIT')) {
        j.pc++;
        setTimeout(() => this.step(j), Number(s.slice(5)));
        return;
      } else if (s === 'LOOP') {
        setTimeout(() => this.step(j), 5);
        return;
      }
      j.pc++;
    }
  }
}
