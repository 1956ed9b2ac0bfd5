// The paper of a teletype: rows of printed characters and a carriage. CR returns the carriage, LF
// advances the paper (without returning the carriage, as on a real teletype), BS moves the carriage
// back one column so the next character overstrikes, BEL rings the bell. A line wider than the
// paper wraps. The oldest rows fall off the top, but at least `maxRows` are always kept.

export interface PaperView {
  /** the rows to show, top to bottom (at most `height`) */
  lines: string[];
  /** where the carriage is within `lines`, or null when it is scrolled out of sight */
  cursor: { row: number; col: number } | null;
}

const TAB = 8;

export class Paper {
  private rows: string[] = [''];
  private col = 0;
  /** rows the view is scrolled back from the end */
  private back = 0;
  private dropped = 0;

  /** `onRow` hears each row once the paper has moved past it (for a printout). */
  constructor(
    private width: number,
    readonly maxRows = 20_000,
    private readonly onRow: (text: string) => void = () => {},
  ) {
    if (maxRows < 1) throw new RangeError('maxRows must be at least 1');
    this.width = Math.max(1, width);
  }

  get columns(): number {
    return this.width;
  }

  /** Later output uses the new width; rows already printed stay as printed. */
  setWidth(width: number): void {
    this.width = Math.max(1, width);
  }

  /** Rows held, including the one the carriage is on. */
  get length(): number {
    return this.rows.length;
  }

  /** Rows that fell off the top since the start. */
  get droppedRows(): number {
    return this.dropped;
  }

  get scrolledBack(): number {
    return this.back;
  }

  get carriage(): number {
    return this.col;
  }

  row(i: number): string {
    return this.rows[i];
  }

  /** The row the carriage is on. */
  get current(): string {
    return this.rows[this.rows.length - 1];
  }

  /** Prints `text`; returns how many times the bell rang. */
  write(text: string): number {
    let bells = 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0)) {
        // A run of printing characters: place it in slices that fit the row.
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d < 0x20 || d === 0x7f || (d >= 0x80 && d < 0xa0)) break;
          j++;
        }
        this.print(text.slice(i, j));
        i = j;
        continue;
      }
      switch (c) {
        case 0x0d: // CR
          this.col = 0;
          break;
        case 0x0a: // LF
          this.advance();
          break;
        case 0x08: // BS
          if (this.col > 0) this.col--;
          break;
        case 0x07: // BEL
          bells++;
          break;
        case 0x09: // TAB: move to the next stop, never past the last column
          this.col = Math.min(this.width - 1, (Math.floor(this.col / TAB) + 1) * TAB);
          break;
        default:
        // Other control characters print nothing on a teletype.
      }
      i++;
    }
    return bells;
  }

  private print(run: string): void {
    let k = 0;
    while (k < run.length) {
      if (this.col >= this.width) {
        // Wrap only when another character needs the room, so a full-width line followed by
        // CR LF does not leave an empty row.
        this.advance();
        this.col = 0;
      }
      const room = this.width - this.col;
      const piece = run.slice(k, k + room);
      const last = this.rows.length - 1;
      let row = this.rows[last];
      if (row.length < this.col) row += ' '.repeat(this.col - row.length);
      this.rows[last] = row.slice(0, this.col) + piece + row.slice(this.col + piece.length);
      this.col += piece.length;
      k += piece.length;
    }
  }

  private advance(): void {
    this.onRow(this.current.trimEnd());
    this.rows.push('');
    if (this.back > 0) this.back++; // a reader scrolled back keeps looking at the same rows
    // Drop in batches so a flood of output does not shift the array on every line; at least
    // maxRows are always kept.
    if (this.rows.length > this.maxRows + Math.ceil(this.maxRows / 10)) {
      const cut = this.rows.length - this.maxRows;
      this.rows.splice(0, cut);
      this.dropped += cut;
    }
    this.back = Math.min(this.back, Math.max(0, this.rows.length - 1));
  }

  /** What a window `height` rows high shows. Before the paper fills the window it sits at the top. */
  view(height: number): PaperView {
    const h = Math.max(1, height);
    const end = this.rows.length - this.back;
    const start = Math.max(0, end - h);
    const lines = this.rows.slice(start, end);
    const cursor =
      this.back === 0 ? { row: lines.length - 1, col: Math.min(this.col, this.width - 1) } : null;
    return { lines, cursor };
  }

  /** Scroll back one page (keeping one row of context); returns whether the view moved. */
  pageUp(height: number): boolean {
    const step = Math.max(1, height - 1);
    const maxBack = Math.max(0, this.rows.length - Math.max(1, height));
    const next = Math.min(maxBack, this.back + step);
    const moved = next !== this.back;
    this.back = next;
    return moved;
  }

  pageDown(height: number): boolean {
    const step = Math.max(1, height - 1);
    const next = Math.max(0, this.back - step);
    const moved = next !== this.back;
    this.back = next;
    return moved;
  }

  /** Back to the carriage; returns whether the view moved. */
  toEnd(): boolean {
    const moved = this.back !== 0;
    this.back = 0;
    return moved;
  }

  /** Rows printed so far, for a log written at the end: the carriage row if it holds anything. */
  flushCurrent(): void {
    const t = this.current.trimEnd();
    if (t) this.onRow(t);
  }
}
