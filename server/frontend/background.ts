// A background job's "terminal": its output is collected (up to a bound) and kept as the saved file
// NAME.OUT of its owner when the job ends, together with how it ended.
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { stamp } from './format.ts';
import type { JobSink, LiveJob } from './jobs.ts';
import { outputName } from './names.ts';

export class OutputCollector implements JobSink {
  private parts: string[] = [];
  private kept = 0;
  private cut = 0;
  /** resolves once the .OUT file has been written */
  readonly saved: Promise<void>;
  private resolveSaved!: () => void;

  constructor(
    private store: Store,
    private owner: string,
    private program: string,
    private limit: number,
    private log: Logger,
    /** true once the server is stopping: no more retries */
    private stopping: () => boolean = () => false,
    /** characters the owner's quota leaves for this file */
    private room: (() => Promise<number>) | null = null,
  ) {
    this.saved = new Promise((r) => (this.resolveSaved = r));
  }

  get fileName(): string {
    return outputName(this.program);
  }

  /** What it has kept so far (for a snapshot of its job). */
  keptText(): { text: string; cut: number } {
    return { text: this.parts.join(''), cut: this.cut };
  }

  /** Starts from what a snapshot kept (a restored job). */
  prefill(text: string, cut: number): void {
    this.parts = text ? [text] : [];
    this.kept = text.length;
    this.cut = cut;
  }

  output(text: string, done: () => void): void {
    const room = this.limit - this.kept;
    if (room >= text.length) {
      this.parts.push(text);
      this.kept += text.length;
    } else {
      if (room > 0) this.parts.push(text.slice(0, room));
      this.kept += Math.max(0, room);
      this.cut += text.length - Math.max(0, room);
    }
    done(); // kept in memory at once: the credit goes straight back
  }

  compiled(errors: string[], warnings: string[]): void {
    this.parts.push([...errors, ...warnings].join('\n') + '\n');
  }

  async ended(e: { reason: string; message: string }, job: LiveJob): Promise<void> {
    let text = this.parts.join('');
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    if (this.cut) text += `*** ${this.cut} MORE CHARACTERS NOT KEPT (${this.limit} AT MOST)\n`;
    const trailer = `*** JOB ${job.job} ${this.program} ENDED ${stamp(Date.now())}: ${e.message || e.reason.toUpperCase()}\n`;
    this.parts = [];
    // the owner's storage quota bounds job output too: what does not fit is cut, and the file says so
    let left = Infinity;
    try {
      left = this.room ? await this.room() : Infinity;
    } catch (err) {
      this.log.warn({ err, job: job.job }, 'could not read the storage quota; the output is kept whole');
    }
    if (text.length + trailer.length > left) {
      const note = '*** OUTPUT CUT HERE: YOUR STORAGE QUOTA IS FULL (UNSAVE SOMETHING)\n';
      text = text.slice(0, Math.max(0, left - trailer.length - note.length)) + note;
    }
    text += trailer;
    // A full disk (or a busy one) refuses the write: the output stays in memory and is tried
    // again, doubling the wait up to a minute, until it is saved. It is bounded by the output
    // limit of a job, and live jobs by the per-user cap.
    for (let wait = 500, tries = 1; ; wait = Math.min(60_000, wait * 2), tries++) {
      try {
        await this.store.programs.save(this.owner, { name: this.fileName, lang: 'text', text }, true);
        if (tries > 1) this.log.info({ job: job.job, tries }, 'job output saved after the disk recovered');
        break;
      } catch (err) {
        if (tries === 1 || tries % 10 === 0) this.log.error({ err, job: job.job, tries }, 'could not save job output; kept in memory, trying again');
        if (this.stopping()) break; // the process is ending: the log says what was lost
        await new Promise((r) => setTimeout(r, wait).unref());
      }
    }
    this.resolveSaved();
  }

}

/** The text of a NAME.OUT file: the output kept, what was cut, and how the job ended. */
export function outputFile(kept: string, cut: number, limit: number, job: number, program: string, ending: string): string {
  let text = kept;
  if (text !== '' && !text.endsWith('\n')) text += '\n';
  if (cut) text += `*** ${cut} MORE CHARACTERS NOT KEPT (${limit} AT MOST)\n`;
  text += `*** JOB ${job} ${program} ENDED ${stamp(Date.now())}: ${ending}\n`;
  return text;
}
