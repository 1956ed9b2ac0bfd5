// The foreground job's side of a line: the sink its output, compiler messages, state and end come
// to, the typing of that output as a teletype needs it (ONLCR), whether the job is waiting for a
// typed line, and how its end is typed (STOPPED., the end message, what the hub's afterRun hooks
// add, e.g. the job's charge). What the line does next (READY., commands again) is the session's.
import type { EndReason, Meters } from '../monitor/protocol.ts';
import type { DoneJob } from './hotel.ts';
import type { JobView, LineView } from './hub.ts';
import type { JobSink, LiveJob } from './jobs.ts';
import type { LineOutput } from './output.ts';
import type { System } from './system.ts';

export type Ending = { reason: EndReason; status: number; message: string; meters: Meters };

/** The line as the foreground job's I/O sees it. */
export interface ForegroundLine {
  /** the line has hung up, or is hanging up */
  readonly closed: boolean;
  readonly out: LineOutput;
  print(text: string): void;
  println(...lines: string[]): void;
  /** the job asks for a line: the session hands it the next one typed */
  wantsInput(): void;
  /** the job has ended (the sink's `ended`) */
  ended(e: Ending, job: LiveJob): Promise<void>;
}

export class Foreground {
  /** a line was sent to the job since it last said it waits for input */
  private inputSent = false;
  /** the job waits for a line (its last state) */
  private jobWaits = false;
  private lastOutCR = false;
  /** the job's output so far ended a line */
  private lastOutLF = true;
  /** the compiler's errors were typed, so a rejected job's end message would repeat them */
  private errorsShown = false;

  constructor(
    private sys: System,
    private line: ForegroundLine,
    /** the line as the hub's afterRun hooks see it (the Session itself) */
    private view: LineView,
  ) {}

  /** A job takes the line (RUN, or ATTACH of one that is `waiting` for input); returns its sink. */
  begin(waiting: boolean): JobSink {
    this.inputSent = false;
    this.jobWaits = waiting;
    this.lastOutCR = false;
    this.lastOutLF = true;
    this.errorsShown = false;
    return this.sink();
  }

  /** The job asked for a line and has not been sent one yet. */
  get wantsLine(): boolean {
    return this.jobWaits && !this.inputSent;
  }

  /** Sends a typed line to the job. */
  send(job: number, text: string): void {
    this.inputSent = true;
    this.sys.jobs.input(job, text);
  }

  /** Something the line typed (the ^C or ^D echo) ended the job's line. */
  lineEnded(): void {
    this.lastOutLF = true;
  }

  /** Types a system note on a line of its own after the job's output. */
  note(text: string): void {
    this.line.print(`${this.lastOutLF ? '' : '\r\n'}${text}\r\n`);
    this.lastOutLF = true;
  }

  /** Types a foreground job's end: STOPPED. or its message (unless a rejected job's errors were
   *  already typed), then what the afterRun hooks say. */
  typeEnd(e: Ending, job: LiveJob): Promise<void> {
    return this.typeEnding(e, job, Date.now(), e.reason === 'rejected' && this.errorsShown);
  }

  /** ATTACH of a detached job that has ended: what it typed meanwhile and how it ended. */
  async typeDone(done: DoneJob): Promise<void> {
    this.sys.hotel.forgetDone(done.job, false);
    this.lastOutCR = false;
    this.lastOutLF = true;
    this.line.println(`JOB ${done.job} ${done.name} ATTACHED. IT HAS ENDED.`);
    if (done.kept) this.line.print(this.onlcr(done.kept));
    const view = { job: done.job, owner: done.owner, line: done.line, name: done.name, lang: done.lang, startedAt: done.startedAt };
    await this.typeEnding(done.end, view, done.end.at, false);
  }

  private async typeEnding(e: Ending, job: JobView, at: number, quiet: boolean): Promise<void> {
    // the job's last line may lack its CR LF
    const lead = this.lastOutLF ? '' : '\r\n';
    if (e.reason === 'interrupted') this.line.print(`${lead}STOPPED.\r\n`);
    else if (e.message && !quiet) this.line.print(`${lead}${e.message}\r\n`);
    else this.line.print(lead);
    const texts = await this.sys.hub.ask('afterRun', this.view, { job, at, reason: e.reason, status: e.status, message: e.message, meters: e.meters });
    for (const t of texts) this.line.print(t.endsWith('\n') ? t : t + '\r\n');
  }

  /** Where the foreground job's output and end go: this line. */
  private sink(): JobSink {
    return {
      output: (text, done) => {
        if (this.line.closed) return done();
        this.line.out.write(this.onlcr(text), done);
      },
      compiled: (errors, warnings) => {
        const msgs = [...errors, ...warnings];
        if (errors.length) this.errorsShown = true;
        if (msgs.length) this.line.println(...msgs);
      },
      state: (state) => {
        this.jobWaits = state === 'waiting for input';
        if (!this.jobWaits) return;
        this.inputSent = false; // it has read what was sent and asks for the next line
        this.line.wantsInput();
      },
      ended: (e, job) => this.line.ended(e, job),
    };
  }

  /** Programs end lines with LF; a teletype needs CR LF (Unix calls this ONLCR). */
  private onlcr(text: string): string {
    // most output has no CR of its own: a plain replace is several times cheaper than the
    // look-behind, and a flooding job's output all passes through here on the lines' thread
    let out = text.indexOf('\r') < 0 ? text.replaceAll('\n', '\r\n') : text.replace(/(?<!\r)\n/g, '\r\n');
    if (this.lastOutCR && text.startsWith('\n')) out = out.slice(1);
    this.lastOutCR = text.endsWith('\r');
    this.lastOutLF = text.endsWith('\n');
    return out;
  }
}
