// The --log printout: a copy of the paper, row by row, as a user took the paper home. Rows are
// appended synchronously so a crash loses nothing already printed.
import fs from 'node:fs';

export interface Printout {
  row(text: string): void;
  close(): void;
}

/** Opens (appending) the printout file; throws an Error with a clear message if it cannot. */
export function openPrintout(file: string): Printout {
  let fd: number;
  try {
    fd = fs.openSync(file, 'a');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`cannot open the printout file ${file}: ${err.code ?? err.message}`);
  }
  let failed = false;
  return {
    row(text) {
      if (failed) return;
      try {
        fs.writeSync(fd, `${text}\n`);
      } catch {
        // A full disk must not stop the teletype; the printout just ends there.
        failed = true;
      }
    },
    close() {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    },
  };
}
