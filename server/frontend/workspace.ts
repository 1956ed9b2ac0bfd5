// The program a line is working on: a name and its numbered lines (or, for a job's output file, a
// read-only text). Numbered lines are what a teletype user types and what the compilers receive:
// "10 PRINT 1\n20 END\n".
import { langOf } from './names.ts';
import type { ProgramLang } from '../store/store.ts';

export const MAX_LINE_NUMBER = 99999;
/** Bounds the memory a line can pin with one program. */
export const MAX_PROGRAM_LINES = 10000;

const NUMBERED = /^\s*(\d+)(?:\s(.*))?$/s;

export type EditResult = { ok: true } | { ok: false; error: string };

export class Workspace {
  name: string | null = null;
  /** the BASIC dialect of this program (SYSTEM chooses it; saved with the program); null: the default */
  dialect: string | null = null;
  /** the margin BASIC programs run here fold their output at (MARGIN sets it for the session); null: 72 */
  margin: number | null = null;
  private lines = new Map<number, string>();
  /** the line numbers in order, kept until the next edit (RUN and LIST of a long program are common) */
  private order: number[] | null = null;
  private sourceCache: string | null = null;
  /** set for output files: shown by LIST, never edited or run */
  private text: string | null = null;

  get lang(): ProgramLang {
    return this.text !== null ? 'text' : langOf(this.name ?? '');
  }
  get isText(): boolean {
    return this.text !== null;
  }
  get size(): number {
    return this.text !== null ? 1 : this.lines.size;
  }

  /** NEW: an empty program with this name. */
  reset(name: string | null): void {
    this.name = name;
    this.changed();
    this.lines.clear();
    this.text = null;
  }

  /** SCRATCH: keep the name, drop the lines. */
  scratch(): void {
    this.changed();
    this.lines.clear();
    this.text = null;
  }

  /** Does this typed line start with a line number? */
  static isNumbered(line: string): boolean {
    return /^\s*\d/.test(line);
  }

  /** Enters, replaces or (number alone) deletes one numbered line. */
  edit(line: string): EditResult {
    if (this.text !== null) return { ok: false, error: `${this.name} IS A JOB'S OUTPUT; IT CANNOT BE EDITED` };
    const m = NUMBERED.exec(line);
    if (!m) return { ok: false, error: 'A LINE NUMBER MUST BE FOLLOWED BY A SPACE' };
    const n = Number(m[1]);
    if (m[1].length > 5 || n < 1 || n > MAX_LINE_NUMBER) return { ok: false, error: `LINE NUMBERS ARE 1 TO ${MAX_LINE_NUMBER}` };
    const body = (m[2] ?? '').replace(/\s+$/, '');
    this.changed();
    if (body === '') {
      this.lines.delete(n);
      return { ok: true };
    }
    if (!this.lines.has(n) && this.lines.size >= MAX_PROGRAM_LINES) {
      return { ok: false, error: `PROGRAM TOO LONG (${MAX_PROGRAM_LINES} LINES AT MOST)` };
    }
    this.lines.set(n, body);
    return { ok: true };
  }

  /** The numbered lines in order, optionally only those in [from, to]. */
  listing(from = 1, to = MAX_LINE_NUMBER): string[] {
    if (this.text !== null) return this.text === '' ? [] : this.text.replace(/\r?\n$/, '').split(/\r?\n/);
    const order = (this.order ??= [...this.lines.keys()].sort((a, b) => a - b));
    const out: string[] = [];
    for (const n of order) if (n >= from && n <= to) out.push(`${n} ${this.lines.get(n)}`);
    return out;
  }

  private changed(): void {
    this.order = null;
    this.sourceCache = null;
  }

  /** The program as stored and as compiled: "10 PRINT 1\n20 END\n". */
  source(): string {
    if (this.text !== null) return this.text;
    if (this.sourceCache === null) {
      const l = this.listing();
      this.sourceCache = l.length ? l.join('\n') + '\n' : '';
    }
    return this.sourceCache;
  }

  /** Loads stored or library text. Unnumbered program lines are numbered 10, 20, ... */
  load(name: string, lang: ProgramLang, text: string, dialect: string | null = null): EditResult {
    this.reset(name);
    this.dialect = dialect;
    if (lang === 'text') {
      this.text = text;
      return { ok: true };
    }
    const rows = text.replace(/\r\n?/g, '\n').split('\n');
    if (rows.length && rows[rows.length - 1] === '') rows.pop();
    const numbered = rows.every((r) => r.trim() === '' || Workspace.isNumbered(r));
    let auto = 0;
    for (const row of rows) {
      if (row.trim() === '') continue;
      const r = this.edit(numbered ? row : `${(auto += 10)} ${row}`);
      if (!r.ok) return r;
    }
    return { ok: true };
  }
}
