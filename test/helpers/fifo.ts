// A FIFO a test reads only when it chooses (the log tests): the writer meets a full pipe
// (64 KiB on Linux) as soon as the test stops reading, and nothing buffers on the reading side.
import { execFileSync } from 'node:child_process';
import { constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Makes DIR/name a FIFO; returns its read end (non-blocking) and its write end. */
export function makeFifo(dir: string, name = 'log'): { path: string; reader: number; writer: number } {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY);
  return { path, reader, writer };
}

/** Reads what the FIFO holds now, without waiting. */
export function readAvailable(fd: number): string {
  const buf = Buffer.alloc(1 << 16);
  let text = '';
  for (;;) {
    try {
      const n = readSync(fd, buf);
      if (n === 0) return text;
      text += buf.toString('utf8', 0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return text;
      throw err;
    }
  }
}
