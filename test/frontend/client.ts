// A test terminal: a real ws client that collects everything the server types and waits for text
// (a string or a regex) to appear after a cursor, with a timeout that names what was awaited.
import WebSocket from 'ws';

export class Term {
  out = '';
  /** where the next expect() starts looking */
  cursor = 0;
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.out += d.toString();
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => {});
  }

  /** `localAddress`: dial from that address (e.g. 127.0.0.2: a caller of its own on loopback). */
  static open(url: string, localAddress?: string): Promise<Term> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
      const t = new Term(ws);
      ws.once('open', () => resolve(t));
      ws.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Types a line (CR at the end). */
  line(text: string): void {
    this.ws.send(text + '\r');
  }

  /** Waits until `what` appears after the cursor; moves the cursor past it; returns the text
   *  from the old cursor up to and including the match. */
  async expect(what: string | RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const rest = this.out.slice(this.cursor);
      let end = -1;
      if (typeof what === 'string') {
        const i = rest.indexOf(what);
        if (i >= 0) end = i + what.length;
      } else {
        const m = what.exec(rest);
        if (m) end = m.index + m[0].length;
      }
      if (end >= 0) {
        this.cursor += end;
        return rest.slice(0, end);
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        throw new Error(`expected ${String(what)}${this.closed ? ` (closed ${this.closed.code})` : ''}; got after cursor: ${JSON.stringify(rest.slice(-600))}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for the line to close; returns the close code. */
  async closedWith(ms = 10_000): Promise<number> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`not closed; output: ${JSON.stringify(this.out.slice(-300))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed.code;
  }

  /** Sends a command and waits for the READY. that follows it; returns the text in between. */
  async command(text: string, ms?: number): Promise<string> {
    this.line(text);
    return this.expect(/READY\.\r\n/, ms);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

/** Connects, registers (or logs in) a user, and waits for READY. */
export async function login(url: string, user: string, password = 'secret', register = true): Promise<Term> {
  const t = await Term.open(url);
  await t.expect('USER NAME--');
  t.line(user);
  await t.expect('PASSWORD--');
  t.line(password);
  if (register) {
    await t.expect('PASSWORD--');
    t.line(password);
  }
  await t.expect(/READY\.\r\n/);
  return t;
}
