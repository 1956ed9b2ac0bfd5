// The teletype: the phone line, the line-speed pacer, the paper, the keyboard and the screen, wired
// together. Output: line → pacer → paper (+ printout) → screen. Input: keys → key mapper → line.
import { Line, type Backoff } from './connection.ts';
import { KeyMapper } from './keys.ts';
import type { Options } from './options.ts';
import { Pacer } from './pacer.ts';
import { realClock, type Clock } from '../shared/pacer.ts';
import { Paper } from './paper.ts';
import type { TeletypeScreen } from './screen.ts';
import { formatStatus } from './status.ts';

/** Scrollback kept, in rows (the issue asks for at least 10,000). */
export const SCROLLBACK_ROWS = 20_000;
/** When this much paced output is waiting, stop reading the line, so the mainframe sees a slow
 * line instead of the teletype hoarding its output; read again below the low mark. */
const HIGH_WATER = 2048;
const LOW_WATER = 256;
/** Redraws are coalesced: at most one per this many ms. */
const DRAW_MS = 8;
/** Keys typed before the line first comes up are held (up to this many) and sent when it does. */
const TYPE_AHEAD_MAX = 65_536;

export interface TeletypeDeps {
  screen: TeletypeScreen;
  /** clock for the pacer and the line's redial timer (tests use a fake one) */
  clock?: Clock;
  backoff?: Backoff;
  /** receives each finished row of paper (the --log printout) */
  printout?: (row: string) => void;
  log?: { info(o: object, m?: string): void; debug(o: object, m?: string): void };
  /** `lineClosed` settles once the mainframe has seen the hang-up */
  onQuit: (lineClosed: Promise<void>) => void;
}

type Opts = Pick<Options, 'url' | 'baud' | 'upper' | 'status'>;

/** The URL with the line speed asked of the server: ws://host:port/?baud=110 (0: none asked). */
export function withSpeed(url: string, baud: number): string {
  if (!(baud > 0)) return url;
  try {
    const u = new URL(url);
    u.searchParams.set('baud', String(baud));
    return u.toString();
  } catch {
    return url;
  }
}

export class Teletype {
  readonly paper: Paper;
  readonly pacer: Pacer;
  readonly line: Line;
  private readonly keys: KeyMapper;
  private readonly screen: TeletypeScreen;
  private drawTimer: ReturnType<typeof setTimeout> | null = null;
  private statusTimer: ReturnType<typeof setInterval> | null = null;
  private everOnline = false;
  /** a "no answer" notice was printed for the current run of failed dials */
  private toldNoAnswer = false;
  private quitting = false;
  private typeAhead = '';

  constructor(
    private readonly opts: Opts,
    private readonly deps: TeletypeDeps,
  ) {
    this.screen = deps.screen;
    this.paper = new Paper(this.screen.cols, SCROLLBACK_ROWS, deps.printout);
    // The line's speed is the server's business: it is asked for when dialing (?baud=N) and the
    // server sends at that rate, so Ctrl-C there throws away what was not sent and the teletype
    // keeps no output of its own waiting. The pacer stays unpaced (it orders local notices).
    this.pacer = new Pacer(0, (t, local) => this.print(t, local), deps.clock ?? realClock);
    this.keys = new KeyMapper(opts.upper);
    this.line = new Line(
      withSpeed(opts.url, opts.baud),
      {
        online: () => this.online(),
        offline: (i) => this.offline(i),
        data: (t) => this.received(t),
        hungup: (i) => this.hungup(i.reason),
      },
      { backoff: deps.backoff, log: deps.log, clock: deps.clock },
    );
  }

  start(): void {
    this.screen.onResize(() => {
      this.paper.setWidth(this.screen.cols);
      this.drawNow();
    });
    this.drawNow(); // the first render; the screen starts reading keys after it
    this.screen.onKeys((t) => this.typed(t));
    if (this.opts.status) this.statusTimer = setInterval(() => this.scheduleDraw(), 1000);
    this.line.start();
  }

