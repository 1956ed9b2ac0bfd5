// The web teletype: a paper-roll terminal (xterm.js) on an ordinary WebSocket line to this server,
// the same wire as the blessed teletype: keys go up as typed, the server echoes and owns the line
// discipline, login and everything else. Shared with the blessed teletype: the key mapper (upper
// case, Ctrl-C) and the line-speed pacer (terminal/).
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { KeyMapper } from '../../../terminal/keys.ts';
import { Pacer } from '../../../terminal/pacer.ts';
import { $ } from './dom.ts';

/** Characters a second of a line of `baud` (110 baud used 11 bits a character, others 10). */
function cps(baud: number): number {
  return baud <= 0 ? 0 : baud === 110 ? 10 : baud / 10;
}

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
  private pacer: Pacer;
  private baud: number;
  private upper: boolean;
  /** typed before the first connection was up */
  private typeAhead = '';

  constructor(private host: HTMLElement) {
    this.baud = Number(localStorage.getItem('timeshare.baud') ?? 0) || 0;
    this.upper = localStorage.getItem('timeshare.upper') !== 'false';
    this.keys = new KeyMapper(this.upper);
    this.pacer = this.newPacer();
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

  private newPacer(): Pacer {
    return new Pacer(cps(this.baud), (text, local) => this.print(text, local));
  }

  setBaud(baud: number): void {
    this.baud = baud;
    localStorage.setItem('timeshare.baud', String(baud));
    // what is waiting prints at the new speed
    const waiting = this.pacer.takeBack();
    this.pacer = this.newPacer();
    this.pacer.push(waiting);
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
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  }

  dial(): void {
    if (this.redialTimer !== null) clearTimeout(this.redialTimer);
    this.redialTimer = null;
    this.state = 'dialing';
    this.line = null;
    this.banner = '';
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.state = 'online';
      this.onlineSince = Date.now();
      this.retryMs = REDIAL_MIN_MS;
      if (this.everOnline) this.pacer.pushLocal(`*** BACK ONLINE ${clock()} (a new session: log in again)`);
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
      this.pacer.push(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const reason = ev.reason || (ev.code === 1006 ? 'no carrier' : `code ${ev.code}`);
      if (ev.code === 1000 || ev.code === 1013) {
        // the system hung up on purpose (BYE, too many failures, all lines busy): wait for the user
        this.state = 'hungup';
        this.pacer.pushLocal(`*** HUNG UP ${clock()} (${reason}). ANY KEY OR "DIAL" CALLS AGAIN.`);
      } else {
        const wasOnline = this.state === 'online';
        this.state = 'dropped';
        this.pacer.pushLocal(wasOnline || !this.everOnline ? `*** LINE DROPPED ${clock()} (${reason}); REDIALING` : '');
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
          this.pacer.discard();
          break;
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
    this.pacer.discard();
    this.send('\x03');
    this.term.focus();
  }

  private print(text: string, local: boolean): void {
    if (!text) return;
    if (local) {
      const col = this.term.buffer.active.cursorX;
      this.term.write(`${col > 0 ? '\r\n' : '\r'}${text}\r\n`);
    } else this.term.write(text);
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
    const speed = this.baud > 0 ? `${this.baud} BAUD` : 'UNPACED';
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
