// The web teletype: a paper-roll terminal (xterm.js) on an ordinary WebSocket line to this server,
// the same wire as the blessed teletype: keys go up as typed, the server echoes and owns the line
// discipline, login and everything else. The line's speed is the server's (asked for with
// `?baud=N` when the line connects, changed with SPEED), so back-pressure holds the job and
// Ctrl-C throws away what was not printed. Shared with the blessed teletype: the key mapper
// (upper case, Ctrl-C; terminal/keys.ts).
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { KeyMapper } from '../../../terminal/keys.ts';
import { $ } from './dom.ts';

/** A paste goes up in frames well under the server's 64 KiB limit. */
const FRAME = 16 * 1024;
const REDIAL_MIN_MS = 1000;
const REDIAL_MAX_MS = 15_000;

type State = 'dialing' | 'online' | 'dropped' | 'hungup';

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

class WebTeletype {
  readonly term: Terminal;
  private fit = new FitAddon();
  private ws: WebSocket | null = null;
  private state: State = 'dialing';
  private everOnline = false;
  private onlineSince = 0;
  private line: number | null = null;
  private banner = '';
  private retryMs = REDIAL_MIN_MS;
  private redialAt = 0;
  private redialTimer: number | null = null;
  private keys: KeyMapper;
  /** the speed asked for at the next call */
  private baud: number;
  /** the line's speed as the server last said (null: not known yet) */
  private lineBaud: number | null = null;
  private tail = '';
  private upper: boolean;
  /** typed before the first connection was up */
  private typeAhead = '';