  /** Quits: stops everything and tells `onQuit`, with a promise of the line being closed. */
  quit(): void {
    if (this.quitting) return;
    this.quitting = true;
    const closed = this.line.close();
    this.pacer.stop();
    this.paper.flushCurrent();
    if (this.drawTimer) clearTimeout(this.drawTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.deps.log?.info({}, 'quit');
    this.deps.onQuit(closed);
  }

  /** Paints the screen now (tests call this instead of waiting for the coalesced redraw). */
  drawNow(): void {
    if (this.drawTimer) clearTimeout(this.drawTimer);
    this.drawTimer = null;
    if (this.quitting) return;
    const view = this.paper.view(this.screen.paperRows);
    this.screen.draw(view, this.opts.status ? this.statusText() : null);
  }

  statusText(): string {
    const l = this.line;
    return formatStatus(
      {
        url: this.opts.url,
        state: l.state,
        connectedMs: Date.now() - l.onlineSince,
        redialMs: l.nextDialAt - Date.now(),
        baud: this.opts.baud,
        scrolledBack: this.paper.scrolledBack,
        escape: this.keys.inEscape,
      },
      this.screen.cols,
    );
  }

  private scheduleDraw(): void {
    if (this.drawTimer || this.quitting) return;
    this.drawTimer = setTimeout(() => this.drawNow(), DRAW_MS);
  }

  private received(text: string): void {
    this.pacer.push(text);
    if (this.pacer.pending > HIGH_WATER) this.line.pause();
  }

  private print(text: string, local: boolean): void {
    const bells = local ? this.notice(text) : this.paper.write(text);
    if (bells > 0) this.screen.bell();
    if (this.pacer.pending < LOW_WATER) this.line.resume();
    this.scheduleDraw();
  }

  /** A line from the teletype itself, on a row of its own. */
  private notice(text: string): number {
    const prefix = this.paper.current.trim() ? '\r\n' : '\r';
    return this.paper.write(`${prefix}${text}\r\n`);
  }

  private online(): void {
    if (this.everOnline) {
      this.pacer.pushLocal(`*** BACK ONLINE ${clockTime()} (a new session: log in again)`);
    }
    this.everOnline = true;
    this.toldNoAnswer = false;
    if (this.typeAhead) {
      this.line.send(this.typeAhead);
      this.typeAhead = '';
    }
    this.scheduleDraw();
  }

  private hungup(reason: string): void {
    this.pacer.pushLocal(`*** HUNG UP ${clockTime()} (${reason}). ANY KEY DIALS AGAIN; CTRL-] Q QUITS`);
    this.scheduleDraw();
  }

  private offline(info: { wasOnline: boolean; retryMs: number; reason: string }): void {
    if (info.wasOnline) {
      this.pacer.pushLocal(`*** LINE DROPPED ${clockTime()} (${info.reason}); redialing`);
      this.toldNoAnswer = true;
    } else if (!this.toldNoAnswer) {
      this.pacer.pushLocal(`*** NO ANSWER FROM ${this.opts.url} (${info.reason}); redialing`);
      this.toldNoAnswer = true;
    }
    this.scheduleDraw();
  }

  private typed(chunk: string): void {
    for (const a of this.keys.map(chunk)) {
      switch (a.type) {
        case 'send':
          this.paper.toEnd();
          if (this.line.state === 'hungup') {
            // The key picks up the phone; it is not typed into the new session.
            this.line.redial();
            break;
          }
          this.send(a.text);
          break;
        case 'interrupt':
          this.paper.toEnd();
          this.pacer.discard();
          this.line.resume();
          break;
        case 'pageUp':
          this.paper.pageUp(this.screen.paperRows);
          break;
        case 'pageDown':
          this.paper.pageDown(this.screen.paperRows);
          break;
        case 'escape':
        case 'escapeCancelled':
          break;
        case 'quit':
          this.quit();
          return;
      }
    }
    this.drawNow();
  }

  private send(text: string): void {
    if (this.line.send(text)) return;
    if (!this.everOnline && this.typeAhead.length + text.length <= TYPE_AHEAD_MAX) {
      // Typed before the first connection (the user was quicker than the dial): keep it.
      this.typeAhead += text;
      return;
    }
    // A line that dropped takes no keys (a new session would read them as a user name): ring the
    // bell so the user knows they went nowhere.
    this.screen.bell();
  }
}

function clockTime(): string {
  return new Date().toTimeString().slice(0, 8);
}
