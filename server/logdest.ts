// Where the server's log lines go. pino's default destination writes synchronously, and when the
// log goes to a pipe (a supervisor, `| tee`, a benchmark) whose reader falls behind, a synchronous
// write to the full pipe does not fail: it waits, retrying, and the front end's one thread waits
// with it. A profile of the hostile benchmark showed one such wait of 138 ms (every echo on every
// line held up behind one log line), and a reader that stops for good stops the whole server.
//
// So a pipe or socket is written the way the terminal lines are: asynchronously on the event loop
// (libuv writes it when the pipe has room; no thread-pool work, which scrypt would queue behind),
// with a bounded backlog. Past the bound, lines are dropped and counted, and a line saying how
// many were lost goes out when the reader catches up: the log loses lines, the users lose nothing.
// Files and terminals are written synchronously as before: a file write does not wait on a reader.
// At a fatal exit `flushSync` switches to blocking writes so the last words are not lost.
import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';

export interface LogDestination {
  write(line: string): void;
  /** Writes what is held and every later line synchronously (before process.exit). */
  flushSync(): void;
  /** pino's `logger.flush()`: the same, then `cb`. */
  flush(cb?: () => void): void;
  /** Lines dropped so far because the reader was too slow. */
  readonly dropped: number;
}

/** 4 MiB: about 15,000 log lines of a reader's hiccup, and nothing next to the server's RSS. */
export const LOG_BACKLOG_BYTES = 4 << 20;

export function logDestination(fd: number, maxBacklog = LOG_BACKLOG_BYTES): LogDestination {
  let kind: 'stream' | 'sync' = 'sync';
  try {
    const st = fstatSync(fd);
    if (st.isFIFO() || st.isSocket()) kind = 'stream';
  } catch {
    // an fd we cannot stat: write it synchronously and let errors surface there
  }
  if (kind === 'sync') return syncDestination(fd);
  return new StreamDestination(fd, maxBacklog);
}

function syncDestination(fd: number): LogDestination {
  return {
    dropped: 0,
    write(line) {
      writeAll(fd, line);
    },
    flushSync() {},
    flush(cb) {
      cb?.();
    },
  };
}

function writeAll(fd: number, text: string): void {
  let buf = Buffer.from(text);
  while (buf.length) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue; // a non-blocking fd at exit: wait for room
      return; // the reader is gone (EPIPE): nothing to write to
    }
  }
}

/** Held lines go to the pipe one chunk at a time; the chunk in flight is libuv's, the rest ours,
 *  so that `flushSync` can write what is still ours without reordering or losing it. */
class StreamDestination implements LogDestination {
  dropped = 0;
  private readonly sock: Socket;
  private held: string[] = [];
  private heldBytes = 0;
  private inFlight = false;
  private sync = false;
  private gone = false;

  constructor(private readonly fd: number, private readonly max: number) {
    this.sock = new Socket({ fd, readable: false, writable: true });
    // EPIPE: whoever read the log has gone; the server goes on, its log to nowhere
    this.sock.on('error', () => {
      this.gone = true;
      this.held = [];
      this.heldBytes = 0;
    });
    // the log must not keep the process alive once everything else has ended
    this.sock.unref();
  }

  write(line: string): void {
    if (this.gone) return;
    if (this.sync) return writeAll(this.fd, line);
    if (this.heldBytes + line.length > this.max) {
      this.dropped++;
      this.droppedSinceNote++;
      return;
    }
    if (this.droppedSinceNote > 0) {
      const note = `${JSON.stringify({ level: 40, time: Date.now(), dropped: this.droppedSinceNote, msg: 'log lines dropped: the log reader was too slow' })}\n`;
      this.droppedSinceNote = 0;
      this.hold(note);
    }
    this.hold(line);
    this.pump();
  }

  private droppedSinceNote = 0;

  private hold(line: string): void {
    this.held.push(line);
    this.heldBytes += line.length;
  }

  private pump(): void {
    if (this.inFlight || this.held.length === 0 || this.gone || this.sync) return;
    const chunk = this.held.length === 1 ? this.held[0] : this.held.join('');
    this.held = [];
    this.heldBytes = 0;
    this.inFlight = true;
    this.sock.write(chunk, () => {
      this.inFlight = false;
      this.pump();
    });
  }

  flush(cb?: () => void): void {
    this.flushSync();
    cb?.();
  }

  flushSync(): void {
    if (this.sync) return;
    this.sync = true;
    const rest = this.held.join('');
    this.held = [];
    this.heldBytes = 0;
    if (!this.gone && rest) writeAll(this.fd, rest);
  }
}
