// The ledger's spool: charges that could not be written because the store was away are kept in a
// local file, so that they outlive the process. The writer rewrites the file after every write
// that failed (at most every 2 s while the store is away, with the whole waiting queue) and removes
// it once everything is in the ledger; the server saves it once more as it exits, and at the next
// start replays it before anything else is charged. So charges made during an outage survive a
// SIGTERM (and a kill -9 loses at most the last retry interval's, about 2 s).
//
// Nothing is charged twice on replay: every entry keeps its idempotency key (the database ignores
// a key it holds), and an entry whose range of meter readings overlaps one already charged is
// skipped too (Ledger.replay), which covers a waiting entry that was folded into a later one and
// written under the later key before the process ended.
//
// The file is written whole to a temporary name, synced and renamed over the old one: a crash
// during a write leaves the previous spool, never half of one.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger, LedgerEntry } from '../store/ledger.ts';
import { replaceDurably } from '../durable.ts';

const VERSION = 1;

interface SpoolFile {
  v: number;
  host: string | null;
  savedAt: number;
  entries: LedgerEntry[];
}

/** Where a host keeps its spool: DATA/ledger-spool.HOST.json (the data folder is local to the host,
 *  even when the store is a shared PostgreSQL). */
export function spoolPath(dataDir: string, host: string): string {
  return join(dataDir, `ledger-spool.${host}.json`);
}

export interface SpoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class LedgerSpool {
  /** a spool file exists (written by us or left by an earlier run) */
  private present: boolean;
  /** entries in the file as last written */
  saved = 0;

  constructor(readonly file: string, private readonly host: string | null = null) {
    this.present = existsSync(file);
  }

  /** Replaces the file with `entries` (removes it when there are none). */
  save(entries: readonly LedgerEntry[]): void {
    if (entries.length === 0) return this.clear();
    const body: SpoolFile = { v: VERSION, host: this.host, savedAt: Date.now(), entries: [...entries] };
    replaceDurably(this.file, JSON.stringify(body));
    this.present = true;
    this.saved = entries.length;
  }

  clear(): void {
    if (!this.present) return;
    rmSync(this.file, { force: true });
    this.present = false;
    this.saved = 0;
  }

  get exists(): boolean {
    return this.present;
  }

  /** The entries in the file; throws with a plain reason when it is not a spool of this version. */
  load(): LedgerEntry[] {
    if (!existsSync(this.file)) return [];
    const body = JSON.parse(readFileSync(this.file, 'utf8')) as SpoolFile;
    if (body?.v !== VERSION || !Array.isArray(body.entries)) throw new Error(`${this.file} is not a ledger spool of version ${VERSION}`);
    for (const e of body.entries) {
      if (typeof e?.key !== 'string' || typeof e.user !== 'string' || !Number.isSafeInteger(e.amount) || !Number.isSafeInteger(e.quantity)) {
        throw new Error(`${this.file} holds an entry that is not a ledger entry`);
      }
    }
    return body.entries;
  }
}

/** Entries a replay writes per transaction. */
const REPLAY_CHUNK = 500;

/**
 * At start, before anything is charged: writes a spool left by an earlier run to the ledger and
 * removes it. If the store fails meanwhile the file stays for the next start (what was written is
 * skipped then). A file that cannot be read is moved aside (FILE.bad) and reported, never lost.
 */
export async function replaySpool(ledger: Ledger, spool: LedgerSpool, log: SpoolLog): Promise<{ entries: number; written: number } | null> {
  if (!spool.exists) return null;
  let entries: LedgerEntry[];
  try {
    entries = spool.load();
  } catch (err) {
    const bad = `${spool.file}.bad`;
    renameSync(spool.file, bad);
    spool.clear();
    log.error({ err: (err as Error).message, file: bad }, 'the ledger spool could not be read; it is kept aside for the operator');
    return null;
  }
  let written = 0;
  for (let i = 0; i < entries.length; i += REPLAY_CHUNK) written += await ledger.replay(entries.slice(i, i + REPLAY_CHUNK));
  spool.clear();
  log.info({ file: spool.file, entries: entries.length, written, skipped: entries.length - written }, 'ledger entries spooled during an outage are written');
  return { entries: entries.length, written };
}
