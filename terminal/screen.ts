// The only module that knows about blessed: a full-screen paper area, a status line, the bell and
// raw keys. Everything else in the teletype talks to the TeletypeScreen interface, so a fork can
// swap blessed for something else by rewriting this file alone.
//
// blessed traps avoided here: no textbox (a focused textbox swallows Ctrl-C, and `inputOnFocus`
// doubles characters); keys are read as raw data at program level; raw mode is switched on only
// after the first render, and keys arriving before anyone listens are held, not lost.
import blessed from 'blessed';
import { StringDecoder } from 'node:string_decoder';
import type { PaperView } from './paper.ts';

export interface TeletypeScreen {
  readonly cols: number;
  /** rows available for the paper */
  readonly paperRows: number;
  draw(view: PaperView, status: string | null): void;
  bell(): void;
  /** Raw typed characters, decoded as UTF-8, in order. */
  onKeys(cb: (text: string) => void): void;
  onResize(cb: () => void): void;
  /** What the screen shows now, one string per row (for tests and diagnostics). */
  text(): string[];
  /** Gives the terminal back: normal screen, cursor shown, cooked mode. */
  destroy(): void;
}

export interface ScreenOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  status: boolean;
  /** terminfo name; defaults to $TERM */
  terminal?: string;
}

export function openScreen(opts: ScreenOptions): TeletypeScreen {
  const screen = blessed.screen({
    input: opts.input as never,
    output: opts.output as never,
    terminal: opts.terminal,
    smartCSR: true,
    fullUnicode: false,
    warnings: false,
    autoPadding: false,
    ignoreLocked: ['C-c'],
    title: 'Timeshare teletype',
  });
  const program = screen.program;

  const paper = blessed.box({
    parent: screen,
    top: 0,
    left: 0,
    width: '100%',
    height: opts.status ? '100%-1' : '100%',
    tags: false,
    wrap: false,
    content: '',
  });
  const statusBox = opts.status
    ? blessed.box({
        parent: screen,
        bottom: 0,
        left: 0,
        width: '100%',
        height: 1,
        tags: false,
        wrap: false,
        style: { inverse: true },
        content: '',
      })
    : null;

  let keysCb: ((text: string) => void) | null = null;
  const held: string[] = [];
  const decoder = new StringDecoder('utf8');
  let reading = false;
  let destroyed = false;

  // Listen at once so nothing typed is lost; deliver once the teletype asks for keys.
  program.on('data', (data: Buffer | string) => {
    const text = typeof data === 'string' ? data : decoder.write(data);
    if (!text) return;
    if (keysCb) keysCb(text);
    else held.push(text);
  });

  const startReading = () => {
    if (reading || destroyed) return;
    reading = true;
    // A keypress listener is what makes blessed put the tty in raw mode and resume input.
    program.on('keypress', () => {});
  };

  return {
    get cols() {
      return screen.cols as number;
    },
    get paperRows() {
      return Math.max(1, (screen.rows as number) - (opts.status ? 1 : 0));
    },
    draw(view, status) {
      if (destroyed) return;
      paper.setContent(view.lines.join('\n'));
      if (statusBox) statusBox.setContent(status ?? '');
      screen.render();
      if (view.cursor) {
        program.cup(view.cursor.row, view.cursor.col);
        program.showCursor();
      } else {
        program.hideCursor();
      }
      program.flush();
      startReading();
    },
    bell() {
      if (!destroyed) program.bell();
    },
    onKeys(cb) {
      keysCb = cb;
      for (const t of held.splice(0)) cb(t);
    },
    onResize(cb) {
      screen.on('resize', cb);
    },
    text() {
      return ((screen as unknown as { lines: Array<Array<[number, string]>> }).lines).map((row) =>
        row.map((cell) => cell[1]).join(''),
      );
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      program.showCursor();
      screen.destroy();
    },
  };
}