  constructor(private host: HTMLElement) {
    this.baud = Number(localStorage.getItem('timeshare.baud') ?? 0) || 0;
    this.upper = localStorage.getItem('timeshare.upper') !== 'false';
    this.keys = new KeyMapper(this.upper);
    this.term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      scrollback: 10_000,
      fontFamily: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace',
      fontSize: this.fontSize(),
      theme: { background: '#fbf8ef', foreground: '#222222', cursor: '#222222', selectionBackground: '#c9c2a8' },
      allowProposedApi: false,
    });
    this.term.loadAddon(this.fit);
    this.term.open(host);
    // Shift+Tab leaves the paper (a teletype has no back-tab), so the page works by keyboard alone.
    this.term.attachCustomKeyEventHandler((e) => !(e.key === 'Tab' && e.shiftKey));
    this.term.onData((d) => this.typed(d));
    this.resize();
    new ResizeObserver(() => this.resize()).observe(host);
    this.dial();
    setInterval(() => this.status(), 1000);
  }

  /** Larger type on wide screens; at 375 px the paper still holds about 70 columns. */
  private fontSize(): number {
    const w = this.host.clientWidth || window.innerWidth;
    return Math.max(9, Math.min(16, Math.floor(w / (72 * 0.62))));
  }

  private resize(): void {
    const size = this.fontSize();
    if (this.term.options.fontSize !== size) this.term.options.fontSize = size;
    try {
      this.fit.fit();
    } catch {
      // not laid out yet
    }
  }

  setBaud(baud: number): void {
    this.baud = baud;
    localStorage.setItem('timeshare.baud', String(baud));
    // The line is the server's: a new speed is asked for at the next call. The user may change
    // this line's speed now with SPEED (typing it for them could land in a running program).
    if (this.state === 'online' && baud !== this.lineBaud) {
      this.notice(`*** ${baud === 0 ? 'UNPACED' : `${baud} BAUD`} FROM THE NEXT CALL. TYPE SPEED ${baud} TO CHANGE THIS LINE NOW.`);
    }
    this.status();
  }

  setUpper(upper: boolean): void {
    this.upper = upper;
    localStorage.setItem('timeshare.upper', String(upper));
    this.keys = new KeyMapper(upper);
    this.status();
  }

  // ---- the line ----

  private url(): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/?baud=${this.baud}`;
  }

  dial(): void {
    if (this.redialTimer !== null) clearTimeout(this.redialTimer);
    this.redialTimer = null;
    this.state = 'dialing';
    this.line = null;
    this.lineBaud = null;
    this.banner = '';
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.state = 'online';
      this.onlineSince = Date.now();
      this.retryMs = REDIAL_MIN_MS;
      this.lineBaud = this.baud;
      if (this.everOnline) this.notice(`*** BACK ONLINE ${clock()} (a new session: log in again)`);
      this.everOnline = true;
      if (this.typeAhead) this.send(this.typeAhead);
      this.typeAhead = '';
      this.status();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== 'string') return;
      if (this.line === null && this.banner.length < 400) {
        this.banner += ev.data;
        const m = /LINE (\d+)/.exec(this.banner);
        if (m) this.line = Number(m[1]);
      }
      // the server's answer to SPEED says what the line runs at now (a paced line sends it in
      // pieces, so look at the last few characters received, not at one frame)
      this.tail = (this.tail + ev.data).slice(-80);
      const sp = /SPEED (\d+)(?: BAUD|: UNPACED)/.exec(this.tail);
      if (sp) {
        this.lineBaud = Number(sp[1]);
        this.tail = this.tail.slice(sp.index + sp[0].length);
        this.status();
      }
      this.term.write(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const reason = ev.reason || (ev.code === 1006 ? 'no carrier' : `code ${ev.code}`);
      if (ev.code === 1000 || ev.code === 1013) {
        // the system hung up on purpose (BYE, too many failures, all lines busy): wait for the user
        this.state = 'hungup';
        this.notice(`*** HUNG UP ${clock()} (${reason}). ANY KEY OR "DIAL" CALLS AGAIN.`);
      } else {
        const wasOnline = this.state === 'online';
        this.state = 'dropped';
        if (wasOnline || !this.everOnline) this.notice(`*** LINE DROPPED ${clock()} (${reason}); REDIALING`);
        this.redialAt = Date.now() + this.retryMs;
        this.redialTimer = window.setTimeout(() => this.dial(), this.retryMs);
        this.retryMs = Math.min(REDIAL_MAX_MS, this.retryMs * 2);
      }
      this.status();
    };
    this.status();
  }

  hangUp(): void {
    if (this.ws) this.ws.close(1000, 'hung up at the teletype');
  }

  private send(text: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    for (let i = 0; i < text.length; i += FRAME) ws.send(text.slice(i, i + FRAME));
    return true;
  }

  // ---- keys and paper ----

  private typed(data: string): void {
    for (const a of this.keys.map(data)) {
      switch (a.type) {
        case 'send':
          this.term.scrollToBottom();
          if (this.state === 'hungup') {
            this.dial(); // the key picks up the phone; it is not typed into the new session
            break;
          }
          if (!this.send(a.text)) {
            if (!this.everOnline && this.typeAhead.length < 4096) this.typeAhead += a.text;
            else this.term.write('\x07');
          }
          break;
        case 'interrupt':
          break; // the Ctrl-C itself goes up in the next send; the server discards unsent output
        case 'pageUp':
          this.term.scrollPages(-1);
          break;
        case 'pageDown':
          this.term.scrollPages(1);
          break;
        default:
          break;
      }
    }
  }

  interrupt(): void {
    this.send('\x03');
    this.term.focus();
  }

  /** A line from the teletype itself (not from the line), on a row of its own. */
  private notice(text: string): void {
    const col = this.term.buffer.active.cursorX;
    this.term.write(`${col > 0 ? '\r\n' : '\r'}${text}\r\n`);
  }

  /** Everything on the paper, scrollback included (for scripts and tests). */
  paper(): string {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
    return out.join('\n').replace(/\n+$/, '');
  }

  status(): void {
    const parts: string[] = [];
    const b = this.state === 'online' && this.lineBaud !== null ? this.lineBaud : this.baud;
    const speed = b > 0 ? `${b} BAUD` : 'UNPACED';
    switch (this.state) {
      case 'online':
        parts.push('ONLINE', this.line !== null ? `LINE ${this.line}` : '', `CONNECTED ${hms(Date.now() - this.onlineSince)}`);
        break;
      case 'dialing':
        parts.push('DIALING...');
        break;
      case 'dropped':
        parts.push(`OFFLINE: REDIALING IN ${Math.max(0, Math.ceil((this.redialAt - Date.now()) / 1000))} S`);
        break;
      case 'hungup':
        parts.push('HUNG UP: ANY KEY DIALS');
        break;
    }
    parts.push(speed, this.upper ? 'UPPER CASE' : 'MIXED CASE');
    const el = $('status');
    el.textContent = parts.filter(Boolean).join('  |  ');
    el.dataset.state = this.state;
    const dial = $('dial');
    dial.textContent = this.state === 'online' || this.state === 'dialing' ? 'Hang up' : 'Dial';
  }

  get online(): boolean {
    return this.state === 'online';
  }
}

function hms(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

const tty = new WebTeletype($('terminal'));
const speed = $('speed') as HTMLSelectElement;
speed.value = String(Number(localStorage.getItem('timeshare.baud') ?? 0) || 0);
speed.addEventListener('change', () => tty.setBaud(Number(speed.value)));
const upper = $('upper') as HTMLInputElement;
upper.checked = localStorage.getItem('timeshare.upper') !== 'false';
upper.addEventListener('change', () => tty.setUpper(upper.checked));
$('interrupt').addEventListener('click', () => tty.interrupt());
$('dial').addEventListener('click', () => {
  if (tty.online) tty.hangUp();
  else tty.dial();
  tty.term.focus();
});
tty.term.focus();
(window as unknown as { teletype: WebTeletype }).teletype = tty;
