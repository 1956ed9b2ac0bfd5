// One file replaced whole and durably: written beside itself, flushed to the disk, renamed over the
// old one, and the rename flushed too. A crash at any point leaves the old file or the new one,
// never half of either. The ledger's and the hotel's spools (what waits for an absent store) use it.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function replaceDurably(file: string, text: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // the rename is a change to the folder: flushed, so the new name survives a power cut
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // a folder cannot be opened for fsync on some systems (Windows): the rename is still atomic
  }
}
